"""The one catalogue of finding codes, and the Finding itself.

A finding code is the public contract: scripts match on it, the JSON schema lists it,
docs/check.md documents it. Each code is declared here once, with its severity, its
meaning, the hint that fixes it and what fixes it; reporters, the guards and ``repair``
read this catalogue instead of keeping tables of their own.
"""

from __future__ import annotations

from enum import Enum


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final
    from typing import Literal

    #: Every finding code (a typo in a code is a type error).
    Code = Literal[
        "lock-missing",
        "lock-stale",
        "unhashed",
        "weak-hash",
        "unpinned-vcs",
        "ambiguous-lock",
        "python-unsupported",
        "missing",
        "root-missing",
        "version-mismatch",
        "extraneous",
        "seed-package",
        "tool-package",
        "unselected",
        "source-mismatch",
        "invalid-distribution",
        "metadata-mismatch",
        "duplicate-distribution",
        "hash-mismatch",
        "sdist-fallback",
        "build-refused",
        "file-modified",
        "file-missing",
        "file-not-in-archive",
        "unowned-file",
        "bytecode-unverified",
        "site-unverified",
        "archive-invalid",
        "unanchored",
        "record-missing",
        "record-invalid",
        "record-unhashed",
        "unattested",
        "artifact-not-locked",
        "built-from-source",
        "source-built",
    ]
    #: What ``lockguard repair`` does about a code: install the locked version,
    #: take the package out and reinstall it verified, or remove it
    #: (``--remove-extraneous`` only).
    RepairAction = Literal["install", "reinstall", "remove"]


class Severity(str, Enum):
    """Errors fail the check (exit 1); warnings are reported and allowed; info says
    something worth knowing that is not a deviation (never the exit code, not even
    with ``--strict``)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Remedy(str, Enum):
    """The command a code's hint names."""

    #: ``poetry lock`` (or a change to pyproject.toml): the lock itself is wrong.
    LOCK = "lock"
    #: ``poetry sync``: Poetry's own sync makes the environment match.
    SYNC = "sync"
    #: ``poetry lockguard repair``: Poetry sees the right version and would do nothing.
    REPAIR = "repair"
    #: Something else: the hint says what (a configuration, another interpreter).
    OTHER = "other"


_REPAIR_HINT = (
    "run `poetry lockguard repair{options}` to reinstall the affected packages"
    " through the guard (verified against poetry.lock, with receipts)"
)
_SYNC_HINT = "run `poetry sync{options}` to make the environment match poetry.lock"


class CodeInfo:
    """What one finding code means and what fixes it.

    ``hint`` is one sentence to run or do (``{options}`` stands for the selection's
    options, ``--with docs``, and ``{directory}`` for ``-C DIR``); ``repair`` is what
    ``lockguard repair`` does for it (None: repair cannot fix it); ``per_file`` codes
    are about one installed file each, listed one a line as ``rpm -V`` does.
    """

    __slots__ = ("hint", "meaning", "per_file", "remedy", "repair", "severity")

    def __init__(
        self,
        severity: Severity,
        meaning: str,
        remedy: Remedy,
        hint: str,
        repair: RepairAction | None = None,
        *,
        per_file: bool = False,
    ) -> None:
        self.severity = severity
        self.meaning = meaning
        self.remedy = remedy
        self.hint = hint
        self.repair = repair
        self.per_file = per_file


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

