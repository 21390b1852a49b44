"""The Report a check produces: what was checked and what was found."""

from __future__ import annotations

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Remedy
from poetry_lockguard.findings import Severity


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.selection import Selection

SCHEMA_VERSION = 2


class LockInfo:
    """The lock that was checked (``version`` is None when there is no lock)."""

    __slots__ = ("content_hash", "fresh", "packages", "path", "version")

    path: Final[str]
    version: Final[str | None]
    content_hash: Final[str | None]
    fresh: Final[bool | None]
    packages: Final[int]

    def __init__(
        self,
        path: str,
        version: str | None = None,
        content_hash: str | None = None,
        fresh: bool | None = None,
        packages: int = 0,
    ) -> None:
        self.path = path
        self.version = version
        self.content_hash = content_hash
        self.fresh = fresh
        self.packages = packages

    def _fields(self) -> tuple[object, ...]:
        return (self.path, self.version, self.content_hash, self.fresh, self.packages)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockInfo):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"LockInfo(path={self.path!r}, version={self.version!r}, "
            f"content_hash={self.content_hash!r}, fresh={self.fresh!r}, "
            f"packages={self.packages!r})"
        )


class EnvironmentInfo:
    """The environment that was checked and its fingerprint."""

    __slots__ = ("fingerprint", "packages", "path", "python", "python_version")

    path: Final[str]
    python: Final[str]
    python_version: Final[str]
    fingerprint: Final[str]
    packages: Final[int]

    def __init__(
        self,
        path: str,
        python: str,
        python_version: str,
        fingerprint: str,
        packages: int,
    ) -> None:
        self.path = path
        self.python = python
        self.python_version = python_version
        self.fingerprint = fingerprint
        self.packages = packages

    def _fields(self) -> tuple[object, ...]:
        return (self.path, self.python, self.python_version, self.fingerprint, self.packages)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnvironmentInfo):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"EnvironmentInfo(path={self.path!r}, python={self.python!r}, "
            f"python_version={self.python_version!r}, "
            f"fingerprint={self.fingerprint!r}, packages={self.packages!r})"
        )


class Report:
    """Everything a reporter needs: inputs, findings and counts."""

    __slots__ = (
        "directory_option",
        "environment",
        "files_checked",
        "findings",
        "integrity",
        "lock",
        "notes",
        "other_environment",
        "other_is_venv",
        "project",
        "required",
        "required_names",
        "selection",
        "sync_options",
        "trace",
    )

    project: Final[str]
    lock: Final[LockInfo]
    environment: Final[EnvironmentInfo | None]
    selection: Final[Selection | None]
    findings: Final[tuple[Finding, ...]]
    required: Final[int]
    integrity: Final[bool]
    files_checked: Final[int]
    notes: Final[tuple[str, ...]]
    #: The selection as ``poetry sync`` options (" --with docs"), for hints.
    sync_options: Final[str]
    #: `` -C DIR`` when a command run here would not find the project, for hints.
    directory_option: Final[str]
    #: The ``--python`` checked when it is not the project's environment, for hints
    #: (``poetry sync`` would change the project's environment, not this one).
    other_environment: Final[str]
    #: Whether ``other_environment`` is a virtualenv (repair can install into it).
    other_is_venv: Final[bool]
    #: The names of the locked packages the selection requires (what repair may
    #: reinstall); empty when not known.
    required_names: Final[frozenset[str]]
    #: What ``-v`` shows: where the environment was found and why, which selection
    #: and why, how long each step took.
    trace: Final[tuple[str, ...]]

    def __init__(
        self,
        project: str,
        lock: LockInfo,
        environment: EnvironmentInfo | None,
        selection: Selection | None,
        findings: tuple[Finding, ...],
        required: int = 0,
        integrity: bool = False,
        files_checked: int = 0,
        notes: tuple[str, ...] = (),
        sync_options: str = "",
        directory_option: str = "",
        other_environment: str = "",
        other_is_venv: bool = False,
        required_names: frozenset[str] = frozenset(),
        trace: tuple[str, ...] = (),
    ) -> None:
        self.project = project
        self.lock = lock
        self.environment = environment
        self.selection = selection
        self.findings = findings
        self.required = required
        self.integrity = integrity
        self.files_checked = files_checked
        self.notes = notes
        self.sync_options = sync_options
        self.directory_option = directory_option
        self.other_environment = other_environment
        self.other_is_venv = other_is_venv
        self.required_names = required_names
        self.trace = trace

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings of error severity."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings of warning severity."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        """Findings of info severity (never the exit code)."""
        return tuple(f for f in self.findings if f.severity is Severity.INFO)

    @property
    def lock_problem(self) -> str:
        """What is wrong when every error is about the lock itself, not the
        environment (fixed by ``poetry lock``): "pyproject.toml and poetry.lock
        disagree" or "poetry.lock has problems"; "" otherwise."""
        codes = {f.code for f in self.errors}
        if not codes or any(CATALOGUE[c].remedy is not Remedy.LOCK for c in codes):
            return ""
        return (
            "pyproject.toml and poetry.lock disagree"
            if codes == {"lock-stale"}
            else "poetry.lock has problems"
        )

    @property
    def ok(self) -> bool:
        """True when there is no error finding."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        """Number of findings per code, sorted by code."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.code] = counts.get(f.code, 0) + 1
        return dict(sorted(counts.items()))

    def _fields(self) -> tuple[object, ...]:
        return (
            self.project,
            self.lock,
            self.environment,
            self.selection,
            self.findings,
            self.required,
            self.integrity,
            self.files_checked,
            self.notes,
            self.sync_options,
            self.directory_option,
            self.other_environment,
            self.other_is_venv,
            self.required_names,
            self.trace,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Report):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Report(project={self.project!r}, lock={self.lock!r}, "
            f"environment={self.environment!r}, selection={self.selection!r}, "
            f"findings={self.findings!r}, required={self.required!r}, "
            f"integrity={self.integrity!r}, files_checked={self.files_checked!r}, "
            f"notes={self.notes!r}, sync_options={self.sync_options!r}, "
            f"directory_option={self.directory_option!r}, "
            f"other_environment={self.other_environment!r}, "
            f"other_is_venv={self.other_is_venv!r}, "
            f"required_names={self.required_names!r}, trace={self.trace!r})"
        )
