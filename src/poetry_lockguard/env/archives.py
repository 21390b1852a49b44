"""Where the archives poetry.lock pins are found on this machine, verified by hash.

In order: Poetry's artifact cache (read as a directory of files, so the stand-alone
needs no Poetry) and the wheelhouses the user names (``--wheelhouse DIR``, the
``wheelhouse`` setting). A file is used only when its sha256 is the one poetry.lock
gives for its name: whoever can write to a cache or a wheelhouse can make an archive
unavailable, never make another one count. A wheel of up to ``IN_MEMORY`` bytes is
read once, and what was hashed is what is read as a zip: rewriting the file in place
meanwhile changes nothing. A larger one is hashed and then read through the same open
file, so it cannot be swapped for another file between the two, but a process that can
write it (the same account) could rewrite it in place between them.
"""

from __future__ import annotations

import hashlib
import os
import stat

from dataclasses import dataclass
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

#: The most files looked at in one directory tree (a cache of a busy CI runner).
MAX_FILES = 200_000
_CHUNK = 1024 * 1024
#: Wheels up to this size are hashed and read from one copy in memory (nearly all are).
IN_MEMORY = 128 * 1024 * 1024


@dataclass(frozen=True)
class ArchiveDir:
    """A directory archives may be found in, and how to name it to a user."""

    path: Path
    label: str
    recursive: bool
    #: A directory of the interpreter's or the venv tool's seed wheels: its wheels are
    #: trusted for where they are (for packages the lock does not pin).
    seed: bool = False


class ArchiveSources:
    """The locked archives found in ``directories``, looked up by file name."""

    def __init__(self, directories: list[ArchiveDir]) -> None:
        self.directories = directories
        self._index: dict[str, list[tuple[str, str]]] | None = None
        #: Per package name, why its archive could not be had (a failed download).
        self.problems: dict[str, str] = {}

    def add(self, directory: ArchiveDir) -> None:
        """Search ``directory`` too, after the others."""
        self.directories.append(directory)
        self._index = None

    def _build(self) -> dict[str, list[tuple[str, str]]]:
        index: dict[str, list[tuple[str, str]]] = {}
        seen = 0
        for directory in self.directories:
            top = str(directory.path)
            if not os.path.isdir(top):
                continue
            for root, dirs, files in os.walk(top):
                dirs.sort()
                if not directory.recursive:
                    dirs[:] = []
                for name in sorted(files):
                    seen += 1
                    if seen > MAX_FILES:
                        return index
                    if name.endswith(".whl"):
                        index.setdefault(name, []).append(
                            (os.path.join(root, name), directory.label)
                        )
        return index

    def candidates(self, file_name: str) -> list[tuple[str, str]]:
        """(path, label) of every file named ``file_name``, in the sources' order."""
        if self._index is None:
            self._index = self._build()
        return self._index.get(file_name, [])


def open_verified(path: str, sha256: str) -> BinaryIO | None:
    """``path`` opened for reading when it is a regular file whose sha256 is ``sha256``
    (hex), positioned at its start; None otherwise. Symlinks are not followed. Up to
    ``IN_MEMORY`` bytes the bytes hashed are the ones returned (a copy in memory)."""
    opened = open_hashed(path)
    if opened is None:
        return None
    f, digest = opened
    if digest != sha256.lower():
        f.close()
        return None
    return f


def open_hashed(path: str) -> tuple[BinaryIO, str] | None:
    """``path`` opened for reading at its start with its sha256 (hex), when it is a
    regular file (symlinks are not followed); None otherwise. Up to ``IN_MEMORY``
    bytes the bytes hashed are the ones returned (a copy in memory)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    f = os.fdopen(fd, "rb")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            f.close()
            return None
        if info.st_size <= IN_MEMORY:
            data = f.read(IN_MEMORY + 1)
            f.close()
            if len(data) > IN_MEMORY:
                return None
            import io

            return io.BytesIO(data), hashlib.sha256(data).hexdigest()
        digest = hashlib.sha256()
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
        f.seek(0)
    except OSError:
        f.close()
        return None
    return f, digest.hexdigest()
