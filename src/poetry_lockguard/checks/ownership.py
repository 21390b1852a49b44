"""Every file Python may import or run from the environment, accounted for.

``check --integrity`` verifies the files each distribution's RECORD lists; this walks
what is actually there. In the environment's own site directories, its scripts
directory and its data directories (``share/``, ``etc/``), every file is one that
an installed distribution's RECORD lists, one a venv tool writes (``env/venv_files``),
lockguard's own pip fence (compared byte for byte elsewhere), or ``unowned-file``: an
error where Python may import or run it (a module, a ``.pth``, an extension, a
sourceless ``.pyc``, a script, a symlink), a warning for data. A directory that holds
no owned file is reported once, not file by file.

Byte-code in ``__pycache__`` beside an owned source is verified (``env/bytecode``):
byte-code Python would load in place of its source must be that source's, as the
environment's own interpreter compiles it, else it is ``file-modified``; where that
interpreter cannot be run, the files are counted in one ``bytecode-unverified``
warning.

Site directories outside the environment that the target sees (the user site, the base
interpreter's site-packages) are not walked: each is one ``site-unverified`` warning.
"""

from __future__ import annotations

import os

from poetry_lockguard.checks.anchored import INSTALLER_FILES
from poetry_lockguard.checks.anchored import relative_path
from poetry_lockguard.env.bytecode import PYTEST_REWRITTEN
from poetry_lockguard.env.bytecode import cached_source
from poetry_lockguard.env.bytecode import header_matches
from poetry_lockguard.env.bytecode import verify_bytecode
from poetry_lockguard.env.fence_files import MODULE_NAME as FENCE_MODULE
from poetry_lockguard.env.fence_files import PTH_NAME as FENCE_PTH
from poetry_lockguard.env.venv_files import SCRIPTS
from poetry_lockguard.env.venv_files import SEED_PTH_MODULES
from poetry_lockguard.env.venv_files import is_interpreter_name
from poetry_lockguard.env.venv_files import seed_wheel_pth_files
from poetry_lockguard.env.venv_files import site_file_problem
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Mapping
    from pathlib import Path

    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.findings import Finding

#: Suffixes of files Python imports or runs from a site directory.
_CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".so", ".pyd", ".pth", ".egg", ".zip")
#: Data directories of a venv's prefix that wheels' ``.data/data`` install into.
_DATA_DIRS = ("share", "etc")
#: The largest .pth file compared with a seed wheel's.
_PTH_LIMIT = 1024 * 1024
#: The largest interpreter copy compared byte for byte.
_INTERPRETER_LIMIT = 256 * 1024 * 1024
#: The most paths one directory's finding names.
_SHOWN = 3


class Owners:
    """Which installed distribution lists each file, collected as RECORDs are read."""

    def __init__(self) -> None:
        #: Resolved path -> the distribution whose RECORD lists it.
        self.files: dict[str, str] = {}
        #: The dist-info directories of installed distributions whose RECORD was read.
        self.metadata_dirs: set[str] = set()
        #: Those of the others (a missing or unreadable RECORD is its own finding).
        self.unread: set[str] = set()
        #: (distribution, resolved site directory, the paths its RECORD lists).
        self.claims: list[tuple[str, str, list[str]]] = []

    def unrecorded(self, dist_info: str) -> None:
        """A distribution's resolved metadata directory whose RECORD could not be read."""
        self.unread.add(dist_info)

    def add(self, name: str, site_dir: str, dist_info: str, rows: Iterable[str]) -> None:
        """The rows of ``name``'s RECORD (relative to the resolved ``site_dir``)."""
        self.metadata_dirs.add(os.path.join(site_dir, dist_info))
        files = self.files
        paths = []
        for row in rows:
            path = os.path.normpath(row if os.path.isabs(row) else os.path.join(site_dir, row))
            files.setdefault(path, name)
            paths.append(path)
        self.claims.append((name, site_dir, paths))


