"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

import os

from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import code_order
from poetry_lockguard.report.bound import bounded
from poetry_lockguard.report.bound import more_line
from poetry_lockguard.report.style import neutralise
from poetry_lockguard.report.text import counted


if TYPE_CHECKING:
    from poetry_lockguard.report.model import Report


class GithubReporter:
    """Render findings as ``::error file=poetry.lock,line=N,title=...::message`` lines."""

    def render(self, report: Report) -> str:
        """One workflow command per finding and a plain summary line."""
        lock_file = _relative(report.lock.path)
        lines = []
        shown, left_out = bounded(report.findings)
        for f in shown:
            level = _LEVELS[f.severity]
            props = [f"file={_prop(lock_file)}"]
            if f.line:
                props.append(f"line={f.line}")
            title = f"lockguard {f.code}" + (f": {f.package}" if f.package else "")
            props.append(f"title={_prop(title)}")
            lines.append(f"::{level} {','.join(props)}::{_data(f.message)}")
        lines += [
            neutralise(more_line(count, code, "--format json or --format sarif"))
            for code, count in sorted(left_out.items(), key=lambda i: code_order(i[0]))
        ]
        errors, warnings = len(report.errors), len(report.warnings)
        state = "ok" if report.ok else "failed"
        notices = f", {counted(len(report.infos), 'notice')}" if report.infos else ""
        lines.append(
            f"lockguard {state}: {counted(errors, 'error')}, {counted(warnings, 'warning')}{notices},"
            f" {counted(report.required, 'locked package')} checked"
        )
        return "\n".join(lines) + "\n"


#: The workflow command of each severity.
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def error_annotation(message: str) -> str:
    """The annotation for a check that could not run (exit 2)."""
    return f"::error title={_prop('lockguard could not check')}::{_data(message)}\n"


def _relative(path: str) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return path


def _data(text: str) -> str:
    # Newlines are the workflow command's own escapes; other control characters
    # (terminal escape sequences in a package's METADATA) are written out inert.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return neutralise(text)


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
