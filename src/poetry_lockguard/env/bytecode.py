"""Byte-code in ``__pycache__``: whether Python would run it, and whether it is its source.

Python imports ``pkg/__pycache__/mod.<tag>.pyc`` instead of compiling ``pkg/mod.py``
when the file's header matches the source: a timestamp pyc whose recorded mtime and
size are the source's, a checked hash-based pyc whose recorded hash is the source's,
or any unchecked hash-based pyc. Whoever can write the environment can plant a pyc
with a matching header and other code, so a pyc is verified, never exempt:

- ``stale``: Python would not load it (its header does not match the source, its
  magic number is another version's, it is truncated): it runs nothing.
- ``ok``: it is loaded and its code object equals a fresh compile of the source, by
  this interpreter, which has the pyc's cache tag.
- ``modified``: it is loaded and its code differs from the source's.
- ``unverifiable``: it may be loaded, but it was written for another Python version
  (another cache tag) than the one running the check, which cannot compile for it.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys

from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


#: Larger byte-code files are not read (the largest module of the standard library
#: compiles to about 1 MB).
_LIMIT = 64 * 1024 * 1024
_FLAG_HASH_BASED = 0b01
_FLAG_CHECK_SOURCE = 0b10


def cached_source(pyc: str) -> tuple[str, str, int] | None:
    """For ``D/__pycache__/<stem>.<tag>[.opt-N].pyc``: (``D/<stem>.py``, the cache tag,
    the optimisation level); None for any other path."""
    directory, name = os.path.split(pyc)
    if os.path.basename(directory) != "__pycache__" or not name.endswith(".pyc"):
        return None
    parts = name[: -len(".pyc")].split(".")
    optimization = 0
    if len(parts) == 3 and parts[2].startswith("opt-") and parts[2][4:] in ("1", "2"):
        optimization = int(parts[2][4:])
        parts = parts[:2]
    if len(parts) != 2 or not all(parts):
        return None
    return os.path.join(os.path.dirname(directory), parts[0] + ".py"), parts[1], optimization


def pyc_state(pyc: str, source: str, tag: str, optimization: int) -> str:
    """``stale``, ``ok``, ``modified`` or ``unverifiable`` (see the module's docstring)
    for the byte-code file ``pyc`` of ``source`` (both already resolved inside the
    environment)."""
    try:
        data = read_regular(pyc, _LIMIT)
        source_stat = os.stat(source)
    except (OSError, UnsafeFileError):
        return "stale"  # unreadable to the check is unreadable to the import system
    if len(data) < 16:
        return "stale"
    flags = int.from_bytes(data[4:8], "little")
    if flags & ~(_FLAG_HASH_BASED | _FLAG_CHECK_SOURCE):
        return "stale"  # the import system refuses unknown flags
    same_python = tag == sys.implementation.cache_tag
    if same_python and data[:4] != importlib.util.MAGIC_NUMBER:
        return "stale"
    if not flags & _FLAG_HASH_BASED:
        mtime = int(source_stat.st_mtime) & 0xFFFFFFFF
        size = source_stat.st_size & 0xFFFFFFFF
        if data[8:12] != mtime.to_bytes(4, "little") or data[12:16] != size.to_bytes(4, "little"):
            return "stale"
    if not same_python:
        return "unverifiable"
    try:
        code = read_regular(source, _LIMIT)
    except (OSError, UnsafeFileError):
        return "stale"
    if flags & _FLAG_CHECK_SOURCE and importlib.util.source_hash(code) != data[8:16]:
        return "stale"
    try:
        fresh = compile(code, source, "exec", dont_inherit=True, optimize=optimization)
    except (SyntaxError, ValueError):
        # The source does not compile: the import system would raise, and a pyc that
        # loads in its place is not its byte-code.
        return "modified"
    if marshal.dumps(fresh) == data[16:]:
        return "ok"
    try:
        # marshal's output depends on reference counts (which objects it writes as
        # shared references), so equal code can differ in bytes: compare the objects.
        cached = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return "stale"  # the import system fails to load it and compiles the source
    return "ok" if cached == fresh else "modified"
