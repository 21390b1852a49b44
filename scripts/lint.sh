#!/usr/bin/env bash
# Lint, format check, types and the project's own lock, with the pinned tools of the `lint`
# dependency group (pre-commit's hooks call this script too):
#   bash scripts/lint.sh [--fix]          all four (what CI runs)
#   bash scripts/lint.sh ruff [--fix]     ruff check            (--fix: and fix what it can)
#   bash scripts/lint.sh format [--fix]   ruff format --check   (--fix: reformat)
#   bash scripts/lint.sh mypy             mypy --strict, for Python 3.9
#   bash scripts/lint.sh lock             this checkout's stand-alone check of poetry.lock
# Two venvs, made on first use and again when pyproject.toml changes (from uv's cache when
# the package index cannot be reached): .venvs/lint holds the tools (on $PYTHON, default
# python3); .venvs/types-py39 holds this checkout and its test group on Python 3.9, the
# oldest the package supports, so that mypy sees what a 3.9 user installs
# (`--python-executable`). Python 3.9 is the first found of: $LOCKGUARD_PYTHON39,
# `python3.9` on PATH, pyenv's versions (under $PYENV_ROOT or ~/.pyenv).
# Exit status: 0 when everything asked for passes, 1 when not, 2 when no Python 3.9 is found.
set -euo pipefail
cd "$(dirname "$0")/.."
what=all
case ${1:-} in ruff|format|mypy|lock) what=$1; shift ;; esac
fix=
case ${1:-} in
  --fix) fix=--fix ;;
  "") ;;
  *) echo "scripts/lint.sh: unknown argument ${1}: expected ruff, format, mypy, lock or --fix" >&2; exit 2 ;;
esac
wants() { [ "$what" = all ] || [ "$what" = "$1" ]; }
venv=.venvs/lint

python39() {  # the first working Python 3.9, or nothing
  local candidate
  for candidate in ${LOCKGUARD_PYTHON39:-} python3.9 \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 9)' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

PYTHON=${PYTHON:-python3}
uv=.venvs/tools/bin/uv
types=.venvs/types-py39
inputs=$(sha256sum pyproject.toml | cut -d' ' -f1)

fresh() { [ -x "$1/bin/python" ] && [ "$(cat "$1/.inputs" 2>/dev/null)" = "$inputs" ]; }
fill() {  # fill ARGS...: uv pip install ARGS, from uv's cache when the package index fails
  "$uv" pip install --quiet "$@" && return
  echo "scripts/lint.sh: the install from the package index failed: trying uv's cache (uv --offline)" >&2
  "$uv" pip install --quiet --offline "$@"
}

if ! fresh "$venv" || ! fresh "$types"; then
  if [ ! -x "$uv" ]; then
    "$PYTHON" -m venv .venvs/tools
    .venvs/tools/bin/python -m pip install --quiet --disable-pip-version-check uv
  fi
fi
if ! fresh "$venv"; then
  rm -rf "$venv"
  "$uv" venv --quiet --python "$PYTHON" "$venv"
  fill --python "$venv/bin/python" --group lint
  echo "$inputs" >"$venv/.inputs"
fi
if wants mypy || wants lock; then
  if ! fresh "$types"; then
    if ! base=$(python39); then
      echo "scripts/lint.sh: no Python 3.9 found for mypy (set LOCKGUARD_PYTHON39, or put python3.9 on PATH)" >&2
      exit 2
    fi
    rm -rf "$types"
    "$uv" venv --quiet --python "$base" "$types"
    fill --python "$types/bin/python" -e ".[sbom]" --group test
    echo "$inputs" >"$types/.inputs"
  fi
fi

status=0
paths=(src tests benchmarks demo scripts)
if wants ruff; then
  "$venv/bin/ruff" check ${fix:+--fix} "${paths[@]}" || status=1
fi
if wants format; then
  check=--check
  [ -z "$fix" ] || check=
  "$venv/bin/ruff" format ${check:+"$check"} "${paths[@]}" || status=1
fi
if wants mypy; then
  "$venv/bin/mypy" --python-executable "$types/bin/python" || status=1
fi
if [ "$what" = all ]; then
  "$types/bin/pre-commit" validate-config .pre-commit-config.yaml || status=1
  "$types/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml || status=1
fi
if wants lock; then
  "$types/bin/python" -m poetry_lockguard check --lock-only || status=1
fi
exit $status
