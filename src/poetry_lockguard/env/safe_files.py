"""Files of a hostile environment, opened, sized and hashed safely.

A listed path is resolved and checked to stay inside the environment before anything
is opened; only regular files are ever opened (with ``O_NOFOLLOW | O_NONBLOCK``, then
checked again with ``fstat``, so a FIFO or device never hangs a read and a file swapped
in between is refused); a file whose size differs from RECORD's is not read at all; and
files are hashed in fixed-size chunks, so a file of any size costs the same memory.
"""

from __future__ import annotations

import errno
import os
import stat

from poetry_lockguard.safe_io import CHUNK
from poetry_lockguard.safe_io import OPEN_FLAGS
from poetry_lockguard.safe_io import file_kind


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from concurrent.futures import Future
    from pathlib import Path
    from typing import Any
    from typing import Final

    from poetry_lockguard.env.record import RecordEntry


# -- verifying one file -------------------------------------------------------------


class FileState:
    """What was found for one RECORD entry.

    ``status`` is "ok", "modified", "missing" or "invalid"; ``digest`` and ``size`` are
    what the file on disk has (for "ok" and "modified"); ``problem`` explains "invalid".
    """

    __slots__ = ("digest", "path", "problem", "size", "status")

    status: Final[str]
    path: Final[str]
    digest: Final[str]
    size: Final[int]
    problem: Final[str]

    def __init__(
        self,
        status: str,
        path: str,
        digest: str = "",
        size: int = 0,
        problem: str = "",
    ) -> None:
        self.status = status
        self.path = path
        self.digest = digest
        self.size = size
        self.problem = problem

    def _fields(self) -> tuple[object, ...]:
        return (self.status, self.path, self.digest, self.size, self.problem)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileState):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"FileState(status={self.status!r}, path={self.path!r}, "
            f"digest={self.digest!r}, size={self.size!r}, problem={self.problem!r})"
        )


