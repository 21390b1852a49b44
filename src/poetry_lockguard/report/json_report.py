"""JSON output: stdout holds only this document (see report/schema.json)."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.report.model import SCHEMA_VERSION


if TYPE_CHECKING:
    from poetry_lockguard.report.model import Report


class JsonReporter:
    """Render a Report as a JSON document following ``schema.json``."""

    def render(self, report: Report) -> str:
        """The report as indented JSON with a trailing newline."""
        return json.dumps(self.document(report), indent=2) + "\n"

    def document(self, report: Report) -> dict[str, Any]:
        """The report as a JSON-ready mapping."""
        env = report.environment
        return {
            "schema_version": SCHEMA_VERSION,
            "ok": report.ok,
            "project": report.project,
            "lock": {
                "path": report.lock.path,
                "version": report.lock.version,
                "content_hash": report.lock.content_hash,
                "fresh": report.lock.fresh,
                "packages": report.lock.packages,
            },
            "environment": None
            if env is None
            else {
                "path": env.path,
                "python": env.python,
                "python_version": env.python_version,
                "fingerprint": env.fingerprint,
                "packages": env.packages,
            },
            "selection": None if report.selection is None else report.selection.as_dict(),
            "findings": [f.as_dict() for f in report.findings],
            "summary": {
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "required": report.required,
                "integrity": report.integrity,
                "files_checked": report.files_checked,
                "by_code": report.counts(),
            },
        }
