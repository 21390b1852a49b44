"""What lockguard keeps inside a virtualenv: the last guarded install's selection and
the stamp of the last clean check, in ``<prefix>/.lockguard/``.

Nothing is written into an interpreter that is not a virtualenv (no ``pyvenv.cfg``:
a base Python, a conda environment): lockguard does not own it.

The stamp lets ``poetry run`` skip its check when nothing that could change the answer
has changed: the bytes of poetry.lock and pyproject.toml, the selection, every
distribution directory of the environment (name and modification time, which pip and
Poetry both change when they install, upgrade or remove one) and, in each, the files
the check reads (METADATA, direct_url.json, provenance_url.json, an egg-info's PKG-INFO:
modification time and size, which an edit in place changes while the directory's
stays).
"""

from __future__ import annotations

import contextlib
import os

from poetry_lockguard.lock.project import sorted_json
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.lock.selection import split_extras
from poetry_lockguard.lock.selection import split_names
from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.structs import replace


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from poetry_lockguard.lock.project import Project

STATE_DIR = ".lockguard"
SELECTION_FILE = "selection.json"
STAMP_FILE = "run-stamp"
#: The files of a distribution directory the check reads (see the module docstring).
_READ_FILES = {
    ".dist-info": ("METADATA", "direct_url.json", "provenance_url.json"),
    ".egg-info": ("PKG-INFO",),
}


def is_virtualenv(prefix: Path) -> bool:
    """True when ``prefix`` is a virtualenv's (it holds ``pyvenv.cfg``)."""
    return (prefix / "pyvenv.cfg").is_file()


def write_selection(prefix: Path, selection: dict[str, Any]) -> None:
    """Record the selection (``SelectionRequest.as_dict()``) a guarded install used."""
    _write(prefix, SELECTION_FILE, sorted_json(selection) + "\n")


def read_selection(prefix: Path) -> dict[str, Any] | None:
    """The recorded selection, or None when there is none or it cannot be read."""
    path = prefix / STATE_DIR / SELECTION_FILE
    try:
        if not path.is_file() or path.stat().st_size > 64 * 1024:
            return None
        import json  # only when a selection is recorded

        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_request(prefix: Path, project: Project) -> tuple[SelectionRequest | None, str]:
    """The recorded selection without the groups and extras ``project`` no longer has
    (a branch switch can drop one), and a note naming what was dropped ("" when nothing
    was); (None, "") when nothing usable is recorded."""
    request = SelectionRequest.from_dict(read_selection(prefix))
    if request is None:
        return None, ""
    groups, extras = set(project.groups), set(project.extras)
    dropped: list[str] = []

    def known(flag: str, names: list[str], there: set[str]) -> tuple[str, ...]:
        dropped.extend(f"{flag} {n}" for n in names if str(canonicalize_name(n)) not in there)
        return tuple(n for n in names if str(canonicalize_name(n)) in there)

    kept = replace(
        request,
        with_groups=known("--with", split_names(request.with_groups), groups),
        without_groups=known("--without", split_names(request.without_groups), groups),
        only_groups=known("--only", split_names(request.only_groups), groups),
        extras=known("-E", split_extras(request.extras), extras),
    )
    if not dropped:
        return request, ""
    note = (
        "the selection the last guarded install recorded names what pyproject.toml no"
        f" longer has: {', '.join(dropped)} (dropped; the next `poetry install` or"
        " `poetry sync` records a new selection)"
    )
    return kept, note


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
    digest.update(sorted_json(selection).encode())
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
            files = _READ_FILES.get(os.path.splitext(name)[1], ())
            if files:
                digest.update(_files_stamp(os.path.join(site, name), files).encode())
    return digest.hexdigest()


def _files_stamp(directory: str, files: tuple[str, ...]) -> str:
    parts = []
    for name in files:
        try:
            st = os.stat(os.path.join(directory, name))
        except OSError:
            parts.append("-")
        else:
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "\0".join(parts) + "\0"


def stamp_matches(prefix: Path, stamp: str) -> bool:
    """True when the stamp of the last clean check is ``stamp``."""
    try:
        return (prefix / STATE_DIR / STAMP_FILE).read_text(encoding="ascii").strip() == stamp
    except (OSError, ValueError):
        return False


def write_stamp(prefix: Path, stamp: str) -> None:
    """Remember that the environment was clean at ``stamp``."""
    _write(prefix, STAMP_FILE, stamp + "\n")


def clear_stamp(prefix: Path) -> None:
    """Forget the last clean check (after findings)."""
    with contextlib.suppress(OSError):
        (prefix / STATE_DIR / STAMP_FILE).unlink()


def _write(prefix: Path, name: str, text: str) -> None:
    if not is_virtualenv(prefix):
        return
    path = prefix / STATE_DIR / name
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only environment: nothing is remembered, nothing breaks
