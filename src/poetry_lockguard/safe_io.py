"""Files an attacker may control, opened and read safely.

Only regular files are ever opened (with ``O_NOFOLLOW | O_NONBLOCK``, then checked again
with ``fstat``), so a FIFO or device never hangs a read and a file swapped in between is
refused; a symlink is followed only when it stays inside the directory it must stay in.
The lock reader, the environment scan and the state files all read through here.
"""

from __future__ import annotations

import os
import stat


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO


#: Bytes read and hashed at a time.
CHUNK = 1024 * 1024

OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


_KINDS = (
    (stat.S_ISLNK, "a symlink"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """A short description of a non-regular file's type, for messages."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


class UnsafeFileError(Exception):
    """A file that must not be opened: not a regular file, or a symlink leaving its place."""


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading, which must be a regular file (not a symlink).

    Raises FileNotFoundError when it does not exist, UnsafeFileError when it is not a
    regular file (never opened, or refused after ``fstat``), OSError when it cannot be
    opened.
    """
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(f"is {file_kind(st.st_mode)}, not a regular file")
    f = open(os.open(path, OPEN_FLAGS), "rb", buffering=CHUNK)  # noqa: SIM115 - returned
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
        f.close()
        raise UnsafeFileError("is not a regular file")
    return f


def read_regular(path: str, limit: int, *, within: str | None = None) -> bytes:
    """At most ``limit`` bytes of ``path``, which must be a regular file.

    Raises FileNotFoundError when it does not exist, UnsafeFileError when it is a FIFO,
    a device, a socket or a directory (never opened, so nothing hangs), or a symlink
    whose target lies outside ``within`` (not followed), and OSError when it cannot be
    read. Without ``within`` symlinks are followed. The file is opened with
    ``O_NONBLOCK`` and checked again with ``fstat``, so a file swapped in between is
    refused too.
    """
    st = os.lstat(path)
    target = path
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if within is not None:
            root = os.path.realpath(within)
            if not target.startswith(root.rstrip(os.sep) + os.sep):
                raise UnsafeFileError(f"is a symlink to {target}, outside {root} (not followed)")
        st = os.lstat(target)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(f"is {file_kind(st.st_mode)}, not a regular file (not opened)")
    fd = os.open(target, OPEN_FLAGS)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            raise UnsafeFileError("changed while it was being read (not read)")
        with open(fd, "rb", closefd=False) as f:
            return f.read(limit)
    finally:
        os.close(fd)
