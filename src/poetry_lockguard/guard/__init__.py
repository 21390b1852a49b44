"""What runs inside Poetry's installing commands and ``poetry run``.

``listener.py`` is the entry, ``session.py`` the order of one guarded run; the pure
decisions are in ``gate.py``. Every contact with Poetry's private internals is in
``poetry_internals.py``: the one file a new Poetry release would change.
"""

from __future__ import annotations
