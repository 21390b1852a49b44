"""Other Python interpreters for the tests that need one (a 3.9 target, a second venv).

An interpreter of version X.Y is the first that answers with that version, looked for
in this order:

1. ``LOCKGUARD_PYTHONS``: interpreter paths separated by ``os.pathsep``;
2. ``pythonX.Y`` on PATH (a version manager's shim that fails for a version it does not
   select is skipped: it does not answer);
3. pyenv's versions, under ``$PYENV_ROOT`` (default ``~/.pyenv``).

A test that cannot find one is skipped with ``missing(X.Y)``'s reason, which says where
it looked.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from pathlib import Path


VARIABLE = "LOCKGUARD_PYTHONS"


def _candidates(minor: str) -> list[str]:
    named = [p for p in os.environ.get(VARIABLE, "").split(os.pathsep) if p]
    on_path = [p for p in (shutil.which(f"python{minor}"),) if p]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    managed = sorted(str(p) for p in root.glob(f"versions/{minor}.*/bin/python{minor}"))
    return [*named, *on_path, *managed]


@functools.cache
def find_python(minor: str) -> str | None:
    """The path of a working Python ``minor`` ("3.9"), or None."""
    for candidate in _candidates(minor):
        try:
            answer = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if answer.returncode == 0 and answer.stdout.strip() == minor:
            return candidate
    return None


def missing(minor: str) -> str:
    """Why a test that needs Python ``minor`` is skipped."""
    return (
        f"needs a Python {minor}: none in ${VARIABLE}, as python{minor} on PATH, or in"
        " pyenv's versions"
    )
