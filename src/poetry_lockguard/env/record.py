"""RECORD files (the wheel spec's list of installed files), read and verified safely.

Everything here treats the environment as hostile: a RECORD is read line by line with a
bounded line length and row count, a listed path is resolved and checked to stay inside
the environment before anything is opened, only regular files are ever opened (with
``O_NOFOLLOW | O_NONBLOCK``, then checked again with ``fstat``), and files are hashed in
fixed-size chunks so a file of any size costs the same memory.
"""

from __future__ import annotations

import errno
import os
import stat

from typing import TYPE_CHECKING

from poetry_lockguard.structs import dataclass


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from concurrent.futures import Future
    from pathlib import Path
    from typing import BinaryIO


#: Hash algorithms a RECORD may use: hashlib's guaranteed ones, minus the weak ones.
ALGORITHMS = frozenset(
    {
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha3_224",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "blake2b",
        "blake2s",
    }
)

#: Digest sizes in bytes (constants: computing them costs ms of start-up).
_DIGEST_SIZES = {
    "sha224": 28,
    "sha256": 32,
    "sha384": 48,
    "sha512": 64,
    "sha3_224": 28,
    "sha3_256": 32,
    "sha3_384": 48,
    "sha3_512": 64,
    "blake2b": 64,
    "blake2s": 32,
}

#: Algorithms PEP 376 and the wheel spec forbid because they are broken.
WEAK_ALGORITHMS = frozenset({"md5", "sha1"})

#: The longest RECORD line accepted; real rows are a path (at most 4096 bytes) and a hash.
MAX_LINE = 64 * 1024

#: The most rows a RECORD may have (the largest real distributions have tens of thousands).
MAX_ROWS = 500_000

#: Bytes read and hashed at a time.
CHUNK = 1024 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class RecordEntry:
    """One hashed RECORD row: the path as written, ``algorithm=digest`` and size.

    ``digest`` is the urlsafe base64 text without padding, as RECORD writes it; ``size``
    is None when the row gives none.
    """

    path: str
    algorithm: str
    digest: str
    size: int | None
    line: int

    @property
    def hash(self) -> str:
        """The hash as RECORD writes it: ``sha256=<urlsafe base64>``."""
        return f"{self.algorithm}={self.digest}"


@dataclass(frozen=True)
class RecordProblem:
    """Why a RECORD, or one of its rows (``line`` > 0), cannot be trusted."""

    message: str
    line: int = 0
    path: str | None = None


@dataclass(frozen=True)
class Record:
    """A parsed RECORD: the rows to verify, and the problems found while reading it.

    ``skipped`` counts the rows that may go without a hash (RECORD itself and its
    signatures ``RECORD.jws``/``RECORD.p7s``, ``.pyc`` files in ``__pycache__``, which
    installers compile after writing RECORD); ``unhashed`` holds (line, path) of every
    other row without a hash: a file nothing can verify.
    """

    entries: tuple[RecordEntry, ...]
    problems: tuple[RecordProblem, ...]
    skipped: int = 0
    unhashed: tuple[tuple[int, str], ...] = ()


class RecordMissingError(Exception):
    """The dist-info directory has no RECORD."""


def read_record(record: Path) -> Record:
    """Parse ``record`` without trusting it.

    Raises RecordMissingError when there is no RECORD. Every other problem (a RECORD
    that is not a regular file, a line too long, bytes that are not UTF-8, a malformed,
    duplicate or unsafe row, an unknown or weak algorithm) comes back as a
    RecordProblem; the rows that are sound are still returned.
    """
    try:
        st = os.lstat(record)
    except FileNotFoundError as e:
        raise RecordMissingError(str(record)) from e
    except OSError as e:
        return Record((), (RecordProblem(f"RECORD cannot be read ({e.strerror})"),))
    if not stat.S_ISREG(st.st_mode):
        kind = file_kind(st.st_mode)
        return Record((), (RecordProblem(f"RECORD is {kind}, not a regular file"),))
    try:
        fd = os.open(record, _OPEN_FLAGS)
    except OSError as e:
        return Record((), (RecordProblem(f"RECORD cannot be read ({e.strerror})"),))
    with open(fd, "rb", buffering=CHUNK) as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return Record((), (RecordProblem("RECORD is not a regular file"),))
        return _parse(_lines(f), record.parent.name)


