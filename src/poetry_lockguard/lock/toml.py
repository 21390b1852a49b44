"""Loading TOML files with errors that name the file and the problem."""

from __future__ import annotations

import sys

from poetry_lockguard.errors import LockFileError


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def load_toml(path: Path, display: str | None = None) -> dict[str, Any]:
    """Parse ``path`` as TOML; raise LockFileError naming ``display`` on any failure.

    The regular TOML that Poetry writes (and most pyproject.toml files) is read by a
    faster reader first; anything outside its subset goes to tomllib, with the same
    result.
    """
    name = display or str(path)
    return parse_toml(read_toml_bytes(path, name), name)


def read_toml_bytes(path: Path, name: str) -> bytes:
    """The bytes of ``path``, a regular file (symlinks followed); LockFileError if not.

    A FIFO, a device or a socket is never opened, so nothing can make the check hang
    on its input files.
    """
    from poetry_lockguard.safe_io import UnsafeFileError
    from poetry_lockguard.safe_io import read_regular

    try:
        return read_regular(str(path), -1)
    except FileNotFoundError as e:
        raise LockFileError(f"{name}: file not found") from e
    except UnsafeFileError as e:
        raise LockFileError(f"{name}: {e}") from e
    except OSError as e:
        raise LockFileError(f"{name}: cannot be read ({e.strerror})") from e


def parse_toml(data: bytes, name: str) -> dict[str, Any]:
    """Parse ``data`` (the bytes of the file ``name``) as TOML; LockFileError if not.

    tomllib is imported only for a file the fast reader leaves to it: importing it
    costs more than reading a small project's files.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LockFileError(
            f"{name}: not valid UTF-8 (byte {e.start} is {data[e.start]:#04x})"
        ) from e
    from poetry_lockguard.lock.fast_toml import parse_lock_toml

    document = parse_lock_toml(text)
    if document is not None:
        return document
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        result: dict[str, Any] = tomllib.loads(text)
        return result
    except tomllib.TOMLDecodeError as e:
        raise LockFileError(f"{name}: invalid TOML: {e}") from e
