"""Markdown output: a heading, a summary line and one table row per finding.

For pull-request comments and GitHub's job summary (``$GITHUB_STEP_SUMMARY``), where
GitHub-Flavored Markdown tables are rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.findings import Severity
from poetry_lockguard.report.text import counted


if TYPE_CHECKING:
    from poetry_lockguard.report.model import Report


class MarkdownReporter:
    """Render a Report as GitHub-Flavored Markdown."""

    def render(self, report: Report) -> str:
        """A level-3 heading, the summary and, when there are findings, a table."""
        env = report.environment
        target = (
            "the lock"
            if env is None
            else f"`{env.path.replace('`', '')}` (Python {env.python_version})"
        )
        errors, warnings = len(report.errors), len(report.warnings)
        infos = f", {len(report.infos)} info" if report.infos else ""
        if report.ok:
            head = f"### ✅ lockguard: {target} matches poetry.lock"
        elif env is not None and report.lock_problem:
            head = f"### ❌ lockguard: {report.lock_problem}; {target} matches the lock"
        else:
            head = f"### ❌ lockguard: {target} does not match poetry.lock"
        lock = f"lock-version {report.lock.version}" if report.lock.version else "no lock"
        scope = ""
        if report.selection is not None:
            groups = ", ".join(sorted(report.selection.groups)) or "none"
            extras = ", ".join(sorted(report.selection.extras)) or "none"
            scope = f"; groups: {groups}; extras: {extras}"
        lines = [
            head,
            "",
            (
                f"{counted(errors, 'error')}, {counted(warnings, 'warning')}{infos};"
                f" {counted(report.required, 'locked package')} checked ({lock}){scope}."
            ),
        ]
        if env is not None:
            lines += ["", f"Fingerprint `{env.fingerprint}`"]
        if report.findings:
            lines += [
                "",
                "| | code | package | expected | found | poetry.lock line | message |",
                "|---|---|---|---|---|---|---|",
            ]
            for f in report.findings:
                icon = _ICONS[f.severity]
                lines.append(
                    f"| {icon} | `{f.code}` | {cell(f.package)} | {cell(f.expected)}"
                    f" | {cell(f.found)} | {f.line or ''} | {cell(f.message)} |"
                )
        return "\n".join(lines) + "\n"


#: The mark of each severity in the table.
_ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def cell(text: str | None) -> str:
    """``text`` safe inside a table cell: pipes escaped, newlines flattened, and
    Markdown's inline syntax in package names and versions left inert."""
    if text is None:
        return ""
    for ch in ("\\", "|", "*", "_", "`", "<", ">", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def error_markdown(message: str) -> str:
    """The Markdown for a check that could not run (exit 2)."""
    return f"### ⚠️ lockguard could not check\n\n{cell(message)}\n"
