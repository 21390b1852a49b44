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
import hashlib
import hmac
import os
import stat

from poetry_lockguard.errors import SelectionError
from poetry_lockguard.lock.project import sorted_json
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.lock.selection import resolve_selection
from poetry_lockguard.lock.selection import split_extras
from poetry_lockguard.lock.selection import split_names
from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any
    from typing import Final

    from poetry_lockguard.lock.project import Project

STATE_DIR = ".lockguard"
SELECTION_FILE = "selection.json"
STAMP_FILE = "run-stamp"
#: The layout of selection.json this version writes (earlier ones had no "format").
SELECTION_FORMAT = 2
KEY_FILE = "key"
STATE_HOME_VARIABLE = "POETRY_LOCKGUARD_STATE_DIR"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_LOCK_LIMIT = 256 * 1024 * 1024
#: The files of a distribution directory the check reads (see the module docstring).
_READ_FILES = {
    ".dist-info": ("METADATA", "direct_url.json", "provenance_url.json"),
    ".egg-info": ("PKG-INFO",),
}


def is_virtualenv(prefix: Path) -> bool:
    """True when ``prefix`` is a virtualenv's (it holds ``pyvenv.cfg``)."""
    return (prefix / "pyvenv.cfg").is_file()


def write_selection(
    prefix: Path, project_dir: Path, selection: dict[str, Any], root: bool | None = None
) -> None:
    """Record the selection (``SelectionRequest.as_dict()``) a guarded install of
    ``project_dir`` used, and whether it installed the project itself (``root``; None:
    not known), tied to that project and its lock and keyed (see ``recorded_request``).
    Without a key nothing can be recorded: an older record is removed, so that it is
    not read for this install."""
    key = state_key(create=True)
    lock = _lock_digest(project_dir)
    if key is None or lock is None:
        _remove(prefix, SELECTION_FILE)
        return
    record: dict[str, Any] = {
        "format": SELECTION_FORMAT,
        "project": os.path.realpath(project_dir),
        "lock": lock,
        "selection": selection,
    }
    if root is not None:
        record["root"] = root
    record["mac"] = _mac(key, b"selection", sorted_json(record).encode())
    if not _write(prefix, SELECTION_FILE, sorted_json(record) + "\n"):
        _remove(prefix, SELECTION_FILE)


def rebind_selection(prefix: Path, project_dir: Path) -> SelectionRequest | None:
    """Tie a selection this account's lockguard recorded for ``project_dir`` to the lock
    as it is now (after ``poetry add``/``update``/``remove`` rewrote it, which keep the
    selection) and return it; a record that is not such a one is removed (None)."""
    data = _signed_record(prefix, project_dir)
    request = None if data is None else SelectionRequest.from_dict(data.get("selection"))
    if data is None or request is None:
        _remove(prefix, SELECTION_FILE)
        return None
    root = data.get("root")
    write_selection(
        prefix, project_dir, data["selection"], root if isinstance(root, bool) else None
    )
    return request


def recorded_root(prefix: Path, project_dir: Path) -> bool:
    """Whether the last guarded install of ``project_dir`` and its lock as it is now
    installed the project itself (a record this account's key signed says so)."""
    data = _signed_record(prefix, project_dir)
    return (
        data is not None
        and data.get("lock") == _lock_digest(project_dir)
        and data.get("root") is True
    )


def recorded_sync_options(prefix: Path, project_dir: Path) -> str:
    """The ``poetry sync`` options of the selection recorded for ``project_dir`` and its
    lock as it is now (" --with docs"), "" when none is (for the pip fence's message)."""
    data = _signed_record(prefix, project_dir)
    if data is None or data.get("lock") != _lock_digest(project_dir):
        return ""
    request = SelectionRequest.from_dict(data.get("selection"))
    return "" if request is None else request.as_poetry_options()


def _signed_record(prefix: Path, project_dir: Path) -> dict[str, Any] | None:
    """The recorded selection file, without its signature, when this account's key signs
    it and it names ``project_dir``; None otherwise (its lock is not compared)."""
    data = read_selection(prefix)
    if data is None or _why_untrusted(data, project_dir)[0]:
        return None
    return data if isinstance(data.get("selection"), dict) else None


