"""RECORD files (the wheel spec's list of installed files): their grammar.

A RECORD is read without trusting it: line by line with a bounded line length and row
count, each row checked (three CSV fields, a safe path, a known strong hash algorithm,
a digest of the algorithm's size, a size) and every problem kept as a RecordProblem
while the sound rows are returned. Opening and hashing the files it lists is
``safe_files.py``'s part.
"""

from __future__ import annotations

import os

from dataclasses import dataclass
from typing import TYPE_CHECKING

from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import open_regular


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
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
    other row without a hash: a file nothing can verify; ``exempt`` the paths of the
    rows counted in ``skipped`` (what a locked archive must still account for).
    """

    entries: tuple[RecordEntry, ...]
    problems: tuple[RecordProblem, ...]
    skipped: int = 0
    unhashed: tuple[tuple[int, str], ...] = ()
    exempt: tuple[str, ...] = ()


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
        f = open_regular(record)
    except FileNotFoundError as e:
        raise RecordMissingError(str(record)) from e
    except UnsafeFileError as e:
        return Record((), (RecordProblem(f"RECORD {e}"),))
    except OSError as e:
        return Record((), (RecordProblem(f"RECORD cannot be read ({e.strerror})"),))
    with f:
        return _parse(_lines(f), record.parent.name)


def parse_record(data: bytes, dist_info: str) -> Record:
    """Parse the bytes of a RECORD (one read from a wheel) as ``read_record`` parses a
    file; ``dist_info`` is the name of its ``.dist-info`` directory."""
    import io

    return _parse(_lines(io.BytesIO(data)), dist_info)


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
                rest: bytes = readline(MAX_LINE)
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
    exempt: list[str] = []
    # RECORD, its signatures, and direct_url.json (Poetry adds it after writing RECORD,
    # without a hash; the source check compares its content with the lock).
    may_be_unhashed = {
        f"{dist_info}/{name}" for name in ("RECORD", "RECORD.jws", "RECORD.p7s", "direct_url.json")
    }
    for number, raw in lines:
        if number > MAX_ROWS:
            problems.append(
                RecordProblem(f"RECORD has more than {MAX_ROWS} rows; the rest is ignored")
            )
            break
        if raw is None:
            problems.append(RecordProblem(f"line {number} is longer than {MAX_LINE} bytes", number))
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
            problems.append(RecordProblem(f"line {number} has {len(row)} fields, not 3", number))
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
                exempt.append(path)
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
        exempt += (path for _, path in unhashed)
        return Record(tuple(entries), tuple(problems), skipped + len(unhashed), (), tuple(exempt))
    return Record(tuple(entries), tuple(problems), skipped, tuple(unhashed), tuple(exempt))


def _may_be_unhashed(path: str, record_files: set[str]) -> bool:
    """``record_files`` (RECORD itself, its signatures, direct_url.json), and bytecode: installers (pip, Poetry,
    virtualenv's seeder) compile ``.pyc`` files after RECORD is written and list them
    without a hash. Exempt are ``__pycache__/*.pyc`` and tagged ``name.<tag>.pyc``
    (neither importable without its source); a sourceless ``name.pyc`` beside the
    package's modules is importable on its own, so it is not exempt."""
    normalized = os.path.normpath(path).replace(os.sep, "/")
    if os.path.isabs(path):
        # Poetry lists the RECORD of an editable root project by its absolute path.
        normalized = (
            "/".join(normalized.split("/")[-2:])
            if normalized.endswith(tuple(f"/{name}" for name in record_files))
            else normalized
        )
    if normalized in record_files or normalized.endswith("/__pycache__"):
        return True  # (virtualenv's seeder lists the __pycache__ directories too)
    if not normalized.endswith(".pyc"):
        return False
    parts = normalized.split("/")
    return (len(parts) > 1 and parts[-2] == "__pycache__") or "." in parts[-1][: -len(".pyc")]


def _entry(number: int, path: str, hash_field: str, size_field: str) -> RecordEntry | RecordProblem:
    # Imported here, as csv above and hashlib in safe_files: every check reads METADATA
    # through these modules, only --integrity reads RECORD.
    import binascii

    algorithm, sep, digest = hash_field.partition("=")
    algorithm = algorithm.strip().lower()
    if not sep or not digest:
        return RecordProblem(f"line {number}: malformed hash {hash_field[:80]!r}", number, path)
    if algorithm in WEAK_ALGORITHMS:
        return RecordProblem(
            f"line {number}: {shorten(path)!r} uses the weak hash algorithm {algorithm}",
            number,
            path,
        )
    if algorithm not in ALGORITHMS:
        return RecordProblem(
            f"line {number}: {shorten(path)!r} uses the unknown hash algorithm {algorithm[:40]!r}",
            number,
            path,
        )
    digest = digest.strip()
    try:  # base64.urlsafe_b64decode, without its per-call overhead
        padded = (digest + "=" * (-len(digest) % 4)).encode("ascii")
        raw = binascii.a2b_base64(padded.translate(_URLSAFE_DECODE))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _DIGEST_SIZES[algorithm]:
        return RecordProblem(
            f"line {number}: {shorten(path)!r} has a malformed {algorithm} digest", number, path
        )
    size: int | None = None
    if size_field.strip():
        try:
            size = int(size_field)
        except ValueError:
            size = -1
        if size < 0:
            return RecordProblem(
                f"line {number}: {shorten(path)!r} has an invalid size {size_field[:40]!r}",
                number,
                path,
            )
    return RecordEntry(
        path=path, algorithm=algorithm, digest=digest.rstrip("="), size=size, line=number
    )


#: base64's URL-safe alphabet back to the standard one.
_URLSAFE_DECODE = bytes.maketrans(b"-_", b"+/")


def shorten(path: str, limit: int = 200) -> str:
    """``path`` cut in the middle to at most ``limit`` characters, for messages."""
    if len(path) <= limit:
        return path
    half = (limit - 3) // 2
    return f"{path[:half]}...{path[-half:]}"


def _is_absolute(path: str) -> bool:
    # A drive or a leading separator of either kind: absolute on some platform.
    return path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":")
