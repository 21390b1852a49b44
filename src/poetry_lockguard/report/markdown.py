"""Markdown output: a heading, a summary line and one table row per finding.

For pull-request comments and GitHub's job summary (``$GITHUB_STEP_SUMMARY``), where
GitHub-Flavored Markdown tables are rendered.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import code_order
from poetry_lockguard.report.bound import bounded
from poetry_lockguard.report.bound import more_line
from poetry_lockguard.report.style import neutralise
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
            else f"{code_span(env.path)} (Python {cell(env.python_version)})"
        )
        errors, warnings = len(report.errors), len(report.warnings)
        infos = f", {len(report.infos)} info" if report.infos else ""
        if report.ok:
            head = f"### ✅ lockguard: {target} matches poetry.lock"
        elif env is not None and report.lock_problem:
            head = f"### ❌ lockguard: {cell(report.lock_problem)}; {target} matches the lock"
        else:
            head = f"### ❌ lockguard: {target} does not match poetry.lock"
        lock = f"lock-version {report.lock.version}" if report.lock.version else "no lock"
        scope = ""
        if report.selection is not None:
            groups = cell(", ".join(sorted(report.selection.groups))) or "none"
            extras = cell(", ".join(sorted(report.selection.extras))) or "none"
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
            shown, left_out = bounded(report.findings)
            for f in shown:
                icon = _ICONS[f.severity]
                lines.append(
                    f"| {icon} | {code_span(f.code)} | {cell(f.package)} | {cell(f.expected)}"
                    f" | {cell(f.found)} | {f.line or ''} | {cell(f.message)} |"
                )
            if left_out:
                lines.append("")
                lines += [
                    cell(more_line(count, code)) + "  "
                    for code, count in sorted(left_out.items(), key=lambda i: code_order(i[0]))
                ]
                lines[-1] = lines[-1].rstrip()
        return "\n".join(lines) + "\n"


#: The mark of each severity in the table.
_ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def cell(text: str | None) -> str:
    """``text`` safe inside a table cell: newlines flattened, control characters
    written as escapes (as in the text format: the Markdown is read in terminals
    too), pipes escaped, and Markdown's inline syntax in package names and versions
    left inert."""
    if text is None:
        return ""
    text = neutralise(" ".join(text.split()))
    for ch in ("\\", "|", "*", "_", "`", "<", ">", "[", "]", "&", "~"):
        text = text.replace(ch, "\\" + ch)
    return text


def code_span(text: str) -> str:
    """``text`` as an inline code span, shown as it is: one line, control characters
    written as escapes, and fenced with one backtick more than its longest run of
    them (CommonMark's rule), so nothing in it ends the span."""
    text = neutralise(" ".join(text.split()))
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def error_markdown(message: str) -> str:
    """The Markdown for a check that could not run (exit 2)."""
    return f"### ⚠️ lockguard could not check\n\n{cell(message)}\n"