def _why_untrusted(data: dict[str, Any], project_dir: Path) -> tuple[str, bool]:
    """Why the record ``data`` (its ``mac`` taken out) is not one this account's key
    signed for ``project_dir``, and whether the report should note it; ("", False) when
    it is. Its lock is not compared."""
    mac = data.pop("mac", None)
    key = state_key(create=False)
    if key is None and state_home() is None:
        why = (
            "in a CI job, a recorded selection is used only with POETRY_LOCKGUARD_STATE_DIR"
            " set (the next job on a persistent runner shares the home directory)"
        )
        return why, True
    if key is None or data.get("format") != SELECTION_FORMAT or not isinstance(mac, str):
        return f"it is not signed with the lockguard key in {state_home()}", True
    if not _same_mac(mac, _mac(key, b"selection", sorted_json(data).encode())):
        return f"its signature is not that of the lockguard key in {state_home()}", True
    if data.get("project") != os.path.realpath(project_dir):
        return f"it was recorded for another project ({data.get('project')})", False
    return "", False


def read_selection(prefix: Path) -> dict[str, Any] | None:
    """The recorded selection file as it is (not yet trusted), or None when there is none
    or it cannot be read."""
    raw = _read(prefix, SELECTION_FILE, 64 * 1024)
    if raw is None:
        return None
    import json  # only when a selection is recorded

    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class RecordedSelection:
    """What the recorded selection contributes to a check: the request to use (None:
    the default groups), notes for the report, and why a record was ignored (for -v)."""

    __slots__ = ("ignored", "notes", "request")

    request: Final[SelectionRequest | None]
    notes: Final[tuple[str, ...]]
    ignored: Final[str]

    def __init__(
        self,
        request: SelectionRequest | None = None,
        notes: tuple[str, ...] = (),
        ignored: str = "",
    ) -> None:
        self.request = request
        self.notes = notes
        self.ignored = ignored

    def _fields(self) -> tuple[object, ...]:
        return (self.request, self.notes, self.ignored)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordedSelection):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"RecordedSelection(request={self.request!r}, notes={self.notes!r}, "
            f"ignored={self.ignored!r})"
        )


def recorded_request(prefix: Path, project: Project, project_dir: Path) -> RecordedSelection:
    """The selection the last guarded install of ``project_dir`` recorded in ``prefix``.

    A record is used only when this account's key signs it and it names this project
    (its real path) and this lock (the sha256 of its bytes): a record a package wrote
    into the environment, one for another project or another lock, or one an earlier
    lockguard wrote (not tied to anything) is ignored, with the reason for ``-v``.
    Groups and extras ``project`` no longer has are dropped (a branch switch can drop
    one), with a note. A selection that leaves out a default group (``--without main``,
    ``--only docs``) is applied, since the user typed it at the install, and always
    named in the report's notes.
    """
    data = read_selection(prefix)
    path = prefix / STATE_DIR / SELECTION_FILE
    if data is None:
        unreadable = _exists(path)
        return RecordedSelection(ignored=f"{path} cannot be read" if unreadable else "")
    if "format" not in data:
        note = (
            f"{path} was written by an earlier lockguard and is not tied to a project or"
            " a lock: ignored (the next guarded `poetry install` or `poetry sync` records"
            " the selection again)"
        )
        return RecordedSelection(notes=(note,), ignored="written by an earlier lockguard")
    why, noted = _why_untrusted(data, project_dir)
    if why:
        return RecordedSelection(notes=(f"{path}: {why}: ignored",) if noted else (), ignored=why)
    if data.get("lock") != _lock_digest(project_dir):
        return RecordedSelection(ignored="it was recorded for another poetry.lock")
    request = SelectionRequest.from_dict(data.get("selection"))
    if request is None:
        return RecordedSelection(ignored=f"{path} holds no selection")
    return _applicable(request, project)


