#!/usr/bin/env bash
# Lints (scripts/lint.sh: ruff, ruff format, mypy --strict for Python 3.9) and runs the tests
# against three Poetry versions, each in its own virtualenv under .venvs/ (see
# docs/development.md):
#   newest  the newest Poetry that pyproject.toml admits (poetry>=2.0,<3): the whole suite,
#           with line and branch coverage of src/ (this run and its subprocesses)
#   oldest  Poetry 2.0.0, the oldest admitted: the tests marked `poetry`
#   latest  the newest Poetry release the registry serves, past our <3 pin: the tests marked
#           `poetry`; not run again when it is the newest above. Its failure is printed as a
#           warning and does not fail the run, unless LOCKGUARD_LATEST_STRICT=1.
# Each label's venv is made and its run started as soon as it is ready; the runs, and lint
# with types, go on side by side; each prints its log when done.
# Usage: bash scripts/test.sh [pytest args...]  (with args: exactly those tests, every label)
# LOCKGUARD_POETRY_VERSIONS limits the labels (default "newest oldest latest");
# LOCKGUARD_TEST_WORKERS sets pytest-xdist's workers per run (default 2: the runs share the
# two cores, and the one that ends last keeps both busy);
# LOCKGUARD_COVERAGE=0 turns coverage off; LOCKGUARD_REINSTALL=1 makes every venv again
# even when nothing it is made from has changed.
# While it runs, one line as each stage of each run starts and ends, with the time since
# the start ("[1:02] lint: passed"); the full logs follow at the end.
# A venv is made again only when what it is made from changed: pyproject.toml, the Poetry
# release (for newest and latest, the newest the registry serves), the interpreter, uv or
# this script's install commands. The registry is asked which Poetry is the newest once;
# when it is out of reach, the venvs are kept as they are (or made from uv's cache,
# `uv --offline`), latest is skipped, and a line says so.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
versions=${LOCKGUARD_POETRY_VERSIONS:-"newest oldest latest"}
logs=.venvs/logs
mkdir -p "$logs"
rm -rf "$logs"/*.log "$logs"/*.status "$logs"/index.err .venvs/coverage

# The progress lines go to the caller's stdout (fd 3) while each stage writes to its log.
exec 3>&1
say() { printf '[%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&3; }

# The tests' scratch files (projects, their venvs, Poetry's caches, the copies of
# templates) go to a RAM-backed tmpfs where there is one: making, copying and removing
# thousands of small files costs a disk's filesystem several times what it costs tmpfs.
# LOCKGUARD_TEST_TMPDIR names another place; TMPDIR set by the caller is kept. A tmpfs
# with less than 6 GiB free (a container's default /dev/shm is 64 MiB; the two runs
# together held 1.2 GiB at most) or mounted noexec is not used.
if [ -z "${TMPDIR:-}" ]; then
  scratch=${LOCKGUARD_TEST_TMPDIR:-/dev/shm}
  free_kib=$(df -Pk "$scratch" 2>/dev/null | awk 'NR == 2 { print $4 }' || true)
  if [ -d "$scratch" ] && [ -w "$scratch" ] && [ "${free_kib:-0}" -ge $((6 * 1024 * 1024)) ]; then
    TMPDIR=$(mktemp -d "$scratch/lockguard-tests.XXXXXX")
    trap 'rm -rf "$TMPDIR"' EXIT
    # The tests run programs from their venvs there: not on a tmpfs mounted noexec.
    printf '#!/bin/sh\nexit 0\n' >"$TMPDIR/exec-probe" && chmod +x "$TMPDIR/exec-probe"
    if "$TMPDIR/exec-probe" 2>/dev/null; then
      rm -f "$TMPDIR/exec-probe"
      export TMPDIR
    else
      rm -rf "$TMPDIR"
      trap - EXIT
      unset TMPDIR
    fi
  fi
fi

# Every process of the suite reads the bytecode the first one to import a module wrote:
# with PYTHONDONTWRITEBYTECODE set, each would compile every module it imports again
# (a test worker's start alone took three times as long).
unset PYTHONDONTWRITEBYTECODE

# uv makes and fills the venvs (seconds, from its cache); pip only installs uv, into a
# venv made without pip (ensurepip's copy of pip took three of its five seconds) where the
# interpreter's own pip can, else into one with pip.
tools=.venvs/tools
if [ ! -x "$tools/bin/uv" ]; then
  say "tools: installing uv into $tools"
  if ! { "$PYTHON" -m venv --without-pip "$tools" \
         && "$PYTHON" -m pip --python "$tools/bin/python" install --quiet \
              --disable-pip-version-check uv; } >/dev/null 2>&1; then
    rm -rf "$tools"
    "$PYTHON" -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check uv
  fi
fi
uv="$tools/bin/uv"
python_version=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')

spec_of() {  # spec_of LABEL: the Poetry that LABEL's venv holds, as a requirement
  case $1 in
    oldest) echo "poetry==2.0.0" ;;
    newest) echo "poetry>=2.0,<3" ;;
    latest) echo "poetry" ;;
    *) return 1 ;;
  esac
}

install_venv() {  # install_venv LABEL [--offline]: make .venvs/poetry-LABEL, or bring it up to date, with uv
  local which=$1 venv=.venvs/poetry-$1 spec overrides=()
  shift
  spec=$(spec_of "$which")
  if [ ! -x "$venv/bin/python" ]; then
    "$uv" venv --quiet --seed "$@" --python "$PYTHON" "$venv" || return
  fi
  if [ "$which" = latest ]; then
    # The newest Poetry with the poetry-core and cleo it wants, then this checkout with
    # our pins on those three overridden by what is installed.
    "$uv" pip install --quiet "$@" --python "$venv/bin/python" --upgrade poetry || return
    "$venv/bin/python" -c 'from importlib.metadata import version as v
print("\n".join(f"{n}=={v(n)}" for n in ("poetry", "poetry-core", "cleo")))' \
      >.venvs/latest-overrides.txt || return
    overrides=(--override .venvs/latest-overrides.txt)
  fi
  # Bytecode compiled at install, by uv's parallel workers: otherwise the first processes
  # of the run (two test workers and their Poetry servers) each compile the same modules.
  "$uv" pip install --quiet "$@" --compile-bytecode --python "$venv/bin/python" --upgrade \
    "${overrides[@]}" "$spec" -e . --group test
}

setup() {  # setup LABEL RELEASE OFFLINE: .venvs/poetry-LABEL with Poetry RELEASE and this checkout
  # (RELEASE empty: whichever the venv has; OFFLINE non-empty: the package index is out of reach)
  local which=$1 release=$2 offline=$3 venv=.venvs/poetry-$1 stamp=.venvs/poetry-$1/.lockguard-inputs
  local inputs had_inputs='' had_poetry='' why
  # What the venv is made of, besides the Poetry release: the install commands above,
  # this checkout's dependencies and test group, the interpreter and uv.
  inputs=$({ declare -f install_venv; spec_of "$which"; echo "$PYTHON $python_version"
             "$uv" --version; cat pyproject.toml; } | sha256sum | cut -d' ' -f1)
  [ ! -f "$stamp" ] || read -r had_inputs had_poetry <"$stamp" || true
  if [ "${LOCKGUARD_REINSTALL:-0}" != 1 ] && [ -x "$venv/bin/python" ] \
     && [ "$had_inputs" = "$inputs" ] && { [ -z "$release" ] || [ "$had_poetry" = "$release" ]; }; then
    if [ -n "$offline" ] && [ -z "$release" ]; then
      say "$which: $venv kept as it is (Poetry $had_poetry): pyproject.toml has not changed, and the package index is out of reach"
    else
      say "$which: $venv is up to date (Poetry $had_poetry, pyproject.toml unchanged): not installed again"
    fi
    return 0
  fi
  if [ "${LOCKGUARD_REINSTALL:-0}" = 1 ]; then why="LOCKGUARD_REINSTALL=1"
  elif [ ! -x "$venv/bin/python" ]; then why="no venv yet"
  elif [ -z "$had_inputs" ]; then why="no record of what it was made from"
  elif [ "$had_inputs" != "$inputs" ]; then
    why="pyproject.toml, the interpreter, uv or this script's install commands changed"
  else why="it has Poetry $had_poetry"; fi
  rm -f "$stamp"
  if [ -n "$offline" ]; then
    say "$which: making $venv from uv's cache (uv --offline), the package index being out of reach: $why"
    install_venv "$which" --offline || return
  else
    say "$which: making $venv (Poetry $release): $why"
    if ! install_venv "$which"; then
      say "$which: the install from the package index failed (see the log): trying uv's cache (uv --offline)"
      install_venv "$which" --offline || return
    fi
  fi
  echo "$inputs $(poetry_of "$which")" >"$stamp"
}

release_of() {  # release_of SPEC: the newest Poetry release the registry serves for SPEC
  echo "$1" | "$uv" pip compile --quiet --no-deps --no-header --no-annotate \
    --python "$PYTHON" - | sed -n 's/^poetry==//p'
}
poetry_of() { ".venvs/poetry-$1/bin/python" -c 'from importlib.metadata import version; print(version("poetry"))'; }

summary_of() {  # summary_of LABEL: pytest's closing line in LABEL's log, shortened ("12 passed in 40 s")
  grep -E '^=+ .* in [0-9.]+s' "$logs/$1.log" | tail -n 1 \
    | sed -E 's/^=+ //; s/ =+$//; s/ in ([0-9]+)(\.[0-9]+)?s( \([0-9:]+\))?$/ in \1 s/' || true
}

run_tests() {  # run_tests LABEL WORKERS [pytest args]: log to .venvs/logs/LABEL.log
  local which=$1 workers=$2 venv=.venvs/poetry-$1
  shift 2
  local args=("$@") cov=()
  if [ ${#args[@]} -eq 0 ] && [ "$which" != newest ]; then
    args=(-m poetry)  # Poetry-independent tests run once, on the newest
  fi
  # Coverage on the newest run only: it costs each Poetry subprocess about a fifth more
  # CPU, and the other runs repeat tests the newest run measures.
  if [ "${LOCKGUARD_COVERAGE:-1}" != 0 ] && [ "$which" = newest ]; then
    # The combined report below judges fail_under, not each run's partial data.
    cov=(--cov --cov-report= --cov-fail-under=0)
    export COVERAGE_FILE="$PWD/.venvs/coverage/.coverage.$which"
    mkdir -p .venvs/coverage
  fi
  {
    echo "== tests with Poetry $(poetry_of "$which") on Python $python_version (${args[*]:-whole suite})"
    "$venv/bin/python" -m pytest -n "$workers" --dist loadscope --durations=15 "${cov[@]}" \
      "${args[@]}" && echo 0 >"$logs/$which.status" || echo $? >"$logs/$which.status"
  } >>"$logs/$which.log" 2>&1
}

lint() {
  local code
  say "lint: started (ruff, ruff format, mypy, the project's lock)"
  {
    echo "== lint, format and types (scripts/lint.sh)"
    bash scripts/lint.sh && echo 0 >"$logs/lint.status" || echo $? >"$logs/lint.status"
  } >"$logs/lint.log" 2>&1
  code=$(cat "$logs/lint.status")
  if [ "$code" = 0 ]; then say "lint: passed"; else say "lint: FAILED (exit $code): its log is printed at the end"; fi
}

pipeline() {  # pipeline LABEL RELEASE [pytest args]: make LABEL's venv, then run its tests
  local which=$1 release=$2 what code summary
  shift 2
  if ! setup "$which" "$release" "$offline" >"$logs/$which.log" 2>&1; then
    echo "== could not make the venv of Poetry $which (see above)" >>"$logs/$which.log"
    echo 1 >"$logs/$which.status"
    say "$which: could not make .venvs/poetry-$which: its log is printed at the end"
    return
  fi
  if [ $# -gt 0 ]; then what="$*"
  elif [ "$which" = newest ]; then what="the whole suite"
  else what="the tests marked poetry"; fi
  say "$which: Poetry $(poetry_of "$which") ready, running $what"
  run_tests "$which" "${LOCKGUARD_TEST_WORKERS:-2}" "$@"
  code=$(cat "$logs/$which.status")
  summary=$(summary_of "$which")
  summary=${summary:-pytest exit $code}
  if [ "$code" = 0 ]; then
    say "$which: passed ($summary)"
  elif [ "$which" = latest ] && [ "${LOCKGUARD_LATEST_STRICT:-0}" != 1 ]; then
    say "$which: failed ($summary), a warning only: Poetry $(poetry_of latest) is past our pin"
  else
    say "$which: FAILED ($summary): its log is printed at the end"
  fi
}

for which in $versions; do
  spec_of "$which" >/dev/null || { echo "unknown Poetry version label: $which" >&2; exit 2; }
done

pids=()
labels=()
if [[ " $versions " == *" newest "* ]]; then
  lint &
  pids+=($!)
fi

# Which Poetry is the newest, for the labels that follow the registry: asked once. Out of
# reach (uv's error in .venvs/logs/index.err), the venvs stay as they are.
newest_release='' latest_release='' offline=''
if [[ " $versions " == *" newest "* || " $versions " == *" latest "* ]]; then
  if newest_release=$(release_of "poetry>=2.0,<3" 2>"$logs/index.err") && [ -n "$newest_release" ]; then
    if [[ " $versions " == *" latest "* ]]; then
      latest_release=$(release_of poetry 2>>"$logs/index.err" || true)
    fi
  else
    newest_release='' offline=1
    reason=$(grep -v '^ *$' "$logs/index.err" | tail -n 1 | sed -E 's/^ *(cause|error): //')
    say "the package index is out of reach (${reason:-uv pip compile failed}): the venvs are kept as they are, or made from uv's cache"
  fi
fi

# Each label's venv is made and its tests started as soon as it is ready: making a venv
# mostly waits on downloads, which the other label's tests fill with work.
for which in $versions; do
  case $which in
    oldest) release=2.0.0 ;;
    newest) release=$newest_release ;;
    latest)
      if [ -n "$offline" ]; then
        say "latest: skipped: only the package index can say which Poetry is the newest release, and it is out of reach"
        continue
      elif [ -z "$latest_release" ]; then
        say "latest: skipped: the package index did not say which Poetry is the newest release (.venvs/logs/index.err)"
        continue
      elif [ "$latest_release" = "$newest_release" ] && [[ " $versions " == *" newest "* ]]; then
        say "latest: Poetry $latest_release is the newest release the registry serves, and the newest our pin admits: tested as newest"
        continue
      fi
      release=$latest_release ;;
  esac
  pipeline "$which" "$release" "$@" &
  pids+=($!)
  labels+=("$which")
done
wait "${pids[@]}"
say "all runs done: their logs follow"

status=0
ordered=(lint)  # the newest run's log last: its closing line is the whole suite's
for which in "${labels[@]}"; do [ "$which" = newest ] || ordered+=("$which"); done
[[ " ${labels[*]} " == *" newest "* ]] && ordered+=(newest)
for log in "${ordered[@]}"; do
  [ -f "$logs/$log.log" ] || continue
  cat "$logs/$log.log"
  code=$(cat "$logs/$log.status" 2>/dev/null || echo 1)
  if [ "$code" != 0 ]; then
    if [ "$log" = latest ] && [ "${LOCKGUARD_LATEST_STRICT:-0}" != 1 ]; then
      echo "WARNING: the tests fail on Poetry $(poetry_of latest), the newest release, which our pin (<3) does not admit yet: see above"
    else
      status=1
    fi
  fi
done

if [ "${LOCKGUARD_COVERAGE:-1}" != 0 ] && [ -n "$(ls -A .venvs/coverage 2>/dev/null)" ]; then
  echo "== coverage of src/ by the newest run (lines and branches, subprocesses included)"
  unset COVERAGE_FILE
  .venvs/poetry-newest/bin/coverage combine --quiet --data-file=.venvs/coverage/.coverage .venvs/coverage/
  # fail_under (pyproject.toml) holds for the whole suite, not for the tests named in $@.
  subset=(); [ $# -gt 0 ] && subset=(--fail-under=0)
  .venvs/poetry-newest/bin/coverage report --data-file=.venvs/coverage/.coverage "${subset[@]}" \
    || status=1
fi
exit $status