#: Every code lockguard can report, in the order reports list them.
CATALOGUE: dict[Code, CodeInfo] = {
    "lock-missing": CodeInfo(
        _E,
        "there is no poetry.lock",
        Remedy.LOCK,
        "run `poetry lock{directory}` and commit poetry.lock",
    ),
    "lock-stale": CodeInfo(
        _E,
        "poetry.lock's content-hash does not match pyproject.toml",
        Remedy.LOCK,
        "run `poetry lock{directory}` to bring poetry.lock up to date with pyproject.toml",
    ),
    "unhashed": CodeInfo(
        _E,
        "a package that must be hashed has no hashes in the lock",
        Remedy.LOCK,
        "run `poetry lock --regenerate{directory}` against a source that serves hashes,"
        " or list the package under [tool.lockguard] allow-unhashed",
    ),
    "weak-hash": CodeInfo(
        _E,
        "a package's only hashes use md5 or sha1",
        Remedy.LOCK,
        "run `poetry lock --regenerate{directory}` against a source that serves sha256 hashes",
    ),
    "unpinned-vcs": CodeInfo(
        _E,
        "a git package is not pinned to a full commit",
        Remedy.LOCK,
        "pin the git dependency to a commit (rev = ...) and run `poetry lock{directory}`",
    ),
    "ambiguous-lock": CodeInfo(
        _W,
        "a package is locked more than once for this environment",
        Remedy.LOCK,
        "run `poetry lock{directory}` so that each package is locked once for each environment",
    ),
    "python-unsupported": CodeInfo(
        _W,
        "the interpreter's version is outside the project's Python constraint",
        Remedy.OTHER,
        "use an interpreter the project's Python constraint allows"
        " (`poetry env use`), or widen the constraint and run `poetry lock{directory}`",
    ),
    "missing": CodeInfo(
        _E, "required by the lock, not installed", Remedy.SYNC, _SYNC_HINT, "install"
    ),
    "root-missing": CodeInfo(
        _E,
        "the project itself, which the last guarded install installed, is not installed",
        Remedy.SYNC,
        _SYNC_HINT,
        "install",
    ),
    "version-mismatch": CodeInfo(
        _E, "installed at another version than locked", Remedy.SYNC, _SYNC_HINT, "install"
    ),
    "extraneous": CodeInfo(
        _E,
        "installed, not required by the selection",
        Remedy.SYNC,
        "run `poetry sync{options}` to remove packages poetry.lock does not require",
        "remove",
    ),
    "seed-package": CodeInfo(
        _I,
        "a package the virtualenv was seeded with (pip, setuptools, wheel), not required"
        " by the selection",
        Remedy.OTHER,
        "run `poetry sync{options}` to remove setuptools and wheel; it keeps pip (`pip"
        " uninstall pip` removes it), or make venvs without them (`python -m venv"
        " --without-pip`, `poetry config virtualenvs.options.no-pip true`)",
        "remove",
    ),
    "tool-package": CodeInfo(
        _I,
        "a package of the Poetry installation that shares this environment (Poetry, its"
        " plugins and what they require), not required by the selection",
        Remedy.OTHER,
        "nothing to remove: `poetry sync` would uninstall Poetry itself; to check only"
        " what poetry.lock installs, give the project a virtualenv of its own (`poetry"
        " config virtualenvs.create true`)",
    ),
    "unselected": CodeInfo(
        _W,
        "installed at its locked version, but its group or extra is not selected",
        Remedy.SYNC,
        "check with the option the finding names, or run `poetry sync{options}`"
        " to remove what the selection does not include",
    ),
    "source-mismatch": CodeInfo(
        _E, "installed from another source than locked", Remedy.SYNC, _SYNC_HINT, "reinstall"
    ),
    "invalid-distribution": CodeInfo(
        _E,
        "an installed distribution's metadata is unreadable",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "metadata-mismatch": CodeInfo(
        _E,
        "a dist-info's directory name and METADATA name different packages or versions",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "duplicate-distribution": CodeInfo(
        _E, "a package is installed more than once", Remedy.REPAIR, _REPAIR_HINT, "reinstall"
    ),
    "hash-mismatch": CodeInfo(
        _E,
        "a downloaded artifact's hash is not in the lock",
        Remedy.OTHER,
        "the source (or Poetry's artifact cache) holds other bytes than poetry.lock pins:"
        " find out why before re-locking (`poetry lock --regenerate` would trust the new"
        " bytes)",
    ),
    "sdist-fallback": CodeInfo(
        _E,
        "an sdist would be built though a compatible wheel is locked",
        Remedy.OTHER,
        "poetry.lock and the source disagree on the locked wheel's hash: the source now"
        " serves other bytes, or poetry.lock was edited (`git diff poetry.lock`); find out"
        " which before re-locking, and set installer.no-binary for the package if building"
        " it is intended",
    ),
    "build-refused": CodeInfo(
        _E,
        "a package would be built from source and the build policy refuses it",
        Remedy.OTHER,
        "list the package under [tool.lockguard] allow-build, or lock a wheel for it",
    ),
    "file-modified": CodeInfo(
        _E,
        "an installed file differs from its RECORD entry",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
        per_file=True,
    ),
    "file-missing": CodeInfo(
        _E,
        "a file listed in RECORD is not installed",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
        per_file=True,
    ),
    "file-not-in-archive": CodeInfo(
        _E,
        "the installed RECORD lists a file that the locked archive does not ship and no"
        " installer writes",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
        per_file=True,
    ),
    "unowned-file": CodeInfo(
        _E,
        "a file in the environment's site or scripts directory that no installed"
        " distribution's RECORD lists and no venv tool writes (an error when Python may"
        " import or run it: a module, a `.pth`, an extension, a script; a warning for data)",
        Remedy.OTHER,
        "remove it if nothing installed it on purpose; if a package should own it,"
        " reinstall that package with `poetry lockguard repair{options}`",
    ),
    "bytecode-unverified": CodeInfo(
        _W,
        "byte-code in `__pycache__` that Python may load instead of its verified source"
        " could not be compared with a fresh compile: the environment's interpreter did"
        " not run, or pytest wrote it with its assertions rewritten",
        Remedy.OTHER,
        "delete the `__pycache__` directories it names (Python and pytest write them again"
        " from the verified sources), or run the check where the environment's interpreter"
        " runs",
    ),
    "site-unverified": CodeInfo(
        _W,
        "a site directory outside the environment (the user site, the base interpreter's"
        " site-packages) is on the target's `sys.path`; its files are not verified",
        Remedy.OTHER,
        "use a virtual environment without system site packages, or set"
        " PYTHONNOUSERSITE=1 where the user site should not count",
    ),
    "archive-invalid": CodeInfo(
        _E,
        "the archive poetry.lock pins cannot be read as a wheel, or its RECORD and its"
        " members disagree",
        Remedy.OTHER,
        "the locked archive itself is malformed: lock another version, and tell the"
        " package's maintainers",
    ),
    "unanchored": CodeInfo(
        _W,
        "a package's files were verified against its installed RECORD only: no archive"
        " poetry.lock pins was found to verify them against (or, for a tolerated package"
        " the lock does not pin, no seed wheel of its version)",
        Remedy.OTHER,
        "make the locked archives available: `poetry install` keeps them in Poetry's"
        " artifact cache, or name a directory of them with `--wheelhouse DIR` (the"
        " `wheelhouse` setting in [tool.lockguard]); lock a tolerated package, or"
        " remove it",
    ),
    "record-missing": CodeInfo(
        _E, "a distribution has no RECORD", Remedy.REPAIR, _REPAIR_HINT, "reinstall"
    ),
    "record-invalid": CodeInfo(
        _E, "a RECORD row is malformed or unsafe", Remedy.REPAIR, _REPAIR_HINT, "reinstall"
    ),
    "record-unhashed": CodeInfo(
        _W,
        "a RECORD row has no hash, so its file cannot be verified",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "unattested": CodeInfo(
        _W,
        "an installed package has no install receipt that the guard signed for a verified archive",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "artifact-not-locked": CodeInfo(
        _E,
        "the receipt's artifact hash is not in the lock",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "built-from-source": CodeInfo(
        _E,
        "installed from an sdist though a compatible wheel is locked",
        Remedy.REPAIR,
        _REPAIR_HINT,
        "reinstall",
    ),
    "source-built": CodeInfo(
        _I,
        "built from an sdist: poetry.lock has no wheel this environment can install",
        Remedy.OTHER,
        "nothing to do unless the build is unwanted: poetry.lock has no wheel for this"
        ' environment; `build = "refuse"` in [tool.lockguard] refuses such builds',
    ),
}

#: Each code's place in CATALOGUE: reports list findings in this order.
ORDER: dict[str, int] = {code: i for i, code in enumerate(CATALOGUE)}


def codes_where(**wanted: object) -> frozenset[Code]:
    """The codes whose catalogue entries have every attribute ``wanted`` names with the
    value given: ``codes_where(repair="reinstall")``."""
    return frozenset(
        code
        for code, info in CATALOGUE.items()
        if all(getattr(info, key) == value for key, value in wanted.items())
    )


#: Codes whose fix installs into the environment (``poetry sync`` or ``lockguard
#: repair``): a hint for them must name the environment it installs into.
INSTALLING = codes_where(remedy=Remedy.SYNC) | codes_where(remedy=Remedy.REPAIR)


def hint(code: str, options: str = "", directory: str = "") -> str:
    """The hint for ``code`` with the selection's ``options`` filled in (for Poetry
    commands that install) and ``directory`` (`` -C DIR``, for the others; included in
    ``options`` by the caller); "" for a code the catalogue does not know (a report
    from another version)."""
    info = CATALOGUE.get(code)  # type: ignore[call-overload]
    return info.hint.format(options=options, directory=directory) if info is not None else ""


def code_order(code: str) -> int:
    """Where ``code`` sorts in a report: catalogue order, unknown codes last."""
    return ORDER.get(code, len(ORDER))


class Finding:
    """One deviation between the lock, the policy and the environment.

    ``expected`` and ``found`` hold the two sides (a version, a source, a digest);
    ``line`` is the package's line in poetry.lock where there is one, ``path`` the
    file concerned for integrity findings.
    """

    __slots__ = ("code", "expected", "found", "line", "message", "package", "path", "severity")

    code: Final[Code]
    package: Final[str | None]
    message: Final[str]
    expected: Final[str | None]
    found: Final[str | None]
    line: Final[int | None]
    path: Final[str | None]
    severity: Final[Severity]

    def __init__(
        self,
        code: Code,
        package: str | None,
        message: str,
        expected: str | None = None,
        found: str | None = None,
        line: int | None = None,
        path: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.code = code
        self.package = package
        self.message = message
        self.expected = expected
        self.found = found
        self.line = line
        self.path = path
        self.severity = severity

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with every field (None where not applicable)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "package": self.package,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "line": self.line,
            "path": self.path,
        }

    def _fields(self) -> tuple[object, ...]:
        return (
            self.code,
            self.package,
            self.message,
            self.expected,
            self.found,
            self.line,
            self.path,
            self.severity,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Finding(code={self.code!r}, package={self.package!r}, "
            f"message={self.message!r}, expected={self.expected!r}, "
            f"found={self.found!r}, line={self.line!r}, path={self.path!r}, "
            f"severity={self.severity!r})"
        )


def finding(code: Code, package: str | None, message: str, **fields: object) -> Finding:
    """A Finding of ``code`` with the code's default severity unless one is given."""
    severity = fields.pop("severity", None) or CATALOGUE[code].severity
    return Finding(code=code, package=package, message=message, severity=severity, **fields)  # type: ignore[arg-type]
