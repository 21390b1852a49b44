"""Checks: small units that turn (lock, environment, policy) into findings."""

from __future__ import annotations
