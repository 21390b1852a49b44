"""What lockguard keeps inside an environment: the last guarded install's selection and
the stamp of the last clean check, in ``<prefix>/.lockguard/``.

The stamp lets ``poetry run`` skip its check when nothing that could change the answer
has changed: the bytes of poetry.lock and pyproject.toml, the selection, and every
distribution directory of the environment (name and modification time, which pip and
Poetry both change when they install, upgrade or remove one).
"""

from __future__ import annotations

import contextlib
import json
import os

from typing import TYPE_CHECKING
from typing import Any


if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

STATE_DIR = ".lockguard"
SELECTION_FILE = "selection.json"
STAMP_FILE = "run-stamp"


def write_selection(prefix: Path, selection: dict[str, Any]) -> None:
    """Record the selection (``SelectionRequest.as_dict()``) a guarded install used."""
    _write(prefix / STATE_DIR / SELECTION_FILE, json.dumps(selection, sort_keys=True) + "\n")


def read_selection(prefix: Path) -> dict[str, Any] | None:
    """The recorded selection, or None when there is none or it cannot be read."""
    path = prefix / STATE_DIR / SELECTION_FILE
    try:
        if not path.is_file() or path.stat().st_size > 64 * 1024:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def environment_stamp(
    project_dir: Path, site_dirs: Iterable[Path], selection: dict[str, Any]
) -> str:
    """A digest of everything a check's answer depends on (see the module docstring)."""
    import hashlib  # here: a check that only reads the recorded selection needs none

    digest = hashlib.sha256()
    for name in ("poetry.lock", "pyproject.toml"):
        try:
            digest.update((project_dir / name).read_bytes())
        except OSError:
            digest.update(b"<absent>")
        digest.update(b"\0")
    digest.update(json.dumps(selection, sort_keys=True).encode())
    for site in site_dirs:
        digest.update(f"\0site {site}\0".encode())
        try:
            with os.scandir(site) as entries:
                names = sorted(
                    (e.name, e.stat(follow_symlinks=False).st_mtime_ns)
                    for e in entries
                    if e.name.endswith((".dist-info", ".egg-info", ".pth", ".egg-link"))
                )
        except OSError:
            names = []
        for name, mtime in names:
            digest.update(f"{name}\0{mtime}\0".encode())
    return digest.hexdigest()


def stamp_matches(prefix: Path, stamp: str) -> bool:
    """True when the stamp of the last clean check is ``stamp``."""
    try:
        return (prefix / STATE_DIR / STAMP_FILE).read_text(encoding="ascii").strip() == stamp
    except (OSError, ValueError):
        return False


def write_stamp(prefix: Path, stamp: str) -> None:
    """Remember that the environment was clean at ``stamp``."""
    _write(prefix / STATE_DIR / STAMP_FILE, stamp + "\n")


def clear_stamp(prefix: Path) -> None:
    """Forget the last clean check (after findings)."""
    with contextlib.suppress(OSError):
        (prefix / STATE_DIR / STAMP_FILE).unlink()


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only environment: nothing is remembered, nothing breaks