def _applicable(request: SelectionRequest, project: Project) -> RecordedSelection:
    groups, extras = set(project.groups), set(project.extras)
    dropped: list[str] = []

    def known(flag: str, names: list[str], there: set[str]) -> tuple[str, ...]:
        dropped.extend(f"{flag} {n}" for n in names if str(canonicalize_name(n)) not in there)
        return tuple(n for n in names if str(canonicalize_name(n)) in there)

    kept = SelectionRequest(
        with_groups=known("--with", split_names(request.with_groups), groups),
        without_groups=known("--without", split_names(request.without_groups), groups),
        only_groups=known("--only", split_names(request.only_groups), groups),
        all_groups=request.all_groups,
        extras=known("-E", split_extras(request.extras), extras),
        all_extras=request.all_extras,
    )
    notes: list[str] = []
    if dropped:
        notes.append(
            "the selection the last guarded install recorded names what pyproject.toml no"
            f" longer has: {', '.join(dropped)} (dropped; the next `poetry install` or"
            " `poetry sync` records a new selection)"
        )
    else:
        kept = request
    try:
        chosen = resolve_selection(kept, project).groups
    except SelectionError as e:
        return RecordedSelection(ignored=f"it cannot be applied: {e}")
    left_out = sorted(project.non_optional_groups - chosen)
    if left_out:
        notes.append(
            "the selection the last guarded install recorded"
            f" ({kept.as_poetry_options().strip()}) leaves out the default"
            f" group{'s' if len(left_out) > 1 else ''} {', '.join(left_out)}: their"
            " packages are not required; pass group options to check them"
        )
    return RecordedSelection(request=kept, notes=tuple(notes))


def environment_stamp(
    project_dir: Path, site_dirs: Iterable[Path], selection: dict[str, Any]
) -> str:
    """A digest of everything a check's answer depends on (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(os.path.realpath(project_dir).encode("utf-8", "surrogateescape") + b"\0")
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
                    if e.name.lower().endswith((".dist-info", ".egg-info", ".pth", ".egg-link"))
                )
        except OSError:
            names = []
        for name, mtime in names:
            digest.update(f"{name}\0{mtime}\0".encode())
            files = _READ_FILES.get(os.path.splitext(name)[1].lower(), ())
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
    """True when the last clean check left the keyed stamp of ``stamp``. A stamp an
    earlier lockguard left (the bare digest, which anyone can recompute) never matches."""
    key = state_key(create=False)
    raw = _read(prefix, STAMP_FILE, 1024)
    if key is None or raw is None:
        return False
    return _same_mac(
        raw.strip().decode("ascii", "replace"), _mac(key, b"run-stamp", stamp.encode())
    )


def write_stamp(prefix: Path, stamp: str) -> None:
    """Remember that the environment was clean at ``stamp``, keyed (see ``state_key``)."""
    key = state_key(create=True)
    if key is None:
        clear_stamp(prefix)
        return
    if not _write(prefix, STAMP_FILE, _mac(key, b"run-stamp", stamp.encode()) + "\n"):
        clear_stamp(prefix)


def clear_stamp(prefix: Path) -> None:
    """Forget the last clean check (after findings)."""
    _remove(prefix, STAMP_FILE)


# -- the key ---------------------------------------------------------------------------


#: Set by CI services that do not set ``CI`` (Jenkins, Hudson, Azure Pipelines,
#: TeamCity, AWS CodeBuild, Bamboo, GoCD). GitHub Actions, GitLab, CircleCI, Buildkite,
#: Drone, Woodpecker, Travis, Bitbucket and AppVeyor set ``CI``.
_CI_VARIABLES = (
    "JENKINS_URL",
    "HUDSON_URL",
    "TF_BUILD",
    "TEAMCITY_VERSION",
    "CODEBUILD_BUILD_ID",
    "bamboo_buildKey",
    "GO_SERVER_URL",
)


def on_ci() -> bool:
    """Whether this runs in a CI job: ``CI`` set to anything but a false value (GitHub
    Actions, GitLab, CircleCI, Buildkite, ...), or a variable of a service that does not
    set it."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off"):
        return True
    return any(os.environ.get(name) for name in _CI_VARIABLES)