def _lines(f: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) with None for a line longer than MAX_LINE (never kept)."""
    readline = f.readline
    number = 0
    while True:
        raw: bytes = readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            # Drain the rest of the line in bounded pieces without keeping it.
            while True:
                rest: bytes = readline(CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


def _parse(lines: Iterable[tuple[int, bytes | None]], dist_info: str = "") -> Record:
    entries: list[RecordEntry] = []
    problems: list[RecordProblem] = []
    seen: dict[str, int] = {}
    skipped = 0
    unhashed: list[tuple[int, str]] = []
    # RECORD, its signatures, and direct_url.json (Poetry adds it after writing RECORD,
    # without a hash; the source check compares its content with the lock).
    may_be_unhashed = {
        f"{dist_info}/{name}"
        for name in ("RECORD", "RECORD.jws", "RECORD.p7s", "direct_url.json")
    }
    for number, raw in lines:
        if number > MAX_ROWS:
            problems.append(
                RecordProblem(f"RECORD has more than {MAX_ROWS} rows; the rest is ignored")
            )
            break
        if raw is None:
            problems.append(
                RecordProblem(f"line {number} is longer than {MAX_LINE} bytes", number)
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(RecordProblem(f"line {number} is not valid UTF-8", number))
            continue
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        if '"' in text:
            # Only a path holding a comma or a quote is quoted: the rare, slow case.
            import csv

            try:
                rows = list(csv.reader([text]))
            except csv.Error as e:
                problems.append(RecordProblem(f"line {number} is not valid CSV ({e})", number))
                continue
            row = rows[0] if rows else []
        else:
            row = text.split(",")
        if len(row) != 3:
            problems.append(
                RecordProblem(f"line {number} has {len(row)} fields, not 3", number)
            )
            continue
        path, hash_field, size_field = row
        if not path:
            problems.append(RecordProblem(f"line {number} has an empty path", number))
            continue
        if "\x00" in path:
            problems.append(RecordProblem(f"line {number}: path contains a NUL byte", number))
            continue
        if path in seen:
            problems.append(
                RecordProblem(
                    f"line {number}: {shorten(path)!r} is listed again (first on line {seen[path]})",
                    number,
                    path,
                )
            )
            continue
        seen[path] = number
        # Absolute paths are allowed by the spec and written by installers for editable
        # installs (Poetry's root project); the Locator verifies they stay inside the
        # environment. Absolute paths of another platform's kind are not.
        if _is_absolute(path) and not os.path.isabs(path):
            problems.append(
                RecordProblem(f"line {number}: {shorten(path)!r} is an absolute path", number, path)
            )
            continue
        if not hash_field:
            if _may_be_unhashed(path, may_be_unhashed):
                skipped += 1
            else:
                unhashed.append((number, path))
            continue
        entry_or_problem = _entry(number, path, hash_field, size_field)
        if isinstance(entry_or_problem, RecordProblem):
            problems.append(entry_or_problem)
        else:
            entries.append(entry_or_problem)
    if any("/" not in path and path.endswith(".virtualenv") for _, path in unhashed):
        # virtualenv's seeder (which puts pip into every venv Poetry creates) lists its
        # scripts, INSTALLER and this marker without hashes: known, not reported.
        return Record(tuple(entries), tuple(problems), skipped + len(unhashed))
    return Record(tuple(entries), tuple(problems), skipped, tuple(unhashed))


def _may_be_unhashed(path: str, record_files: set[str]) -> bool:
    """``record_files`` (RECORD itself, its signatures, direct_url.json), and bytecode: installers (pip, Poetry,
    virtualenv's seeder) compile ``.pyc`` files after RECORD is written and list them
    without a hash. Exempt are ``__pycache__/*.pyc`` and tagged ``name.<tag>.pyc``
    (neither importable without its source); a sourceless ``name.pyc`` beside the
    package's modules is importable on its own, so it is not exempt."""
    normalized = os.path.normpath(path).replace(os.sep, "/")
    if os.path.isabs(path):
        # Poetry lists the RECORD of an editable root project by its absolute path.
        normalized = "/".join(normalized.split("/")[-2:]) if normalized.endswith(
            tuple(f"/{name}" for name in record_files)
        ) else normalized
    if normalized in record_files or normalized.endswith("/__pycache__"):
        return True  # (virtualenv's seeder lists the __pycache__ directories too)
    if not normalized.endswith(".pyc"):
        return False
    parts = normalized.split("/")
    return (len(parts) > 1 and parts[-2] == "__pycache__") or "." in parts[-1][: -len(".pyc")]


def _entry(number: int, path: str, hash_field: str, size_field: str) -> RecordEntry | RecordProblem:
    # Imported here, as hashlib, csv and threading below: every check reads METADATA
    # through this module, only --integrity reads RECORD.
    import base64
    import binascii

    algorithm, sep, digest = hash_field.partition("=")
    algorithm = algorithm.strip().lower()
    if not sep or not digest:
        return RecordProblem(f"line {number}: malformed hash {hash_field[:80]!r}", number, path)
    if algorithm in WEAK_ALGORITHMS:
        return RecordProblem(
            f"line {number}: {shorten(path)!r} uses the weak hash algorithm {algorithm}", number, path
        )
    if algorithm not in ALGORITHMS:
        return RecordProblem(
            f"line {number}: {shorten(path)!r} uses the unknown hash algorithm {algorithm[:40]!r}",
            number,
            path,
        )
    digest = digest.strip()
    try:
        raw = base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _DIGEST_SIZES[algorithm]:
        return RecordProblem(f"line {number}: {shorten(path)!r} has a malformed {algorithm} digest", number, path)
    size: int | None = None
    if size_field.strip():
        try:
            size = int(size_field)
        except ValueError:
            size = -1
        if size < 0:
            return RecordProblem(
                f"line {number}: {shorten(path)!r} has an invalid size {size_field[:40]!r}", number, path
            )
    return RecordEntry(path=path, algorithm=algorithm, digest=digest.rstrip("="), size=size, line=number)


def shorten(path: str, limit: int = 200) -> str:
    """``path`` cut in the middle to at most ``limit`` characters, for messages."""
    if len(path) <= limit:
        return path
    half = (limit - 3) // 2
    return f"{path[:half]}...{path[-half:]}"


def _is_absolute(path: str) -> bool:
    # A drive or a leading separator of either kind: absolute on some platform.
    return path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":")


def file_kind(mode: int) -> str:
    """A short description of a non-regular file's type, for messages."""
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class UnsafeFileError(Exception):
    """A file that must not be opened: not a regular file, or a symlink leaving its place."""


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
                raise UnsafeFileError(
                    f"is a symlink to {target}, outside {root} (not followed)"
                )
        st = os.lstat(target)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(f"is {file_kind(st.st_mode)}, not a regular file (not opened)")
    fd = os.open(target, _OPEN_FLAGS)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            raise UnsafeFileError("changed while it was being read (not read)")
        with open(fd, "rb", closefd=False) as f:
            return f.read(limit)
    finally:
        os.close(fd)


# -- verifying one file -------------------------------------------------------------


@dataclass(frozen=True)
class FileState:
    """What was found for one RECORD entry.

    ``status`` is "ok", "modified", "missing" or "invalid"; ``digest`` and ``size`` are
    what the file on disk has (for "ok" and "modified"); ``problem`` explains "invalid".
    """

    status: str
    path: str
    digest: str = ""
    size: int = 0
    problem: str = ""


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
                "invalid", lexical, problem=f"resolves through a symlink to {target}, outside the environment (not opened)"
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
            return FileState("invalid", lexical, problem=f"is {file_kind(st.st_mode)}, not a regular file (not opened)")
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
    import base64
    import hashlib

    try:
        fd = os.open(target, _OPEN_FLAGS)
    except OSError as e:
        return "", 0, f"cannot be read ({e.strerror})"
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return "", 0, "changed while it was being checked"
        hasher = hashlib.new(algorithm)
        size = 0
        # One byte more than the file: a small file is read in one call, then EOF.
        view = memoryview(bytearray(min(CHUNK, fst.st_size + 1)))
        with open(fd, "rb", buffering=0, closefd=False) as f:
            while True:
                n = f.readinto(view)
                if not n:
                    break
                size += n
                hasher.update(view[:n])
    except OSError as e:
        return "", 0, f"cannot be read ({e.strerror})"
    finally:
        os.close(fd)
    digest = base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode("ascii")
    return digest, size, ""
