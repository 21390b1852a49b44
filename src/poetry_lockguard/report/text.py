"""Text output in Poetry's look: grouped findings, a summary line and a hint."""

from __future__ import annotations

from pathlib import Path

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import INSTALLING
from poetry_lockguard.findings import Remedy
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import code_order
from poetry_lockguard.findings import codes_where
from poetry_lockguard.findings import hint
from poetry_lockguard.report.bound import bounded
from poetry_lockguard.report.bound import more_line
from poetry_lockguard.report.style import escape_tags
from poetry_lockguard.report.style import neutralise


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.report.model import Report

#: Codes whose hint is `lockguard repair`, which also does what `poetry sync` would.
_REPAIR_HINTED = codes_where(remedy=Remedy.REPAIR)
#: Codes shown one file a line, as ``rpm -V`` does: what differs, then the path.
_PER_FILE = codes_where(per_file=True)


#: The style of a code's heading, by its severity.
_HEADING_STYLES = {
    Severity.ERROR: "fg=red;options=bold",
    Severity.WARNING: "fg=yellow;options=bold",
    Severity.INFO: "fg=cyan;options=bold",
}


class TextReporter:
    """Render a Report for a terminal, with Poetry's ``<info>``/``<error>`` tags."""

    def __init__(self, sync_options: str = "") -> None:
        self._sync_options = sync_options

    def render(self, report: Report) -> str:
        """The report as tagged text (the console layer styles or strips the tags)."""
        lines: list[str] = []
        by_code: dict[str, list[str]] = {}
        shown, left_out = bounded(report.findings)
        for f in shown:
            if f.code in _PER_FILE:
                by_code.setdefault(f.code, []).append(_rpm_line(f))
                continue
            where = f"  <comment>(poetry.lock:{f.line})</comment>" if f.line else ""
            by_code.setdefault(f.code, []).append(f"  • {_safe(f.message)}{where}")
        for code in left_out:
            by_code.setdefault(code, [])
        # A heading takes the gravest severity its findings have (a policy can make a
        # code an error: seed-packages = "error"), else the catalogue's.
        rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        gravest: dict[str, Severity] = {}
        for f in report.findings:
            if f.code not in gravest or rank[f.severity] < rank[gravest[f.code]]:
                gravest[f.code] = f.severity
        for code in sorted(by_code, key=code_order):
            info = CATALOGUE.get(code)  # type: ignore[call-overload]
            severity = gravest.get(code) or (info.severity if info is not None else Severity.ERROR)
            style = _HEADING_STYLES[severity]
            total = len(by_code[code]) + left_out.get(code, 0)
            lines.append(f"<{style}>{code}</> ({total:,})")
            lines.extend(by_code[code])
            if code in left_out:
                lines.append(f"  <comment>{more_line(left_out[code], code)}</comment>")
            lines.append("")
        lines.extend(f"<comment>{_safe(note)}</comment>" for note in report.notes)
        lines.append(self._summary(report))
        hint = self._hint(report)
        if hint:
            lines.append(f"<comment>Hint: {hint}</comment>")
        return "\n".join(lines) + "\n"

    def _summary(self, report: Report) -> str:
        lock = (
            f"poetry.lock (lock-version {report.lock.version})"
            if report.lock.version
            else "poetry.lock"
        )
        target = _display_env(report)
        scope = ""
        if report.selection is not None:
            groups = _safe(", ".join(sorted(report.selection.groups))) or "none"
            extras = _safe(", ".join(sorted(report.selection.extras))) or "none"
            scope = f"; groups: {groups}; extras: {extras}"
        checked = f"{counted(report.required, 'locked package')} checked"
        if report.integrity:
            checked += f", {counted(report.files_checked, 'file')} verified"
        errors = counted(len(report.errors), "error")
        warnings = counted(len(report.warnings), "warning")
        infos = f", {len(report.infos)} info" if report.infos else ""
        if report.ok:
            mark = "<info>✓</info>"
            verdict = f"{target} matches {lock}" if report.environment else f"{lock} is sound"
            tail = f"{warnings}{infos}" if report.warnings else infos.removeprefix(", ")
            line = f"{mark} {verdict}: {checked}{scope}{f' ({tail})' if tail else ''}."
        else:
            verdict = (
                f"{target} does not match {lock}" if report.environment else f"{lock} has problems"
            )
            if report.environment and report.lock_problem:
                problem = report.lock_problem.replace("poetry.lock", lock)
                verdict = f"{problem}; {target} matches the lock"
            line = f"<error>✗ {verdict}</error>: {errors}, {warnings}{infos}; {checked}{scope}."
        if report.environment is not None:
            line += f"\n  fingerprint {report.environment.fingerprint}"
        return line

    def _hint(self, report: Report) -> str:
        return report_hint(report, self._sync_options)