def state_home() -> Path | None:
    """Where lockguard keeps what belongs to the user, not to an environment:
    ``POETRY_LOCKGUARD_STATE_DIR``, else ``$XDG_STATE_HOME/poetry-lockguard``, else
    ``~/.local/state/poetry-lockguard``. None in a CI job without
    ``POETRY_LOCKGUARD_STATE_DIR``: on a persistent runner the next job shares the home
    directory, so a key kept there would sign what that job forges."""
    from pathlib import Path

    explicit = os.environ.get(STATE_HOME_VARIABLE)
    if explicit:
        return Path(explicit)
    if on_ci():
        return None
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base, "poetry-lockguard")


def state_key(*, create: bool) -> bytes | None:
    """The account's secret key that signs run stamps and recorded selections, kept
    outside every environment (``state_home()/key``, mode 0600). A package that writes
    files into a venv cannot read it, so it cannot forge either; another process of the
    same account can (see docs/threat-model.md). ``create``: make one when there is
    none. None when there is no usable key: a key that is not a regular file, not the
    user's own or readable by others is not used, so nothing keyed verifies."""
    home = state_home()
    if home is None:
        return None
    path = home / KEY_FILE
    key = _read_key(path)
    if key is not None or not create:
        return key
    import secrets

    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = home / f".{KEY_FILE}.{secrets.token_hex(8)}.tmp"
        fd = os.open(temporary, _CREATE_FLAGS, 0o600)
        try:
            with open(fd, "w", encoding="ascii", closefd=False) as f:
                f.write(secrets.token_hex(32) + "\n")
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)  # never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    except OSError:
        return None
    return _read_key(path)


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_mode & 0o077
            or (hasattr(os, "getuid") and st.st_uid != os.getuid())
        ):
            return None
        text = os.read(fd, 200).decode("ascii", "replace").strip()
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        return None
    return bytes.fromhex(text)


#: The largest RECORD a receipt's signature is checked against.
_RECORD_LIMIT = 256 * 1024 * 1024


def record_digest(record: bytes, receipt_path: str) -> str:
    """The sha256 of a RECORD's rows without the receipt's own row (``receipt_path``, as
    RECORD names it): what a receipt's signature binds it to, so that a file edited
    together with its RECORD row afterwards breaks the signature. Rows are compared as
    lines, without blank lines and line-end ``\\r``."""
    prefix = receipt_path.encode() + b","
    rows = [line.rstrip(b"\r") for line in record.split(b"\n")]
    kept = [row for row in rows if row and not row.startswith((prefix, b'"' + prefix[:-1]))]
    return hashlib.sha256(b"\n".join(kept)).hexdigest()


def installed_record_digest(dist_info: Path) -> str:
    """``record_digest`` of the RECORD in ``dist_info``; "" when it cannot be read."""
    try:
        data = read_regular(str(dist_info / "RECORD"), _RECORD_LIMIT)
    except (OSError, UnsafeFileError):
        return ""
    return record_digest(data, f"{dist_info.name}/provenance_url.json")


def _receipt_message(name: str, artifact: str, verified: bool, record: str) -> bytes:
    state = "verified" if verified else "unverified"
    return "\0".join((canonicalize_name(name), artifact, state, record)).encode()


def receipt_signature(name: str, artifact: str, verified: bool, record: str) -> str:
    """The signature an install receipt carries: an HMAC, under this account's key, of
    the package's name, the artifact it names (``sha256`` hex or a git commit), whether
    the guard verified it, and the digest of the RECORD the install wrote
    (``record_digest``). Empty where there is no usable key (a CI job without
    ``POETRY_LOCKGUARD_STATE_DIR``): such a receipt proves only its content."""
    key = state_key(create=True)
    if key is None:
        return ""
    return _mac(key, b"receipt", _receipt_message(name, artifact, verified, record))


