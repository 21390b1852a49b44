"""Package name normalization without importing ``packaging.utils``.

``packaging.utils`` imports ``packaging.tags`` (platform, logging, sysconfig ...), about
15 ms of the stand-alone check's start-up, for one expression: PEP 503's own. A test
compares it with ``packaging.utils.canonicalize_name`` (tests/test_names.py).
"""

from __future__ import annotations

import re


_SEPARATORS = re.compile(r"[-_.]+")


def canonicalize_name(name: str) -> str:
    """The PEP 503 normalized form of ``name``, as ``packaging.utils`` computes it."""
    return _SEPARATORS.sub("-", name.lower())
