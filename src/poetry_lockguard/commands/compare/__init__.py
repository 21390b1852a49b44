"""The fleet view: many machines' JSON reports compared in one table."""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def compare_reports(paths: Sequence[Path], fmt: str = "text") -> tuple[str, str, int]:
    """What ``compare`` writes, for both entry points: (stdout, stderr, exit code).

    Exit 0 when every machine matches the lock, 1 when any differs, 2 when the reports
    cannot be read (one line on stderr; a JSON error document on stdout with ``json``).
    """
    from poetry_lockguard.commands.compare.fleet import FleetReportError
    from poetry_lockguard.commands.compare.fleet import compare_paths
    from poetry_lockguard.commands.compare.fleet import exit_code
    from poetry_lockguard.commands.compare.render import render
    from poetry_lockguard.commands.compare.render import render_error
    from poetry_lockguard.report.style import neutralise

    try:
        comparison = compare_paths(paths)
    except FleetReportError as e:
        # The message names a file (and quotes a field) of the reports: shown inert.
        return render_error(fmt, str(e)), f"lockguard: {neutralise(str(e))}\n", 2
    return render(comparison, fmt), "", exit_code(comparison)
