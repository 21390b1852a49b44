"""SARIF 2.1.0 output, for code scanning (GitHub's upload-sarif and other SARIF viewers).

One rule per finding code (all of them, so the rule table is the same on every run),
one result per finding, located at the package's line in poetry.lock.
"""

from __future__ import annotations

import hashlib
import json
import os

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard import __version__
from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import hint


if TYPE_CHECKING:
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.report.model import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/poetry-lockguard/poetry-lockguard"
HELP_URI = INFORMATION_URI + "/blob/main/docs/check.md#findings"


def rule_help(code: str) -> str:
    """What to run or do about a finding of ``code``, as one sentence."""
    text = hint(code) or "run `poetry lockguard check` and see docs/check.md"
    return text[0].upper() + text[1:] + "."


def _rule_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("-"))


def _level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(severity, "note")


class SarifReporter:
    """Render a Report as a SARIF 2.1.0 log with one run."""

    def render(self, report: Report) -> str:
        """The SARIF log as indented JSON with a trailing newline."""
        return json.dumps(self.document(report), indent=2) + "\n"

    def document(self, report: Report) -> dict[str, Any]:
        """The SARIF log as a JSON-ready mapping."""
        codes: list[str] = list(CATALOGUE)
        for f in report.findings:  # a code the table does not know still gets a rule
            if f.code not in codes:
                codes.append(f.code)
        index = {code: i for i, code in enumerate(codes)}
        lock_uri = _relative_uri(report.lock.path)
        pyproject_uri = _relative_uri(str(Path(report.project) / "pyproject.toml"))
        results = [_result(f, index[f.code], lock_uri, pyproject_uri) for f in report.findings]
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": _driver([_rule(code) for code in codes])},
                    "automationDetails": {"id": "poetry-lockguard/"},
                    "results": results,
                    "properties": _properties(report),
                }
            ],
        }


def _rule(code: str) -> dict[str, Any]:
    info = CATALOGUE.get(code)  # type: ignore[call-overload]
    severity, meaning = (
        (info.severity, info.meaning) if info is not None else (Severity.ERROR, code)
    )
    help_text = rule_help(code)
    return {
        "id": code,
        "name": _rule_name(code),
        "shortDescription": {"text": f"{code}: {meaning}"},
        "fullDescription": {"text": meaning[0].upper() + meaning[1:] + "."},
        "help": {"text": help_text, "markdown": help_text},
        "helpUri": f"{HELP_URI}",
        "defaultConfiguration": {"level": _level(severity)},
        "properties": {"tags": ["supply-chain", "poetry.lock"]},
    }


def _result(f: Finding, rule_index: int, lock_uri: str, pyproject_uri: str) -> dict[str, Any]:
    # lock-missing has no poetry.lock to point into: the project's pyproject.toml.
    uri = pyproject_uri if f.code == "lock-missing" else lock_uri
    identity = "\0".join([f.code, f.package or "", f.path or ""])
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _level(f.severity),
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": f.line or 1},
                }
            }
        ],
        "partialFingerprints": {
            "lockguardFinding/v1": hashlib.sha256(identity.encode()).hexdigest()
        },
        "properties": {
            "package": f.package,
            "expected": f.expected,
            "found": f.found,
        },
    }
    if f.path:
        result["properties"]["path"] = f.path
    return result


def _properties(report: Report) -> dict[str, Any]:
    env = report.environment
    return {
        "ok": report.ok,
        "lockVersion": report.lock.version,
        "environment": None if env is None else env.path,
        "fingerprint": None if env is None else env.fingerprint,
        "required": report.required,
    }


def _relative_uri(path: str) -> str:
    """``path`` relative to the working directory (the repository root in CI), as a URI
    reference with forward slashes; absolute when it is elsewhere."""
    try:
        relative = os.path.relpath(path, Path.cwd())
    except ValueError:
        return Path(path).as_uri()
    if relative.startswith(".."):
        return Path(path).as_uri()
    return Path(relative).as_posix()


def _driver(rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    driver: dict[str, Any] = {
        "name": "poetry-lockguard",
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
    }
    if rules is not None:
        driver["rules"] = rules
    return driver


def error_log(message: str) -> str:
    """The SARIF log for a check that could not run (exit 2): a failed invocation."""
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver()},
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "exitCode": 2,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": message}}
                        ],
                    }
                ],
                "results": [],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
