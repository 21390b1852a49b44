"""What runs inside ``poetry install``: the gate, artifact verification and receipts."""

from __future__ import annotations
