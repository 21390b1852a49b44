"""What Poetry already knows about its environment, as lockguard's Interpreter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from poetry.utils.env import Env

    from poetry_lockguard.env.probe import Interpreter


def interpreter_of(env: Env) -> Interpreter | None:
    """The Interpreter of Poetry's ``env`` (no probe subprocess), None when Poetry
    cannot tell (the check then probes the interpreter itself)."""
    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.env.probe import sees_outside_site

    if sees_outside_site(Path(env.python)):
        # The user site or the base interpreter's site-packages are on its sys.path:
        # the probe (cached) works them out as the check does.
        from poetry_lockguard.env.probe import probe_interpreter
        from poetry_lockguard.errors import LockguardError

        try:
            return probe_interpreter(Path(env.python))
        except LockguardError:
            return None
    try:
        marker_env = dict(env.marker_env)
        paths = env.paths
        return Interpreter(
            executable=Path(env.python),
            prefix=Path(env.path),
            base_prefix=Path(env.base),
            site_dirs=tuple(dict.fromkeys(Path(paths[k]) for k in ("purelib", "platlib"))),
            scripts=Path(paths["scripts"]),
            marker_env=marker_env,
            version=str(marker_env["python_full_version"]),
        )
    except Exception:  # noqa: BLE001 - the check then probes the interpreter itself
        return None
