"""The fleet comparison as text (one table) or JSON (one document)."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.report.bound import bounded
from poetry_lockguard.report.bound import more_line
from poetry_lockguard.report.style import neutralise
from poetry_lockguard.report.text import counted


if TYPE_CHECKING:
    from poetry_lockguard.commands.compare.fleet import Comparison

FLEET_SCHEMA_VERSION = 1


def render_text(comparison: Comparison) -> str:
    """One table: matching machines grouped by fingerprint, then one row per finding of
    each differing machine (package, expected, found, code); then a summary line."""
    header = ("machine", "status", "package", "expected", "found", "code")
    rows: list[tuple[str, ...]] = []
    #: After how many rows a machine's "… and N more findings" line comes.
    more: dict[int, str] = {}
    for group in comparison.matching:
        fp = _short(group.fingerprint)
        for name in group.machines:
            rows.append((name, "matches", f"fingerprint {fp}", "", "", ""))
    for machine in comparison.differing:
        if machine.error is not None:
            rows.append((machine.name, "could not check", "", "", "", machine.error))
            continue
        errors = [d for d in machine.differences if d.severity == "error"]
        if not errors:  # "ok": false with no error finding: a report from elsewhere
            rows.append((machine.name, "differs", "", "", "", ""))
        shown, left_out = bounded(errors)
        for d in shown:
            rows.append(
                (
                    machine.name,
                    "differs",
                    d.package or "(lock)",
                    d.expected or "-",
                    d.found or "-",
                    d.code,
                )
            )
        if left_out:
            more[len(rows)] = more_line(sum(left_out.values()))
    # Every cell comes from a report file (or its name): shown inert, one line each.
    rows = [tuple(neutralise(cell) for cell in row) for row in rows]
    widths = [
        max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
        for i in range(len(header))
    ]
    lines = [_row(header, widths), _row(tuple("-" * w for w in widths), widths)]
    for i, r in enumerate(rows, 1):
        lines.append(_row(r, widths))
        if i in more:
            lines.append(_row((r[0], r[1], more[i]), widths[:3]))
    lines.append("")
    matching = sum(len(g.machines) for g in comparison.matching)
    differing = len(comparison.differing)
    groups = len(comparison.matching)
    mark = "✓" if comparison.ok else "✗"
    lines.append(
        f"{mark} {counted(comparison.machines, 'machine')}:"
        f" {matching} match{'es' if matching == 1 else ''} poetry.lock"
        f" ({counted(groups, 'fingerprint')}),"
        f" {differing} differ{'s' if differing == 1 else ''}."
    )
    if len(comparison.lock_hashes) > 1:
        lines.append(
            f"! the reports were made against {len(comparison.lock_hashes)} different"
            " poetry.lock files (content-hash); compare machines of one lock."
        )
    return "\n".join(lines) + "\n"


def document(comparison: Comparison) -> dict[str, Any]:
    """The comparison as a JSON-ready mapping."""
    return {
        "schema_version": FLEET_SCHEMA_VERSION,
        "ok": comparison.ok,
        "machines": comparison.machines,
        "lock_content_hashes": list(comparison.lock_hashes),
        "matching": [
            {
                "fingerprint": g.fingerprint,
                "lock_content_hash": g.lock_hash,
                "machines": list(g.machines),
            }
            for g in comparison.matching
        ],
        "differing": [
            {
                "machine": m.name,
                "report": m.source,
                "host": m.host,
                "generated_at": m.generated_at,
                "fingerprint": m.fingerprint,
                "lock_content_hash": m.lock_hash,
                "error": m.error,
                "differences": [d.as_dict() for d in m.differences],
            }
            for m in comparison.differing
        ],
    }


def render_json(comparison: Comparison) -> str:
    """The comparison as indented JSON with a trailing newline."""
    return json.dumps(document(comparison), indent=2) + "\n"


def render(comparison: Comparison, fmt: str) -> str:
    """``fmt`` is ``text`` or ``json``."""
    return render_json(comparison) if fmt == "json" else render_text(comparison)


def render_error(fmt: str, message: str) -> str:
    """Stdout when the comparison could not be made (exit 2): a JSON error document,
    nothing for text."""
    if fmt != "json":
        return ""
    doc = {"schema_version": FLEET_SCHEMA_VERSION, "ok": False, "error": {"message": message}}
    return json.dumps(doc, indent=2) + "\n"


def _short(fingerprint: str | None) -> str:
    if not fingerprint:
        return "(none)"
    return fingerprint[: len("sha256:") + 12] + "…"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
