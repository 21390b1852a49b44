"""Comparing version strings without importing ``packaging.version`` when they are equal."""

from __future__ import annotations


def same_version(a: str, b: str) -> bool:
    """True when two version strings are equal under PEP 440 normalization; strings
    that are not PEP 440 versions are equal when they are, ignoring case and spaces."""
    if a == b:
        # The common case, answered without parsing (or importing packaging.version).
        return True
    from packaging.version import InvalidVersion
    from packaging.version import Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a.strip().lower() == b.strip().lower()