def unaccounted(
    interpreter: Interpreter,
    owners: Owners,
    *,
    locked: frozenset[str] = frozenset(),
    workers: int = 2,
) -> list[Finding]:
    """``unowned-file``, byte-code ``file-modified``, ``bytecode-unverified`` and
    ``site-unverified`` findings for ``interpreter``'s environment; a distribution not
    in ``locked`` (tolerated: allowed extraneous, a seed package) owns no file in
    another distribution's package and no ``.pth`` that no seed wheel ships."""
    walk = _Walk(owners, os.path.realpath(interpreter.executable))
    walk.findings += _trespasses(owners, locked, interpreter)
    seen: set[str] = set()
    for site in interpreter.site_dirs:
        real = os.path.realpath(site)
        if real not in seen and os.path.isdir(real):
            seen.add(real)
            walk.directory(real, top=True)
    scripts = os.path.realpath(interpreter.scripts)
    if scripts not in seen:
        walk.scripts(scripts)
    prefix = os.path.realpath(interpreter.prefix)
    if prefix != os.path.realpath(interpreter.base_prefix):  # a venv: its data directories
        for name in _DATA_DIRS:
            data = os.path.join(prefix, name)
            if data not in seen and os.path.isdir(data):
                walk.directory(data, top=False, code=False)
    findings = walk.findings
    findings += _bytecode_findings(interpreter.executable, walk.bytecode, workers)
    if walk.rewritten:
        findings.append(
            _unverified(
                walk.rewritten,
                "pytest wrote with their assertions rewritten, and pytest's import hook"
                " loads them instead of their verified sources; lockguard does not rewrite"
                " assertions to compare them",
            )
        )
    findings += _outside_sites(interpreter.origins, seen)
    return findings


class _Walk:
    def __init__(self, owners: Owners, executable: str) -> None:
        #: The real file of the interpreter the environment runs.
        self._executable = executable
        self._files = owners.files
        self._metadata = owners.metadata_dirs
        self._unread = owners.unread
        self._dirs = _ancestors(owners.files)
        self.findings: list[Finding] = []
        #: Byte-code Python may load instead of an owned source: (pyc, source,
        #: optimisation level, the source's owner).
        self.bytecode: list[tuple[str, str, int, str]] = []
        #: pytest's byte-code with rewritten assertions, with its source's owner.
        self.rewritten: list[tuple[str, str]] = []
        self._tops: set[str] = set()
        self._venv_files: dict[str, str | None] = {}

    def directory(self, path: str, *, top: bool, code: bool = True) -> None:
        if top:
            self._tops.add(path)
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.path in self._unread:
                continue  # its own finding: no RECORD to read
            if code and entry.is_symlink() and entry.is_dir():
                # RECORD lists files, never directories: a link to a directory (a
                # ``__pycache__`` included) brings in files that nothing verified.
                self._unowned(entry.path, Severity.ERROR)
            elif entry.is_dir(follow_symlinks=False):
                if entry.path in self._metadata:
                    self._metadata_dir(entry.path)
                elif entry.name == "__pycache__":
                    self._bytecode(entry.path, code)
                elif entry.path in self._dirs:
                    self.directory(entry.path, top=False, code=code)
                else:
                    self._unowned_dir(entry.path, code)
            elif entry.path not in self._files:
                self._unowned_site_file(entry, top=top, code=code)

    def scripts(self, path: str) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.path in self._files or entry.name in SCRIPTS:
                continue
            if is_interpreter_name(entry.name):
                if not _is_interpreter(entry.path, self._executable):
                    self.findings.append(
                        finding(
                            "unowned-file",
                            None,
                            f"{entry.path} is named like the environment's interpreter but"
                            f" is not {self._executable} (no link to it, no copy of it);"
                            " a #! line or a PATH lookup may run it",
                            path=entry.path,
                        )
                    )
            elif entry.is_dir(follow_symlinks=False):
                self._unowned_dir(entry.path, code=False)
            else:
                self._unowned(entry.path, Severity.ERROR)

    def _unowned_site_file(self, entry: os.DirEntry[str], *, top: bool, code: bool) -> None:
        if top and entry.name in (FENCE_MODULE + ".py", FENCE_PTH):
            return  # compared with the bytes lockguard writes by the integrity check
        if top:
            problem = self._venv_file_problem(entry.path)
            if problem == "":
                return
            if problem is not None:
                self.findings.append(
                    finding(
                        "unowned-file",
                        None,
                        f"{entry.path} {problem}; no RECORD lists it, and Python runs it"
                        " at every start",
                        path=entry.path,
                    )
                )
                return
        runs = code and (entry.is_symlink() or entry.name.endswith(_CODE_SUFFIXES))
        if entry.name.endswith(".pth") and not top:
            runs = False  # only a site directory's own .pth files run
        self._unowned(entry.path, Severity.ERROR if runs else Severity.WARNING)

    def _unowned(self, path: str, severity: Severity) -> None:
        runs = "it can be imported or run" if severity is Severity.ERROR else "nothing verifies it"
        self.findings.append(
            finding(
                "unowned-file",
                None,
                f"{path} is in no installed distribution's RECORD and no venv tool writes it:"
                f" {runs}",
                path=path,
                severity=severity,
            )
        )

    def _unowned_dir(self, path: str, code: bool) -> None:
        files: list[str] = []
        for root, dirs, names in os.walk(path):
            dirs.sort()
            files += (os.path.join(root, n) for n in sorted(names))
            files += (os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d)))
        if not files:
            return  # an empty directory holds nothing to run
        risky = code and any(f.endswith(_CODE_SUFFIXES) or os.path.islink(f) for f in files)
        shown = ", ".join(os.path.relpath(f, path) for f in files[:_SHOWN])
        more = f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else ""
        runs = "Python may import what it holds" if risky else "nothing verifies them"
        self.findings.append(
            finding(
                "unowned-file",
                None,
                f"{path}/ holds {len(files)} file{'s' if len(files) != 1 else ''} ({shown}{more})"
                f" that no installed distribution's RECORD lists; {runs}",
                path=path,
                severity=Severity.ERROR if risky else Severity.WARNING,
            )
        )

    def _metadata_dir(self, path: str) -> None:
        for root, _dirs, names in os.walk(path):
            for name in sorted(names):
                file = os.path.join(root, name)
                if file in self._files or (root == path and name in INSTALLER_FILES):
                    continue
                # entry_points.txt names code that plugin systems (pytest's among them)
                # import; the other metadata is data.
                code = root == path and name == "entry_points.txt"
                self._unowned(file, Severity.ERROR if code else Severity.WARNING)

    def _bytecode(self, path: str, code: bool) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                # The import system follows a link, and nothing lives in __pycache__
                # but the files it writes.
                if entry.is_dir(follow_symlinks=False):
                    self._unowned_dir(entry.path, code)
                else:
                    self._unowned(entry.path, Severity.ERROR if code else Severity.WARNING)
                continue
            cached = cached_source(entry.path)
            if cached is None:
                # Not byte-code the import system writes (``<stem>.<tag>.pyc``): Python
                # imports it as ``pkg.__pycache__.<name>``, whatever RECORD lists it.
                runs = code and entry.name.endswith(_CODE_SUFFIXES)
                if runs or entry.path not in self._files:
                    self._unowned(entry.path, Severity.ERROR if runs else Severity.WARNING)
                continue
            owner = self._files.get(cached[0]) or self._known(cached[0])
            if owner is None:
                if entry.path not in self._files:
                    # Byte-code without its source beside it is never imported.
                    self._unowned(entry.path, Severity.WARNING)
                continue
            source, _tag, optimization = cached
            if not code or not header_matches(entry.path, source):
                continue
            if optimization == PYTEST_REWRITTEN:
                self.rewritten.append((entry.path, owner))
            else:
                self.bytecode.append((entry.path, source, optimization, owner))

    def _known(self, source: str) -> str | None:
        """What wrote ``source`` when it is a module of a site directory that lockguard
        or a venv tool writes (its content checked apart), else None."""
        directory, name = os.path.split(source)
        if directory not in self._tops:
            return None
        if name == FENCE_MODULE + ".py":
            return "lockguard's pip fence"
        return "the venv tool" if self._venv_file_problem(source) == "" else None

    def _venv_file_problem(self, path: str) -> str | None:
        """``site_file_problem``, judged once a file (its module and its byte-code both
        ask)."""
        if path not in self._venv_files:
            self._venv_files[path] = site_file_problem(path)
        return self._venv_files[path]


