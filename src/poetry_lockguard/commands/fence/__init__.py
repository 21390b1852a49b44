"""The pip fence: makes ``pip install`` inside a project's virtualenv refuse.

``install_fence`` puts a module and a ``.pth`` file that imports it into the venv's
site-packages (see ``env/fence_runtime.py`` for what runs there; ``env/fence_files.py``
knows their bytes, which ``check --integrity`` compares); ``remove_fence`` takes both
away; ``refresh_fence`` does what ``[tool.lockguard] pip-fence`` says after a guarded
install. Only a virtualenv (``pyvenv.cfg``) is ever fenced: a base Python or a conda
environment is not the project's to fence. The fence stops pip run by the venv's own interpreter (``.venv/bin/pip``,
``python -m pip``, ``poetry run pip``); it cannot stop installers that never start that
interpreter (uv, pip of another Python with ``--target`` or ``--prefix``) or an
interpreter started with ``-S``. The check still sees what those do.
"""

from __future__ import annotations

import py_compile
import subprocess
import sys

from pathlib import Path

from poetry_lockguard.env.fence_files import MODULE_NAME
from poetry_lockguard.env.fence_files import PTH_NAME
from poetry_lockguard.env.fence_files import module_path
from poetry_lockguard.env.fence_files import pth_line
from poetry_lockguard.env.fence_files import runtime_source


#: ``off`` lets pip through; env/fence_runtime.py, which runs on its own in the venv,
#: spells it too (importing it here would put the fence into the importing interpreter).
VARIABLE = "POETRY_LOCKGUARD_FENCE"


def install_fence(site_packages: Path, python: Path | None = None, sync_options: str = "") -> bool:
    """Put (or refresh) the fence in ``site_packages``; True when a file changed. A
    fence an earlier version left is replaced. Files are written through new
    temporaries (``write_replacing``): a symlink planted at their names is replaced,
    never followed.

    ``python`` is the venv's interpreter: the module is compiled by it, so that every
    start of that interpreter imports bytecode, not source. ``sync_options`` are the
    recorded selection's (" --with docs"): the refusal's ``poetry sync`` names them.
    """
    from poetry_lockguard.env.state import write_replacing

    changed = False
    for name, data in (
        (f"{MODULE_NAME}.py", runtime_source(sync_options)),
        (PTH_NAME, pth_line(module_path(site_packages)).encode()),
    ):
        target = site_packages / name
        try:
            if not target.is_symlink() and target.read_bytes() == data:
                continue
        except OSError:
            pass
        write_replacing(site_packages, name, data)
        changed = True
    source = str(site_packages / f"{MODULE_NAME}.py")
    if (site_packages / "__pycache__").is_symlink():
        return changed  # bytecode would be written wherever it points: run from source
    if python is None or Path(python).resolve() == Path(sys.executable).resolve():
        py_compile.compile(source, doraise=False, quiet=2)
    elif changed or not any((site_packages / "__pycache__").glob(f"{MODULE_NAME}.*.pyc")):
        subprocess.run(
            [str(python), "-m", "py_compile", source],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=60,
        )
    return changed


def remove_fence(site_packages: Path) -> bool:
    """Take the fence out of ``site_packages``; True when there was one."""
    removed = False
    for name in (PTH_NAME, f"{MODULE_NAME}.py"):
        try:
            (site_packages / name).unlink()
            removed = True
        except FileNotFoundError:
            pass
    for compiled in (site_packages / "__pycache__").glob(f"{MODULE_NAME}.*.pyc"):
        compiled.unlink(missing_ok=True)
    return removed


def refresh_fence(
    prefix: Path, site_packages: Path, python: Path, wanted: bool, sync_options: str = ""
) -> str:
    """Put the fence in place (``wanted``; its refusal names ``poetry sync`` with
    ``sync_options``) or take it away, in a virtualenv only; a note for the user when a
    fence was removed, else ""."""
    from poetry_lockguard.env.state import is_virtualenv

    if not is_virtualenv(prefix):
        return ""
    if wanted:
        install_fence(site_packages, python, sync_options)
        return ""
    return "pip fence removed (pip-fence = false)" if remove_fence(site_packages) else ""
