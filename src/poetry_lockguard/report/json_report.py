"""JSON output: stdout holds only this document (see report/schema.json)."""

from __future__ import annotations

import json
import socket

from datetime import datetime
from datetime import timezone

from poetry_lockguard.report.model import SCHEMA_VERSION


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from poetry_lockguard.report.model import Report


class JsonReporter:
    """Render a Report as a JSON document following ``schema.json``.

    ``host`` and ``now`` default to this machine's name and the current time (UTC): a
    fleet's reports are told apart and dated by them.
    """

    def __init__(self, host: str | None = None, now: datetime | None = None) -> None:
        self._host = host
        self._now = now

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
            "host": self._host if self._host is not None else socket.gethostname(),
            "generated_at": _timestamp(self._now),
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
            "notes": list(report.notes),
            "findings": [f.as_dict() for f in report.findings],
            "summary": {
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "infos": len(report.infos),
                "required": report.required,
                "integrity": report.integrity,
                "files_checked": report.files_checked,
                "by_code": report.counts(),
            },
        }


def _timestamp(now: datetime | None) -> str:
    """``now`` (default: the current time) as RFC 3339 UTC with seconds, e.g.
    ``2025-01-31T12:00:00Z``."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
