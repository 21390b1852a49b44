"""Reading poetry.lock and pyproject.toml into a frozen model, and selecting from it."""

from __future__ import annotations