def _trespasses(owners: Owners, locked: frozenset[str], interpreter: Interpreter) -> list[Finding]:
    """The files a tolerated distribution's RECORD claims but it may not own: one in a
    regular package of another distribution, a ``.pth`` no seed wheel ships."""
    owned_by: dict[str, set[str]] = {}  # a site directory's entry -> who owns files under it
    for name, site_dir, paths in owners.claims:
        for path in paths:
            top = _top_entry(site_dir, path)
            if top:
                owned_by.setdefault(top, set()).add(name)
    findings = []
    seed_pth: dict[str, set[bytes]] | None = None
    for name, site_dir, paths in owners.claims:
        if name in locked:
            continue
        for path in paths:
            top = _top_entry(site_dir, path)
            if top is None:
                continue
            seeded = os.path.basename(top) in SEED_PTH_MODULES and not _is_bytecode(path)
            if seeded and (not os.path.lexists(path) or _is_directory(path)):
                # A row of nothing (virtualenv's seeder lists byte-code where it does not
                # write it) or a __pycache__ directory, whose files the walk verifies.
                continue
            if (top == path and path.endswith(".pth")) or seeded:
                if seed_pth is None:
                    seed_pth = seed_wheel_pth_files(interpreter)
                member = relative_path(path, site_dir).replace(os.sep, "/")
                if _read_small(path) in seed_pth.get(member, ()):
                    continue
                why = (
                    "code Python runs at every start (a .pth file or what one imports),"
                    " and no seed wheel of this interpreter ships it so"
                )
            else:
                others = sorted(owned_by.get(top, set()) - {name})
                if not others or not os.path.isfile(os.path.join(top, "__init__.py")):
                    continue  # its own package, or a namespace package several share
                if owners.files.get(os.path.join(top, "__init__.py")) == name:
                    continue
                why = f"in {others[0]}'s package {os.path.basename(top)}/"
            findings.append(
                finding(
                    "unowned-file",
                    name,
                    f"{path} is listed in the RECORD of {name}, which poetry.lock does not"
                    f" lock (it is tolerated, not verified against an archive), but it is {why}",
                    path=path,
                )
            )
    return findings


