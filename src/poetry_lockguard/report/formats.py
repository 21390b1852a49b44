"""The output formats by name."""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    from poetry_lockguard.report.model import Report

FORMATS = ("text", "json", "github", "sarif", "markdown")


if TYPE_CHECKING:

    class Reporter(Protocol):
        """Anything that turns a Report into a string (for annotations only: a check
        need not import typing)."""

        def render(self, report: Report) -> str:
            """The report in this reporter's format."""
            ...


def reporter_for(name: str, sync_options: str = "") -> Reporter:
    """The reporter for ``name`` (one of FORMATS)."""
    if name == "json":
        from poetry_lockguard.report.json_report import JsonReporter

        return JsonReporter()
    if name == "github":
        from poetry_lockguard.report.github import GithubReporter

        return GithubReporter()
    if name == "sarif":
        from poetry_lockguard.report.sarif import SarifReporter

        return SarifReporter()
    if name == "markdown":
        from poetry_lockguard.report.markdown import MarkdownReporter

        return MarkdownReporter()
    from poetry_lockguard.report.text import TextReporter

    return TextReporter(sync_options)


def render_error(name: str, message: str) -> str:
    """What stdout gets in format ``name`` when the check could not run (exit 2).

    The machine formats never go silent: JSON gets a document with an ``error`` object,
    GitHub an ``::error`` annotation; the text format leaves stdout empty (the one-line
    error goes to stderr).
    """
    if name == "json":
        import json

        from poetry_lockguard.report.model import SCHEMA_VERSION

        document = {
            "schema_version": SCHEMA_VERSION,
            "ok": False,
            "error": {"message": message},
            "findings": [],
        }
        return json.dumps(document, indent=2) + "\n"
    if name == "github":
        from poetry_lockguard.report.github import error_annotation

        return error_annotation(message)
    if name == "sarif":
        from poetry_lockguard.report.sarif import error_log

        return error_log(message)
    if name == "markdown":
        from poetry_lockguard.report.markdown import error_markdown

        return error_markdown(message)
    return ""
