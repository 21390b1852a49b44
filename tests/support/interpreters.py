"""Other Python interpreters for the tests that need one (a 3.9 target, a second venv).

An interpreter of version X.Y is the first that answers with that version, looked for
in this order:

1. ``LOCKGUARD_PYTHONS``: interpreter paths separated by ``os.pathsep``;
2. ``pythonX.Y`` on PATH (a version manager's shim that fails for a version it does not
   select is skipped: it does not answer);
3. pyenv's versions, under ``$PYENV_ROOT`` (default ``~/.pyenv``).

A test that cannot find one is skipped with ``missing(X.Y)``'s reason, which says where
it looked; ``require(X.Y)`` skips the calling test so. Where an interpreter must be there
(CI names them in ``LOCKGUARD_REQUIRED_PYTHONS``, e.g. ``3.9 3.11 3.12``), tests/conftest.py
turns that skip into a failure, so that the zipapp's 3.9 run cannot quietly vanish.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from pathlib import Path


VARIABLE = "LOCKGUARD_PYTHONS"
#: The versions whose absence fails a test instead of skipping it.
REQUIRED_VARIABLE = "LOCKGUARD_REQUIRED_PYTHONS"
#: How every skip for a missing interpreter starts (tests/conftest.py looks for it).
MISSING = "needs a Python "


def candidates(minor: str) -> list[str]:
    """Where a Python ``minor`` may be, in the order of this module's docstring."""
    named = [p for p in os.environ.get(VARIABLE, "").split(os.pathsep) if p]
    on_path = [p for p in (shutil.which(f"python{minor}"),) if p]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    managed = sorted(str(p) for p in root.glob(f"versions/{minor}.*/bin/python{minor}"))
    return [*named, *on_path, *managed]


@functools.cache
def find_python(minor: str) -> str | None:
    """The path of a working Python ``minor`` ("3.9"), or None."""
    for candidate in candidates(minor):
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
        f"{MISSING}{minor}: none in ${VARIABLE}, as python{minor} on PATH, or in pyenv's versions"
    )


def require(minor: str) -> str:
    """The path of a working Python ``minor``; skips the calling test when there is none."""
    import pytest

    found = find_python(minor)
    if found is None:
        pytest.skip(missing(minor))
    return found


def required() -> set[str]:
    """The versions ``LOCKGUARD_REQUIRED_PYTHONS`` says must be found."""
    return set(os.environ.get(REQUIRED_VARIABLE, "").replace(",", " ").split())
