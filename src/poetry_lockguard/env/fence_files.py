"""The pip fence's two files as lockguard writes them into a venv's site-packages, and
whether the ones there are those: ``commands/fence`` writes them, ``check --integrity``
compares them byte for byte (no RECORD lists them, and the ``.pth`` runs at every start
of the interpreter). ``fence_runtime.py`` is the module's source."""

from __future__ import annotations

import ast
import os
import pkgutil

from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


MODULE_NAME = "_lockguard_fence"
PTH_NAME = "_lockguard_fence.pth"
#: The refusal's ``poetry sync`` line, as the source holds it before the recorded
#: selection's options are written into the copy.
_SYNC_LINE = b'SYNC_COMMAND = "poetry sync"\n'
#: The largest fence file read to compare it (the module is about 10 KB).
_LIMIT = 1024 * 1024


def pth_line(module: str) -> str:
    """The ``.pth`` line: import the fence, and when what that import found is not the
    fence's own file (an empty module of that name earlier on ``sys.path``, through
    ``PYTHONPATH``), run the fence's file instead. Costs one comparison when it is."""
    return (
        f"import os, {MODULE_NAME} as f; f.__dict__.get('__file__') == {module!r}"
        f" or os.path.realpath(f.__dict__.get('__file__') or '') == {module!r}"
        f" or exec(compile(open({module!r}, 'rb').read(), {module!r}, 'exec'),"
        f" {{'__name__': {MODULE_NAME!r}, '__file__': {module!r}}})\n"
    )


def runtime_source(sync_options: str = "") -> bytes:
    """The fence's module, its refusal naming ``poetry sync`` with ``sync_options``."""
    # Through the package's loader: the zipapp imports this module from its archive.
    source = pkgutil.get_data(__package__ or "poetry_lockguard.env", "fence_runtime.py")
    assert source is not None  # a loader of this package that cannot read its files
    if not sync_options:
        return source
    return source.replace(_SYNC_LINE, _sync_line(sync_options), 1)


def _sync_line(sync_options: str) -> bytes:
    return f"SYNC_COMMAND = {'poetry sync' + sync_options!r}\n".encode()


def module_path(site_packages: Path) -> str:
    """Where the ``.pth`` line finds the module: in ``site_packages`` resolved."""
    return os.path.join(os.path.realpath(site_packages), f"{MODULE_NAME}.py")


def fence_problems(site_packages: Path) -> list[tuple[str, str]]:
    """(path, problem) for each fence file in ``site_packages`` that is not what
    lockguard writes there; "is not installed" for the module a ``.pth`` imports
    when it is missing; [] where there is no fence or it is lockguard's."""
    pth = site_packages / PTH_NAME
    module = site_packages / f"{MODULE_NAME}.py"
    problems: list[tuple[str, str]] = []
    found_pth = _read(pth)
    if found_pth is not None and found_pth != pth_line(module_path(site_packages)).encode():
        problems.append((str(pth), _DIFFERS))
    found_module = _read(module)
    if found_module is None:
        if found_pth is not None:
            problems.append((str(module), NOT_INSTALLED))
    elif not _is_runtime(found_module):
        problems.append((str(module), _DIFFERS))
    return problems


NOT_INSTALLED = "is not installed"
_DIFFERS = "differs from the pip fence lockguard writes"


def _read(path: Path) -> bytes | None:
    """The file's bytes; None when there is none. One that cannot be read safely (a
    link, a FIFO, too large) counts as other bytes."""
    try:
        return read_regular(str(path), _LIMIT)
    except FileNotFoundError:
        return None
    except (OSError, UnsafeFileError):
        return b""


def _is_runtime(found: bytes) -> bool:
    """Whether ``found`` is the fence's source with any recorded selection's options in
    its ``poetry sync`` line, written as ``runtime_source`` writes it."""
    source = runtime_source()
    before, _, after = source.partition(_SYNC_LINE)
    if found == source:
        return True
    if not (found.startswith(before) and found.endswith(after)):
        return False
    line = found[len(before) : len(found) - len(after)]
    prefix = b"SYNC_COMMAND = "
    if not line.startswith(prefix) or not line.endswith(b"\n") or line.count(b"\n") != 1:
        return False
    try:
        value = ast.literal_eval(line[len(prefix) : -1].decode("utf-8"))
    except (ValueError, SyntaxError, UnicodeDecodeError, RecursionError, MemoryError):
        return False
    return (
        isinstance(value, str)
        and value.startswith("poetry sync ")
        and _sync_line(value[len("poetry sync") :]) == line
    )
