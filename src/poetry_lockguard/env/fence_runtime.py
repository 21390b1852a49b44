"""The pip fence, as it runs inside a fenced virtualenv (copied there as ``_lockguard_fence``).

A ``.pth`` line imports this module when the venv's interpreter starts. It adds one
finder to ``sys.meta_path`` that waits for pip's install command to be imported and
then makes ``pip install`` refuse, with a message that leads to Poetry. Nothing else is
imported at start-up: the finder costs one string comparison per import.

Let through: ``pip install --dry-run``, an install whose every destination lies outside
this venv (pip's own build isolation installs build requirements with ``--prefix`` into a
temporary directory), and any install when ``POETRY_LOCKGUARD_FENCE=off``: the guard sets
it while Poetry runs a guarded command, so that pip runs Poetry itself starts (an
editable install with a generated setup.py) are not refused.

The destinations are the ones pip will write to: its scheme for the options as pip
parsed them (``--prefix``, ``--root``, ``--target``, and the same from a pip config file
or ``PIP_*`` variables), each resolved as the kernel will resolve it (a ``--prefix``
whose ``lib`` is a symlink into the venv writes into the venv). A destination that
contains the venv counts as inside it (a wheel's data files can name any path below it),
and so does ``--user``. Anything the fence cannot work out is refused.
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
#: What restores the locked versions with the selection the venv was installed with;
#: ``install_fence`` writes that selection's options into this line of the copy it puts
#: into the venv.
SYNC_COMMAND = "poetry sync"
MESSAGE = """\
ERROR: this virtualenv is managed by Poetry and fenced by poetry-lockguard: pip may not
install or upgrade packages in it, so that it stays what poetry.lock says.
  to add or change a dependency:   poetry add NAME
  to restore the locked versions:  {sync}
  to let one pip command through:  POETRY_LOCKGUARD_FENCE=off pip install ...
  to remove this fence:            poetry lockguard fence --off
  without the plugin, by hand:     rm {pth} {module}
"""


def message() -> str:
    """The refusal, naming the fence's own files (removed by hand when the plugin that
    put them there is gone)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return MESSAGE.format(
        sync=SYNC_COMMAND,
        pth=os.path.join(here, "_lockguard_fence.pth"),
        module=os.path.join(here, "_lockguard_fence.py"),
    )


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
            sys.stderr.write(message())
            return 1

        command.run = run


def _elsewhere(options: Any) -> bool:
    """True when every place pip would write to lies outside this venv and contains
    none of it: such an install does not change the venv. False when in doubt."""
    try:
        destinations = _destinations(options)
        if destinations is None:
            return False
        protected = {os.path.realpath(sys.prefix)}
        protected.update(os.path.realpath(p) for p in _scheme_paths(options, default=True))
    except Exception:  # noqa: BLE001 - a pip whose scheme cannot be read is refused
        return False
    return not any(
        _within(there, here) or _within(here, there)
        for there in (os.path.realpath(d) for d in destinations)
        for here in protected
    )


def _destinations(options: Any) -> list[str] | None:
    """Where the install writes: ``--target``'s directory (pip moves what it installed
    there), else pip's scheme for ``--prefix``/``--root``; None for ``--user`` (the
    venv may import the user site)."""
    if getattr(options, "use_user_site", False):
        return None
    target = getattr(options, "target_dir", None)
    if target:
        return [target, os.path.join(target, "bin")]
    return _scheme_paths(options, default=False)


def _scheme_paths(options: Any, *, default: bool) -> list[str]:
    from pip._internal.locations import get_scheme  # type: ignore[import-not-found]  # pip runs this

    scheme = get_scheme(
        "",
        user=False,
        home=None,
        root=None if default else getattr(options, "root_path", None),
        isolated=bool(getattr(options, "isolated_mode", False)),
        prefix=None if default else getattr(options, "prefix_path", None),
    )
    return [scheme.purelib, scheme.platlib, scheme.scripts, scheme.data, scheme.headers]


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
