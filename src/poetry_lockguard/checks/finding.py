"""A Finding: one deviation, with a stable kebab-case code that is the public contract."""

from __future__ import annotations

from enum import Enum

from poetry_lockguard.structs import dataclass


class Severity(str, Enum):
    """Errors fail the check (exit 1); warnings are reported and allowed; info says
    something worth knowing that is not a deviation (never the exit code, not even
    with ``--strict``)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: Every code lockguard can report, with its default severity and a one-line meaning.
CODES: dict[str, tuple[Severity, str]] = {
    "lock-missing": (Severity.ERROR, "there is no poetry.lock"),
    "lock-stale": (Severity.ERROR, "poetry.lock's content-hash does not match pyproject.toml"),
    "unhashed": (Severity.ERROR, "a package that must be hashed has no hashes in the lock"),
    "weak-hash": (Severity.ERROR, "a package's only hashes use md5 or sha1"),
    "unpinned-vcs": (Severity.ERROR, "a git package is not pinned to a full commit"),
    "ambiguous-lock": (Severity.WARNING, "a package is locked more than once for this environment"),
    "python-unsupported": (
        Severity.WARNING,
        "the interpreter's version is outside the project's Python constraint",
    ),
    "missing": (Severity.ERROR, "required by the lock, not installed"),
    "version-mismatch": (Severity.ERROR, "installed at another version than locked"),
    "extraneous": (Severity.ERROR, "installed, not required by the selection"),
    "unselected": (
        Severity.WARNING,
        "installed at its locked version, but its group or extra is not selected",
    ),
    "source-mismatch": (Severity.ERROR, "installed from another source than locked"),
    "invalid-distribution": (Severity.ERROR, "an installed distribution's metadata is unreadable"),
    "metadata-mismatch": (
        Severity.ERROR,
        "a dist-info's directory name and METADATA name different packages or versions",
    ),
    "duplicate-distribution": (Severity.ERROR, "a package is installed more than once"),
    "hash-mismatch": (Severity.ERROR, "a downloaded artifact's hash is not in the lock"),
    "sdist-fallback": (
        Severity.ERROR,
        "an sdist would be built though a compatible wheel is locked",
    ),
    "build-refused": (
        Severity.ERROR,
        "a package would be built from source and the build policy refuses it",
    ),
    "file-modified": (Severity.ERROR, "an installed file differs from its RECORD entry"),
    "file-missing": (Severity.ERROR, "a file listed in RECORD is not installed"),
    "record-missing": (Severity.ERROR, "a distribution has no RECORD"),
    "record-invalid": (Severity.ERROR, "a RECORD row is malformed or unsafe"),
    "record-unhashed": (
        Severity.WARNING,
        "a RECORD row has no hash, so its file cannot be verified",
    ),
    "unattested": (Severity.WARNING, "an installed package has no install receipt"),
    "artifact-not-locked": (Severity.ERROR, "the receipt's artifact hash is not in the lock"),
    "built-from-source": (
        Severity.ERROR,
        "installed from an sdist though a compatible wheel is locked",
    ),
    "source-built": (
        Severity.INFO,
        "built from an sdist: poetry.lock has no wheel this environment can install",
    ),
}


#: Codes a reinstall of the package from a verified archive fixes, and Poetry's own
#: ``sync`` does not (it sees the right version and does nothing): what ``repair`` does.
REINSTALL_CODES = frozenset(
    {
        "file-modified",
        "file-missing",
        "record-missing",
        "record-invalid",
        "record-unhashed",
        "unattested",
        "artifact-not-locked",
        "built-from-source",
        "source-mismatch",
        "invalid-distribution",
        "metadata-mismatch",
        "duplicate-distribution",
    }
)


@dataclass(frozen=True)
class Finding:
    """One deviation between the lock, the policy and the environment.

    ``expected`` and ``found`` hold the two sides (a version, a source, a digest);
    ``line`` is the package's line in poetry.lock where there is one, ``path`` the
    file concerned for integrity findings.
    """

    code: str
    package: str | None
    message: str
    expected: str | None = None
    found: str | None = None
    line: int | None = None
    path: str | None = None
    severity: Severity = Severity.ERROR

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


def finding(code: str, package: str | None, message: str, **fields: object) -> Finding:
    """A Finding of ``code`` with the code's default severity unless one is given."""
    severity = fields.pop("severity", None) or CODES[code][0]
    return Finding(code=code, package=package, message=message, severity=severity, **fields)  # type: ignore[arg-type]