def _is_directory(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _is_bytecode(path: str) -> bool:
    return os.path.basename(os.path.dirname(path)) == "__pycache__"


def _top_entry(site_dir: str, path: str) -> str | None:
    """The entry of ``site_dir`` that ``path`` is or lies under (not ``__pycache__``),
    None for a path outside it."""
    rel = relative_path(path, site_dir)
    if rel.startswith(os.pardir) or os.path.isabs(rel):
        return None
    first = rel.split(os.sep, 1)[0]
    return None if first == "__pycache__" else os.path.join(site_dir, first)


def _read_small(path: str) -> bytes | None:
    try:
        return read_regular(path, _PTH_LIMIT)
    except (OSError, UnsafeFileError):
        return None


def _bytecode_findings(
    python: Path, bytecode: list[tuple[str, str, int, str]], workers: int
) -> list[Finding]:
    """Byte-code compared with its source by the environment's interpreter."""
    states = verify_bytecode(
        python, [(pyc, src, opt) for pyc, src, opt, _ in bytecode], workers=workers
    )
    if states is None:
        return [
            _unverified(
                [(pyc, owner) for pyc, _, _, owner in bytecode],
                f"may be loaded instead of their verified sources, but {python} did not"
                " run to compare them with a fresh compile",
            )
        ]
    return [
        finding(
            "file-modified",
            owner,
            f"{pyc} is byte-code Python loads instead of {source}, but it is not that"
            " source's: its code differs from a fresh compile",
            path=pyc,
        )
        for (pyc, source, _, owner), state in zip(bytecode, states)
        if state == "modified"
    ]


def _unverified(files: list[tuple[str, str]], why: str) -> Finding:
    """One ``bytecode-unverified`` finding for ``files`` (byte-code, its source's
    owner)."""
    packages = sorted({owner for _, owner in files})
    shown = ", ".join(packages[:5]) + (
        f" and {len(packages) - 5} more" if len(packages) > 5 else ""
    )
    count = len(files)
    return finding(
        "bytecode-unverified",
        None,
        f"{count} byte-code file{'s' if count != 1 else ''} of {shown} {why}",
        path=min(pyc for pyc, _ in files),
    )


def _is_interpreter(path: str, executable: str) -> bool:
    """Whether ``path`` is ``executable``: a link that resolves to it, or a copy of it
    (``venv --copies``)."""
    real = os.path.realpath(path)
    if real == executable:
        return True
    if os.path.islink(path):
        return False
    try:
        if os.path.getsize(real) != os.path.getsize(executable):
            return False
        return read_regular(real, _INTERPRETER_LIMIT) == read_regular(
            executable, _INTERPRETER_LIMIT
        )
    except (OSError, UnsafeFileError):
        return False


def _ancestors(files: Mapping[str, str]) -> set[str]:
    """Every directory that holds an owned file, at any depth."""
    dirs: set[str] = set()
    for path in files:
        parent = os.path.dirname(path)
        while parent not in dirs and parent != os.path.dirname(parent):
            dirs.add(parent)
            parent = os.path.dirname(parent)
    return dirs


def _outside_sites(origins: Mapping[Path, str], walked: set[str]) -> list[Finding]:
    findings = []
    for path, origin in origins.items():
        real = os.path.realpath(str(path))
        try:
            holds = real not in walked and any(True for _ in os.scandir(real))
        except OSError:
            continue
        if holds:
            findings.append(
                finding(
                    "site-unverified",
                    None,
                    f"{path} ({origin}) is on the target's sys.path,"
                    " and lockguard verifies only the environment's own site directories:"
                    " what it holds can be imported unverified",
                    path=str(path),
                )
            )
    return findings
