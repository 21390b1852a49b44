"""The pip fence, as it runs inside a fenced virtualenv (copied there as ``_lockguard_fence``).

A ``.pth`` line imports this module when the venv's interpreter starts. It adds one
finder to ``sys.meta_path`` that waits for pip's install command to be imported and
then makes ``pip install`` refuse, with a message that leads to Poetry. Nothing else is
imported at start-up: the finder costs one string comparison per import.

Let through: ``pip install --dry-run``, an install whose destination (``--target``,
``--prefix``, ``--root``) lies outside this venv (pip's own build isolation installs
build requirements with ``--prefix`` into a temporary directory), and any install when
``POETRY_LOCKGUARD_FENCE=off``: the guard sets it while Poetry runs a guarded command,
so that pip runs Poetry itself starts (an editable install with a generated setup.py)
are not refused.
"""

from __future__ import annotations

import os
import sys


# typing costs milliseconds at every interpreter start: only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


TARGET = "pip._internal.commands.install"
VARIABLE = "POETRY_LOCKGUARD_FENCE"
MESSAGE = """\
ERROR: this virtualenv is managed by Poetry and fenced by poetry-lockguard: pip may not
install or upgrade packages in it, so that it stays what poetry.lock says.
  to add or change a dependency:   poetry add NAME
  to restore the locked versions:  poetry sync
  to remove this fence:            poetry lockguard fence --off
"""


class _FencedLoader:
    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        command = getattr(module, "InstallCommand", None)
        if command is None:
            return
        original = command.run

        def run(self: Any, options: Any, args: Any) -> int:
            if (
                os.environ.get(VARIABLE) == "off"
                or getattr(options, "dry_run", False)
                or _elsewhere(options)
            ):
                return int(original(self, options, args))
            sys.stderr.write(MESSAGE)
            return 1

        command.run = run


def _elsewhere(options: Any) -> bool:
    """True when every destination option given points outside this venv (and the venv
    is not inside it): such an install does not change the venv."""
    here = os.path.realpath(sys.prefix)
    destinations = [
        os.path.realpath(value)
        for value in (
            getattr(options, "target_dir", None),
            getattr(options, "prefix_path", None),
            getattr(options, "root_path", None),
        )
        if value
    ]
    return bool(destinations) and not any(
        _within(here, there) or _within(there, here) for there in destinations
    )


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip(os.sep) + os.sep)


class _Fence:
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != TARGET:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _FencedLoader(spec.loader)  # type: ignore[assignment]  # duck-typed Loader
        return spec


if not any(type(f).__name__ == "_Fence" for f in sys.meta_path):
    sys.meta_path.insert(0, _Fence())