def receipt_signed(
    name: str, artifact: str, verified: bool, record: str, signature: str
) -> bool | None:
    """Whether a receipt was signed with this account's key for this RECORD: True; False
    when it was not (a package shipped it, another account or machine wrote it, an
    earlier lockguard, which did not sign, or RECORD changed since); None when there is
    no key here to tell."""
    key = state_key(create=False)
    if key is None:
        return None
    expected = _mac(key, b"receipt", _receipt_message(name, artifact, verified, record))
    return bool(signature) and _same_mac(signature, expected)


def _mac(key: bytes, purpose: bytes, message: bytes) -> str:
    return hmac.new(key, purpose + b"\0" + message, hashlib.sha256).hexdigest()


def _same_mac(found: str, expected: str) -> bool:
    """Whether ``found`` (read from a file) is the ``expected`` signature, compared in a
    time that does not depend on where they differ."""
    return hmac.compare_digest(found.encode("utf-8", "surrogatepass"), expected.encode())


def _lock_digest(project_dir: Path) -> str | None:
    """The sha256 of poetry.lock's bytes, or None when it cannot be read."""
    try:
        data = read_regular(str(project_dir / "poetry.lock"), _LOCK_LIMIT)
    except (OSError, UnsafeFileError):
        return None
    return hashlib.sha256(data).hexdigest()


# -- files in <prefix>/.lockguard ------------------------------------------------------


def _state_dir(prefix: Path, *, create: bool) -> Path | None:
    """``prefix/.lockguard`` when it is a real directory (made when ``create``); None
    when it is absent, a symlink or anything else: nothing is read or written there."""
    directory = prefix / STATE_DIR
    if create:
        with contextlib.suppress(FileExistsError, OSError):
            os.mkdir(directory, 0o755)
    try:
        st = os.lstat(directory)
    except OSError:
        return None
    return directory if stat.S_ISDIR(st.st_mode) else None


def _read(prefix: Path, name: str, limit: int) -> bytes | None:
    directory = _state_dir(prefix, create=False)
    if directory is None:
        return None
    try:
        return read_regular(str(directory / name), limit, within=str(directory))
    except (OSError, UnsafeFileError):
        return None


def _exists(path: Path) -> bool:
    try:
        os.lstat(path)
    except OSError:
        return False
    return True


def _write(prefix: Path, name: str, text: str) -> bool:
    """Write ``prefix/.lockguard/name``; False when it could not be (a read-only
    environment: nothing is remembered, nothing breaks). Nothing is written into an
    interpreter that is not a virtualenv."""
    if not is_virtualenv(prefix):
        return False
    directory = _state_dir(prefix, create=True)
    if directory is None:
        return False
    try:
        write_replacing(directory, name, text.encode("utf-8"))
    except OSError:
        return False
    return True


def _remove(prefix: Path, name: str) -> None:
    directory = _state_dir(prefix, create=False)
    if directory is not None:
        with contextlib.suppress(OSError):
            os.unlink(directory / name)


def private_directory(path: Path) -> Path | None:
    """``path``, made if needed (mode 0700), when it and its parent are real directories
    (not symlinks) of this user that no one else can write; None otherwise: a cache or
    state directory someone planted as a link or opened to others is not written to."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for directory in (path, path.parent):
            st = os.lstat(directory)
            if (
                not stat.S_ISDIR(st.st_mode)
                or st.st_uid != os.getuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                return None
    except OSError:
        return None
    return path


def write_replacing(directory: Path, name: str, data: bytes, mode: int = 0o644) -> None:
    """Put ``data`` at ``directory/name`` through a new temporary file of a random name,
    created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and renamed over ``name``: a symlink
    planted at the name or at a temporary's name is replaced or refused, never followed,
    so nothing outside ``directory`` is written. Raises OSError."""
    temporary = directory / f".{name}.{os.urandom(8).hex()}.tmp"
    fd = os.open(temporary, _CREATE_FLAGS, mode)
    try:
        try:
            with open(fd, "wb", closefd=False) as f:
                f.write(data)
        finally:
            os.close(fd)
        os.replace(temporary, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
