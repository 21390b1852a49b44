"""Compare the ``--format json`` reports of many machines.

Machines whose check passed are grouped by environment fingerprint (same packages at the
same versions); every other machine is listed with what differs: package, expected,
found and finding code. A report that says the check could not run (exit 2) makes its
machine differ too. Reading is streaming and cheap: one ``json.loads`` per file and
nothing else, so a thousand reports take about what printing them would.
"""

from __future__ import annotations

import json
import re

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.errors import LockguardError


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Sequence
    from pathlib import Path


class FleetReportError(LockguardError):
    """A report file that cannot be read or is not a lockguard JSON report."""


@dataclass(frozen=True)
class Difference:
    """One finding on one machine, as the fleet table shows it."""

    code: str
    severity: str
    package: str | None
    expected: str | None
    found: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        """A JSON-ready mapping."""
        return {
            "code": self.code,
            "severity": self.severity,
            "package": self.package,
            "expected": self.expected,
            "found": self.found,
            "message": self.message,
        }


@dataclass(frozen=True)
class Machine:
    """One machine's report: who, when, against which lock, and what it found."""

    name: str
    source: str
    host: str | None
    generated_at: str | None
    ok: bool
    fingerprint: str | None
    lock_hash: str | None
    error: str | None
    differences: tuple[Difference, ...]
    #: The report's schema_version: fingerprints of reports of two versions are never
    #: equal (2 covers file contents under --integrity, 1 only versions).
    schema_version: int = 2


@dataclass(frozen=True)
class MatchingGroup:
    """Machines that match the lock and share one fingerprint."""

    fingerprint: str | None
    lock_hash: str | None
    machines: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """The fleet: matching machines grouped by fingerprint, and the differing ones."""

    machines: int
    matching: tuple[MatchingGroup, ...]
    differing: tuple[Machine, ...]
    lock_hashes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every machine matches the lock."""
        return not self.differing


def report_files(paths: Sequence[Path]) -> list[Path]:
    """The report files named by ``paths``: files as given, directories' ``*.json``
    files in name order. FleetReportError for a path that does not exist."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise FleetReportError(f"{path}: not a regular file or directory")
        else:
            raise FleetReportError(f"{path}: no such report file or directory")
    return files