def report_hint(report: Report, sync_options: str = "") -> str:
    """The one command that fixes the report's errors (its warnings when it has none),
    "" when no hint applies; ``sync_options`` when the report carries none.

    A hint that installs names the project (``-C DIR``) when it is not found from the
    current directory, and is not given for an environment Poetry would not install
    into: an interpreter outside the project's Python constraint, or not the
    project's environment (then it says so, and what does install there)."""
    codes = {f.code for f in report.errors} or {f.code for f in report.warnings}
    options = (report.sync_options or sync_options) + report.directory_option
    # `repair` also does what `poetry sync` would: one command for everything.
    repairable = sorted(codes & _REPAIR_HINTED, key=code_order)
    for code in repairable or sorted(codes, key=code_order):
        # Repair leaves an extraneous package in place unless told to remove it.
        remove = " --remove-extraneous" if repairable and "extraneous" in codes else ""
        text = hint(code, options + remove, report.directory_option)
        if not text:
            continue
        if code in INSTALLING:
            if any(f.code == "python-unsupported" for f in report.findings):
                # Poetry would look for another Python than the one checked.
                return hint("python-unsupported", directory=report.directory_option)
            if report.other_environment:
                return _other_environment_hint(report, codes, options)
        return text
    return ""


def _other_environment_hint(report: Report, codes: Collection[str], options: str) -> str:
    from shlex import quote

    python = quote(report.other_environment)
    if report.other_is_venv:
        remove = " --remove-extraneous" if "extraneous" in codes else ""
        return (
            f"{python} is not the project's environment (`poetry sync` changes only that"
            f" one): run `poetry lockguard repair --python {python}{options}{remove}` to"
            " install poetry.lock's packages into it, verified"
        )
    return (
        f"{python} is neither the project's environment nor a virtualenv, and Poetry"
        " installs only into those: make one from it with"
        f" `poetry env use {python}{report.directory_option}`,"
        f" then run `poetry sync{options}`"
    )


def counted(count: int, noun: str) -> str:
    """``"1 error"``, ``"2 errors"``, ``"300,001 errors"``: a count (thousands
    separated, as the counts of findings left out are) with its noun in the right
    number."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _rpm_line(f: Finding) -> str:
    """``S5       path  (package)``: S the size differs, 5 the digest (``?`` not
    computed: a file whose size differs is not read), ``missing``, or ``foreign`` (not
    in the locked archive)."""
    if f.code == "file-missing":
        flags = "missing"
    elif f.code == "file-not-in-archive":
        flags = "foreign"
    else:
        expected, found = _digest_and_size(f.expected), _digest_and_size(f.found)
        size = "S" if expected[1] is not None and expected[1] != found[1] else "."
        digest = "?" if not found[0] else "5" if expected[0] != found[0] else "."
        flags = size + digest
    path = _display_path(f.path or "")
    return f"  {flags:<8} {_safe(path)}  <comment>({_safe(f.package or '?')})</comment>"


def _safe(text: str) -> str:
    """Text from METADATA, RECORD or the lock, made inert for a terminal: one line, no
    control characters or escape sequences, no style tags."""
    return escape_tags(neutralise(text))


def _digest_and_size(value: str | None) -> tuple[str, str | None]:
    """(``algorithm=digest``, size or None) from ``"sha256=... size=123"`` or
    ``"size=123"`` (no digest)."""
    value = value or ""
    if value.startswith("size="):
        return "", value[len("size=") :]
    digest, _, size = value.partition(" size=")
    return digest, size or None


def _display_path(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _display_env(report: Report) -> str:
    if report.environment is None:
        return "the environment"
    path = Path(report.environment.path)
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return f"{_safe(shown)} (Python {_safe(report.environment.python_version)})"
