"""The output formats by name."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Protocol


if TYPE_CHECKING:
    from poetry_lockguard.report.model import Report

FORMATS = ("text", "json", "github")


class Reporter(Protocol):
    """Anything that turns a Report into a string."""

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
    from poetry_lockguard.report.text import TextReporter

    return TextReporter(sync_options)