def read_machine(path: Path, name: str) -> Machine:
    """Read one report file; FleetReportError when it is not a lockguard JSON report.

    The fields ``compare`` reads are checked against the shipped schema's types before
    any is used (a field it does not read, or a code it does not know, is a newer
    lockguard's and is let through), and JSON nested deeper than any report is refused
    before the parser's recursion runs out.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FleetReportError(f"{path}: cannot read ({e.strerror or e})") from e
    try:
        document = json.loads(data)
    except RecursionError as e:
        raise FleetReportError(f"{path}: not JSON (nested too deeply)") from e
    except ValueError as e:
        raise FleetReportError(f"{path}: not JSON ({e})") from e
    problem = report_problem(document)
    if problem:
        raise FleetReportError(f"{path}: not a lockguard JSON report ({problem})")
    return _machine(document, path, name)


#: What each field ``compare`` reads may hold, as the shipped schema.json says:
#: (field, allowed JSON types, required). A finding's strings are read as its own table.
_STRING = ("string",)
_NULLABLE_STRING = ("string", "null")
_REPORT_FIELDS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("ok", ("boolean",), True),
    ("host", _NULLABLE_STRING, False),
    ("generated_at", _NULLABLE_STRING, False),
    ("findings", ("array",), True),
    ("environment", ("object", "null"), False),
    ("lock", ("object", "null"), False),
    ("error", ("object", "null"), False),
)
_FINDING_FIELDS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("code", _STRING, True),
    ("severity", _STRING, True),
    ("package", _NULLABLE_STRING, False),
    ("expected", _NULLABLE_STRING, False),
    ("found", _NULLABLE_STRING, False),
    ("message", _STRING, False),
)
_SEVERITIES = ("error", "warning", "info")
#: The report layouts compare reads (1: the fingerprint covers versions only).
_VERSIONS = (1, 2)
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")


def report_problem(document: object) -> str:
    """Why ``document`` is not a lockguard JSON report ``compare`` can read, or "".

    Checks ``schema_version`` (the integer 1 or 2), the type of every field compare
    reads, and that ``ok`` does not contradict the findings; the message names the
    first field that is wrong.
    """
    if not isinstance(document, dict):
        return f"the document is {_kind(document)}, not an object"
    version = document.get("schema_version")
    if type(version) is not int or version not in _VERSIONS:
        if "schema_version" not in document:
            shown = "missing"
        elif isinstance(version, (bool, int, float)):
            shown = json.dumps(version)
        else:
            shown = _kind(version)
        return f"schema_version is {shown}, not 1 or 2"
    problem = _fields(document, _REPORT_FIELDS, "")
    if problem:
        return problem
    env = document.get("environment") or {}
    fingerprint = env.get("fingerprint")
    if not isinstance(fingerprint, (str, type(None))):
        return f"environment.fingerprint is {_kind(fingerprint)}, not a string"
    if isinstance(fingerprint, str) and not _FINGERPRINT.fullmatch(fingerprint):
        return "environment.fingerprint is not sha256: and 64 hex digits"
    lock = document.get("lock") or {}
    problem = _fields(lock, (("content_hash", _NULLABLE_STRING, False),), "lock.")
    if problem:
        return problem
    error = document.get("error")
    if error is not None:
        problem = _fields(error, (("message", _STRING, True),), "error.")
        if problem:
            return problem
    for i, f in enumerate(document["findings"]):
        where = f"findings[{i}]"
        if not isinstance(f, dict):
            return f"{where} is {_kind(f)}, not an object"
        problem = _fields(f, _FINDING_FIELDS, where + ".")
        if problem:
            return problem
        if f["severity"] not in _SEVERITIES:
            return f"{where}.severity is not one of error, warning, info"
        if f["severity"] == "error" and document["ok"] is True:
            return f"ok is true, but {where} is an error"
    if document["ok"] is True and error is not None:
        return "ok is true, but the report has an error"
    return ""


def _fields(
    mapping: dict[str, Any], fields: tuple[tuple[str, tuple[str, ...], bool], ...], where: str
) -> str:
    for key, allowed, required in fields:
        if key not in mapping:
            if required:
                return f"{where}{key} is missing"
            continue
        kind = _json_type(mapping[key])
        if kind not in allowed:
            wanted = " or ".join(_ARTICLES[a] for a in allowed)
            return f"{where}{key} is {_ARTICLES[kind]}, not {wanted}"
    return ""


_ARTICLES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _kind(value: object) -> str:
    return _ARTICLES[_json_type(value)]


def _machine(document: dict[str, Any], path: Path, name: str) -> Machine:
    error = document.get("error")
    env = document.get("environment") or {}
    lock = document.get("lock") or {}
    differences = tuple(
        Difference(
            code=f["code"],
            severity=f["severity"],
            package=f.get("package"),
            expected=f.get("expected"),
            found=f.get("found"),
            message=f.get("message", ""),
        )
        for f in document["findings"]
    )
    return Machine(
        name=name,
        source=str(path),
        host=document.get("host"),
        generated_at=document.get("generated_at"),
        ok=document["ok"] and error is None,
        fingerprint=env.get("fingerprint"),
        lock_hash=lock.get("content_hash"),
        error=None if error is None else error["message"],
        differences=differences,
        schema_version=document["schema_version"],
    )


def machine_names(files: Sequence[Path]) -> list[str]:
    """A name per report: the file's stem (``web-1.json`` is ``web-1``), or its path
    where two files share a stem."""
    stems = [f.stem for f in files]
    seen = Counter(stems)
    return [stem if seen[stem] == 1 else str(f) for stem, f in zip(stems, files)]


def compare(machines: Iterable[Machine]) -> Comparison:
    """Group the passing machines by fingerprint and list the others with their
    findings; machines keep their order within each part."""
    groups: dict[tuple[str | None, str | None, int], list[str]] = {}
    differing: list[Machine] = []
    hashes: set[str] = set()
    count = 0
    for machine in machines:
        count += 1
        if machine.lock_hash:
            hashes.add(machine.lock_hash)
        if machine.ok:
            key = (machine.fingerprint, machine.lock_hash, machine.schema_version)
            groups.setdefault(key, []).append(machine.name)
        else:
            differing.append(machine)
    matching = tuple(
        MatchingGroup(fingerprint=fp, lock_hash=lock, machines=tuple(names))
        for (fp, lock, _), names in sorted(
            groups.items(), key=lambda item: (-len(item[1]), item[0][0] or "")
        )
    )
    return Comparison(
        machines=count,
        matching=matching,
        differing=tuple(differing),
        lock_hashes=tuple(sorted(hashes)),
    )


def compare_paths(paths: Sequence[Path]) -> Comparison:
    """Read the reports under ``paths`` and compare them; FleetReportError when a path
    is missing, a file is not a report, or there is no report at all."""
    files = report_files(paths)
    if not files:
        raise FleetReportError(f"{', '.join(str(p) for p in paths)}: no *.json report found")
    names = machine_names(files)
    return compare(read_machine(f, n) for f, n in zip(files, names))


def exit_code(comparison: Comparison) -> int:
    """0 when every machine matches the lock, 1 when any differs."""
    return 0 if comparison.ok else 1
