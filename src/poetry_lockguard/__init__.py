"""poetry-lockguard: verify a Python environment against poetry.lock."""

from __future__ import annotations


__version__ = "0.1.0"
