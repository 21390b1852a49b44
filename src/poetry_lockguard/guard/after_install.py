"""After a good install: the environment checked against poetry.lock, as ``check`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import hint
from poetry_lockguard.guard.refusal import finding_lines


if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.selection import SelectionRequest


def check_after_install(
    project_dir: Path,
    python: Path,
    interpreter: Interpreter | None,
    selection: SelectionRequest,
    locked: Collection[str] | None,
) -> list[Finding]:
    """The check's findings for ``selection``. With ``locked`` (add/update/remove, which
    install the default groups and leave other locked groups' packages in place), an
    ``extraneous`` package that the lock holds is not drift the command caused."""
    from poetry_lockguard.app import CheckOptions
    from poetry_lockguard.app import run_check

    report = run_check(
        CheckOptions(
            project_dir=project_dir,
            python=python,
            selection=selection,
            recorded_selection=False,
        ),
        interpreter=interpreter,
    )
    findings = list(report.findings)
    if run_sync():
        findings = [f for f in findings if f.code != "extraneous"]
    if locked is not None:
        findings = [f for f in findings if not (f.code == "extraneous" and f.package in locked)]
    return findings


def run_sync() -> bool:
    """True for the ``poetry install`` that ``on-run = "sync"`` runs: it installs what is
    missing and removes nothing, and ``poetry run`` reports what is extraneous after it."""
    import os

    from poetry_lockguard.guard.run import RUN_SYNC_VARIABLE

    return os.environ.get(RUN_SYNC_VARIABLE) == "1"


def drift_lines(
    findings: list[Finding],
    reported: Collection[tuple[str, str | None]],
    command_line: str,
    selection: SelectionRequest,
) -> list[str]:
    """The message for error findings not ``reported`` already: a head line, one line
    a finding and a hint; empty when there are none."""
    errors = [
        f for f in findings if f.severity is Severity.ERROR and (f.code, f.package) not in reported
    ]
    if not errors:
        return []
    head = (
        f"lockguard: after `{command_line}` the environment does not match"
        f" poetry.lock ({len(errors)} error{'s' if len(errors) != 1 else ''})"
    )
    options = selection.as_poetry_options()
    fix = next((text for f in errors if (text := hint(f.code, options))), "")
    lines = [head, *finding_lines(errors)]
    if fix:
        lines.append(f"Hint: {fix}")
    return lines
