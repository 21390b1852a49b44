"""The install guard: what runs inside Poetry's installing commands.

``../listener.py`` arms it, ``session.py`` is the order of one guarded run; the pure
decisions are in ``gate.py``. Every contact with Poetry's private internals is in
``poetry_lockguard.plugin.poetry_api``: the one module a new Poetry release would change.
"""

from __future__ import annotations
