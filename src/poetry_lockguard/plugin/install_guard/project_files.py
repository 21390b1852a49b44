"""The project's pyproject.toml and poetry.lock as the guard sees them.

A snapshot taken before the command restores both files when the guard refuses (a
refused ``poetry add`` leaves them as they were); the lock is read, quietly, for the
line numbers findings cite and for the names it locks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_lockguard.lock.model import Lock

#: The files a guarded command may change and a refusal restores.
PROJECT_FILES = ("pyproject.toml", "poetry.lock")


class ProjectSnapshot:
    """The bytes of pyproject.toml and poetry.lock (None: absent) at one moment."""

    def __init__(self, project_dir: Path) -> None:
        self._files: dict[Path, bytes | None] = {}
        for name in PROJECT_FILES:
            path = project_dir / name
            self._files[path] = path.read_bytes() if path.exists() else None

    def restore(self) -> None:
        """Put every file back as it was (remove one that did not exist)."""
        for path, data in self._files.items():
            current = path.read_bytes() if path.exists() else None
            if current == data:
                continue
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)


def read_lock_quietly(project_dir: Path) -> Lock | None:
    """The project's lock, or None when it is absent or cannot be read (what the
    guard takes from it, line numbers and names, is optional)."""
    from poetry_lockguard.lock.reader import read_lock

    path = project_dir / "poetry.lock"
    if not path.exists():
        return None
    try:
        return read_lock(path)
    except Exception:  # noqa: BLE001 - line numbers and names are optional
        return None


def lock_lines(project_dir: Path) -> dict[tuple[str, str], int]:
    """(name, version) -> the line of the package's entry in poetry.lock."""
    lock = read_lock_quietly(project_dir)
    return {} if lock is None else lines_of(lock)


def lines_of(lock: Lock) -> dict[tuple[str, str], int]:
    """(name, version) -> the line of the package's entry in ``lock``."""
    return {(p.name, p.version): p.line for p in lock.packages if p.line is not None}


def locked_names(project_dir: Path) -> set[str]:
    """The names of the packages poetry.lock locks."""
    lock = read_lock_quietly(project_dir)
    return set() if lock is None else {p.name for p in lock.packages}