class Locator:
    """Resolves RECORD paths of one environment and refuses any that leave it.

    ``roots`` are the directories files may live in (the environment's prefix and the
    base of each site directory), compared after resolving symlinks.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self._roots = frozenset(os.path.realpath(r) for r in roots)
        self._prefixes = tuple(r.rstrip(os.sep) + os.sep for r in self._roots)
        import threading

        self._dirs: dict[str, str] = {}
        self._lock = threading.Lock()
        self._digests: dict[
            tuple[int, int, int, int, str],
            tuple[str, int, str] | Future[tuple[str, int, str]] | None,
        ] = {}

    def inside(self, path: str) -> bool:
        """True when ``path`` (already resolved) is one of the roots or below one."""
        return path.startswith(self._prefixes) or path in self._roots

    def verify(self, site_dir: str, entry: RecordEntry) -> FileState:
        """Resolve ``entry`` against ``site_dir``, refuse unsafe paths, hash the file."""
        joined = os.path.join(site_dir, entry.path)
        lexical = os.path.normpath(joined)
        if not self.inside(lexical):
            return FileState("invalid", lexical, problem="leaves the environment (not opened)")
        head, tail = os.path.split(joined)
        real_dir = self._dirs.get(head)
        if real_dir is None:
            real_dir = os.path.realpath(head)
            self._dirs[head] = real_dir
        if not tail or tail in (".", ".."):
            return FileState("invalid", lexical, problem="names a directory, not a file")
        target = os.path.join(real_dir, tail)
        if not self.inside(target):
            return FileState(
                "invalid",
                lexical,
                problem=f"resolves through a symlink to {target}, outside the environment (not opened)",
            )
        try:
            st = os.lstat(target)
        except OSError as e:
            return _missing_or_unreadable(lexical, e)
        if stat.S_ISLNK(st.st_mode):
            resolved = os.path.realpath(target)
            if not self.inside(resolved):
                return FileState(
                    "invalid",
                    lexical,
                    problem=f"is a symlink to {resolved}, outside the environment (not opened)",
                )
            target = resolved
            try:
                st = os.lstat(target)
            except OSError as e:
                return _missing_or_unreadable(lexical, e)
        if not stat.S_ISREG(st.st_mode):
            return FileState(
                "invalid",
                lexical,
                problem=f"is {file_kind(st.st_mode)}, not a regular file (not opened)",
            )
        if entry.size is not None and st.st_size != entry.size:
            # Modified, whatever its digest: not read at all (it may be huge or sparse).
            return FileState("modified", lexical, size=st.st_size)
        digest, size, problem = self._digest(target, entry.algorithm, st)
        if problem:
            return FileState("invalid", lexical, problem=problem)
        modified = digest != entry.digest or (entry.size is not None and size != entry.size)
        return FileState("modified" if modified else "ok", lexical, digest=digest, size=size)

    def _digest(self, target: str, algorithm: str, st: os.stat_result) -> tuple[str, int, str]:
        """(digest, size, "") of the file, or ("", 0, problem); each inode is hashed
        once per algorithm (while unchanged), however many rows name it, so a RECORD
        listing one large file under many spellings costs one read.

        The entry of a key is None while its first caller hashes, then the result; a
        Future is made only when a second caller has to wait for the first (creating
        one per file was a seventh of the time spent on a small file).
        """
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, algorithm)
        with self._lock:
            owner = key not in self._digests
            if owner:
                self._digests[key] = None
            else:
                known = self._digests[key]
                if known is None:
                    from concurrent.futures import Future

                    known = self._digests[key] = Future()
        if not owner:
            if isinstance(known, tuple):
                return known
            assert known is not None  # replaced by a Future above
            waited: tuple[str, int, str] = known.result()
            return waited
        try:
            result = _hash_file(target, algorithm, st)
        except BaseException as e:
            with self._lock:
                waiter = self._digests.pop(key)
            if waiter is not None and not isinstance(waiter, tuple):
                waiter.set_exception(e)
            raise
        with self._lock:
            waiter = self._digests[key]
            self._digests[key] = result
        if waiter is not None and not isinstance(waiter, tuple):
            waiter.set_result(result)
        return result


def _missing_or_unreadable(path: str, e: OSError) -> FileState:
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return FileState("missing", path)
    return FileState("invalid", path, problem=f"cannot be read ({e.strerror})")


def _hash_file(target: str, algorithm: str, st: os.stat_result) -> tuple[str, int, str]:
    from binascii import b2a_base64

    try:
        fd = os.open(target, OPEN_FLAGS)
    except OSError as e:
        return "", 0, f"cannot be read ({e.strerror})"
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return "", 0, "changed while it was being checked"
        hasher = _new_hasher(algorithm)
        if fst.st_size < CHUNK:
            # Most files: one read() of one byte more than the file, which returns the
            # whole file; after a short read, or when it grew, read on to the end.
            data = os.read(fd, fst.st_size + 1)
            size = len(data)
            hasher.update(data)
            while data and size != fst.st_size:
                data = os.read(fd, CHUNK)
                size += len(data)
                hasher.update(data)
        else:
            size = _hash_chunks(fd, hasher)
    except OSError as e:
        return "", 0, f"cannot be read ({e.strerror})"
    finally:
        os.close(fd)
    digest = b2a_base64(hasher.digest(), newline=False).rstrip(b"=").translate(_URLSAFE)
    return digest.decode("ascii"), size, ""


def _hash_chunks(fd: int, hasher: Any) -> int:
    """Feed the open file to ``hasher`` in CHUNK-sized reads into one buffer; its size."""
    size = 0
    view = memoryview(bytearray(CHUNK))
    with open(fd, "rb", buffering=0, closefd=False) as f:
        while True:
            n = f.readinto(view)
            if not n:
                return size
            size += n
            hasher.update(view[:n])


def _new_hasher(algorithm: str) -> Any:
    """A new hash object: hashlib's own constructor (``hashlib.new`` looks it up on every
    call), remembered per algorithm."""
    constructor = _CONSTRUCTORS.get(algorithm)
    if constructor is None:
        import functools
        import hashlib

        constructor = getattr(hashlib, algorithm, None) or functools.partial(hashlib.new, algorithm)
        _CONSTRUCTORS[algorithm] = constructor
    return constructor()


_CONSTRUCTORS: dict[str, Any] = {}

#: base64's URL-safe alphabet, from the standard one.
_URLSAFE = bytes.maketrans(b"+/", b"-_")
