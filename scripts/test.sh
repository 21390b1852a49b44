#!/usr/bin/env bash
# Lints (ruff, mypy --strict) and runs the whole test suite against the oldest and the newest Poetry that
# pyproject.toml admits (poetry>=2.0,<3), each in its own virtualenv under .venvs/.
# Usage: bash scripts/test.sh [pytest args...]
# LOCKGUARD_POETRY_VERSIONS="newest" limits the run to one of "oldest newest".
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
versions=${LOCKGUARD_POETRY_VERSIONS:-"newest oldest"}
status=0
for which in $versions; do
  case $which in
    oldest) spec="poetry==2.0.0" ;;
    newest) spec="poetry>=2.0,<3" ;;
    *) echo "unknown Poetry version label: $which" >&2; exit 2 ;;
  esac
  venv=".venvs/poetry-$which"
  if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install --quiet "$spec" -e ".[test,dev]"
  if [ "$which" = newest ]; then
    echo "== lint and types"
    "$venv/bin/ruff" check src tests benchmarks demo scripts || status=1
    "$venv/bin/mypy" || status=1
  fi
  echo "== tests with $("$venv/bin/poetry" --version) on $("$venv/bin/python" --version)"
  # Both cores; a test module's tests stay on one worker (module fixtures are costly).
  "$venv/bin/python" -m pytest -n "${LOCKGUARD_TEST_WORKERS:-auto}" --dist loadscope "$@" || status=$?
done
exit $status
