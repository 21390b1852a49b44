"""What a target interpreter has installed, read without running Poetry."""

from __future__ import annotations
