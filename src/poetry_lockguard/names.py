"""Package name normalization without importing ``packaging.utils``.

``packaging.utils`` imports ``packaging.tags`` (platform, logging, sysconfig ...), about
15 ms of the stand-alone check's start-up, for a one-line function.
"""

from __future__ import annotations

import re


_SEPARATORS = re.compile(r"[-_.]+")


_CANONICAL: dict[str, str] = {}


def canonicalize_name(name: str) -> str:
    """The PEP 503 normalized form of ``name``, as ``packaging.utils`` computes it."""
    try:
        return _CANONICAL[name]
    except KeyError:  # a check asks for the same few hundred names again and again
        canonical = _CANONICAL[name] = _SEPARATORS.sub("-", name).lower()
        return canonical
