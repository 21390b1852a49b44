"""The Report a check produces: what was checked and what was found."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Remedy
from poetry_lockguard.findings import Severity


TYPE_CHECKING = False
if TYPE_CHECKING:
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.selection import Selection

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class LockInfo:
    """The lock that was checked (``version`` is None when there is no lock)."""

    path: str
    version: str | None = None
    content_hash: str | None = None
    fresh: bool | None = None
    packages: int = 0


@dataclass(frozen=True)
class EnvironmentInfo:
    """The environment that was checked and its fingerprint."""

    path: str
    python: str
    python_version: str
    fingerprint: str
    packages: int


@dataclass(frozen=True)
class Report:
    """Everything a reporter needs: inputs, findings and counts."""

    project: str
    lock: LockInfo
    environment: EnvironmentInfo | None
    selection: Selection | None
    findings: tuple[Finding, ...]
    required: int = 0
    integrity: bool = False
    files_checked: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The selection as ``poetry sync`` options (" --with docs"), for hints.
    sync_options: str = ""
    #: `` -C DIR`` when a command run here would not find the project, for hints.
    directory_option: str = ""
    #: The ``--python`` checked when it is not the project's environment, for hints
    #: (``poetry sync`` would change the project's environment, not this one).
    other_environment: str = ""
    #: Whether ``other_environment`` is a virtualenv (repair can install into it).
    other_is_venv: bool = False
    #: The names of the locked packages the selection requires (what repair may
    #: reinstall); empty when not known.
    required_names: frozenset[str] = frozenset()
    #: What ``-v`` shows: where the environment was found and why, which selection
    #: and why, how long each step took.
    trace: tuple[str, ...] = field(default_factory=tuple)

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
