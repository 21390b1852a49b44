"""After a good install: the environment checked against poetry.lock, as ``check`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import hint
from poetry_lockguard.plugin.refusal import finding_lines
from poetry_lockguard.report.text import counted


if TYPE_CHECKING:
    from collections.abc import Collection
    from collections.abc import Iterable
    from collections.abc import Mapping
    from pathlib import Path

    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.selection import SelectionRequest


def check_after_install(
    project_dir: Path,
    python: Path,
    interpreter: Interpreter | None,
    selection: SelectionRequest,
    locked: Collection[str] | None,
    lock: Lock | None = None,
) -> list[Finding]:
    """The check's findings for ``selection``. With ``locked`` (add/update/remove, which
    install the default groups and leave other locked groups' packages in place), an
    ``extraneous`` package that the lock holds is not drift the command caused.
    ``lock`` is poetry.lock as the guard read it before an install (not read again)."""
    from poetry_lockguard.commands.check import CheckOptions
    from poetry_lockguard.commands.check import run_check

    report = run_check(
        CheckOptions(
            project_dir=project_dir,
            python=python,
            selection=selection,
            recorded_selection=False,
        ),
        interpreter=interpreter,
        lock=lock,
    )
    findings = list(report.findings)
    if run_sync():
        # What only a removal fixes (extraneous, a seed package made an error).
        findings = [f for f in findings if CATALOGUE[f.code].repair != "remove"]
    if locked is not None:
        findings = [f for f in findings if not (f.code == "extraneous" and f.package in locked)]
    return findings


def run_sync() -> bool:
    """True for the ``poetry install`` that ``on-run = "sync"`` runs: it installs what is
    missing and removes nothing, and ``poetry run`` reports what is extraneous after it."""
    import os

    from poetry_lockguard.config import RUN_SYNC_VARIABLE

    return os.environ.get(RUN_SYNC_VARIABLE) == "1"


#: What a site directory holds per distribution: canonical name -> its metadata
#: directories' names (``name-version.dist-info``), as a fingerprint of what is installed.
InstalledEntries = dict[str, frozenset[str]]


def installed_entries(site_dirs: Iterable[Path]) -> InstalledEntries:
    """The metadata directories in ``site_dirs`` by distribution name: one directory
    listing each, no file read (the state before a command, compared after it)."""
    import os

    from poetry_lockguard.names import canonicalize_name

    found: dict[str, set[str]] = {}
    for site in dict.fromkeys(site_dirs):
        try:
            entries = list(os.scandir(site))
        except OSError:
            continue
        for entry in entries:
            stem, dot, suffix = entry.name.rpartition(".")
            if dot and suffix.lower() in ("dist-info", "egg-info"):
                name = canonicalize_name(stem.partition("-")[0])
                found.setdefault(name, set()).add(f"{site}/{entry.name}")
    return {name: frozenset(dirs) for name, dirs in found.items()}


def preexisting(
    findings: Iterable[Finding],
    before: Mapping[str, frozenset[str]],
    after: Mapping[str, frozenset[str]],
    touched: Collection[str],
) -> list[Finding]:
    """The findings about a package that was installed before the command, just as it
    is after it, and that no operation of the command installed, updated or removed:
    drift the command found, not drift it made."""
    from poetry_lockguard.names import canonicalize_name

    result = []
    for f in findings:
        if not f.package:
            continue
        name = canonicalize_name(f.package)
        if name not in touched and before.get(name) and before.get(name) == after.get(name):
            result.append(f)
    return result


def drift_lines(
    findings: list[Finding],
    reported: Collection[tuple[str, str | None]],
    command_line: str,
    selection: SelectionRequest,
    before: Collection[Finding] = (),
    directory: str = "",
) -> tuple[list[str], list[str]]:
    """The messages for error findings not ``reported`` already: (the drift the command
    left, the drift that was there before it and that it did not touch); each a head
    line, one line a finding and a hint, or empty when there is none."""
    errors = [
        f for f in findings if f.severity is Severity.ERROR and (f.code, f.package) not in reported
    ]
    new = [f for f in errors if f not in before]
    old = [f for f in errors if f in before]
    options = selection.as_poetry_options() + directory
    made: list[str] = []
    if new:
        made = [
            (
                f"lockguard: after `{command_line}` the environment does not match"
                f" poetry.lock ({counted(len(new), 'error')})"
            ),
            *finding_lines(new),
            *_hint_line(new, options, directory),
        ]
    found: list[str] = []
    if old:
        head = (
            f"the environment already differed from poetry.lock before `{command_line}`"
            if new
            else f"`{command_line}` succeeded; the environment already differed from"
            " poetry.lock before it"
        )
        found = [
            f"lockguard: {head} ({counted(len(old), 'warning')}, not caused by this command):",
            *finding_lines(old),
            *_hint_line(old, options, directory),
        ]
    return made, found


def _hint_line(findings: list[Finding], options: str, directory: str) -> list[str]:
    fix = next((text for f in findings if (text := hint(f.code, options, directory))), "")
    return [f"Hint: {fix}"] if fix else []
