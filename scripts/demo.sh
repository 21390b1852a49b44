#!/usr/bin/env bash
# The bundled demo, offline: an isolated Poetry with this plugin (.venvs/demo-poetry),
# a small demo project installed from a local index on 127.0.0.1, then
# `poetry lockguard check` on a clean environment (pass) and after drift (fail).
# Poetry and this package come from the package index the first time and again when
# pyproject.toml changes; a change under src/ alone reinstalls this package from the
# checkout without the index; otherwise nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=.venvs/demo-poetry
spec="poetry>=2.0,<3"
stamp=$venv/.lockguard-inputs
# What the venv is made from: the Poetry asked for, the interpreter and this package's
# metadata (deps); this package's code (code).
deps=$({ echo "$spec"; "$PYTHON" -VV; cat pyproject.toml; } | sha256sum | cut -d' ' -f1)
code=$(find src -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
had_deps='' had_code=''
[ ! -f "$stamp" ] || read -r had_deps had_code <"$stamp" || true
if [ ! -x "$venv/bin/poetry" ]; then
  echo "Setting up an isolated Poetry with poetry-lockguard in $venv ..."
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
  had_deps=''
fi
if [ "$had_deps" != "$deps" ]; then
  rm -f "$stamp"
  if ! "$venv/bin/python" -m pip install --quiet "$spec" .; then
    echo "demo.sh: could not install Poetry and this package from the package index" \
      "(needed the first time and after pyproject.toml changes)" >&2
    exit 1
  fi
elif [ "$had_code" != "$code" ]; then
  echo "src/ changed: reinstalling poetry-lockguard from this checkout (no download)"
  "$venv/bin/python" -m pip install --quiet --no-index --no-deps --no-build-isolation \
    --force-reinstall .
fi
echo "$deps $code" >"$stamp"
exec "$venv/bin/python" demo/run.py
