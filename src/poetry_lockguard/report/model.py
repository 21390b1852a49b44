"""The Report a check produces: what was checked and what was found."""

from __future__ import annotations

from poetry_lockguard.findings import Severity
from poetry_lockguard.structs import dataclass
from poetry_lockguard.structs import field


TYPE_CHECKING = False
if TYPE_CHECKING:
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.selection import Selection

SCHEMA_VERSION = 1


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
    def ok(self) -> bool:
        """True when there is no error finding."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        """Number of findings per code, sorted by code."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.code] = counts.get(f.code, 0) + 1
        return dict(sorted(counts.items()))
