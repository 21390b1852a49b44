"""The install guard's entry: listeners on Poetry's installing commands."""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from poetry.console.application import Application


def register_guard(application: Application) -> None:
    """Attach the guard to ``install``, ``sync``, ``add``, ``update`` and ``remove``."""
    # The guard arrives with the install-guard issue; the check command works without it.
    return None
