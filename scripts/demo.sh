#!/usr/bin/env bash
# The bundled demo, offline: an isolated Poetry with this plugin (.venvs/demo-poetry),
# a small demo project installed from a local index on 127.0.0.1, then
# `poetry lockguard check` on a clean environment (pass) and after drift (fail).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=.venvs/demo-poetry
if [ ! -x "$venv/bin/poetry" ]; then
  echo "Setting up an isolated Poetry with poetry-lockguard in $venv ..."
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
fi
"$venv/bin/python" -m pip install --quiet "poetry>=2.0,<3" .
exec "$venv/bin/python" demo/run.py
