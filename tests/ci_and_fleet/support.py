"""Helpers shared by the team and fleet tests."""

from __future__ import annotations

import json

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result

HERE = Path(__file__).parent

#: The official SARIF 2.1.0 schema (draft-04), as the npm package @microsoft/jest-sarif
#: 1.0.0-beta.0 ships it (lib/schemas/sarif-2.1.0-rtm.5.json, MIT): rtm.5 is the
#: release that OASIS standardised as SARIF 2.1.0.
SARIF_SCHEMA: dict[str, Any] = json.loads(
    (HERE / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8")
)


def drift(project: PoetryProject) -> None:
    """alpha at another version, delta missing, stray extraneous."""
    project.pip("uninstall", "-y", "delta")
    project.pip("install", "alpha==1.0.0", "stray")


def lock_line(lock: Path, name: str) -> int:
    """The 1-based line of the ``[[package]]`` header of ``name`` in poetry.lock."""
    lines = lock.read_text().splitlines()
    for i, line in enumerate(lines):
        if line == f'name = "{name}"':
            return i
    raise AssertionError(name)


def sarif_results(result: Result) -> list[tuple[str, str | None]]:
    """(ruleId, package) of each SARIF result, sorted."""
    runs = json.loads(result.stdout)["runs"]
    return sorted(
        ((r["ruleId"], r["properties"]["package"]) for r in runs[0]["results"]),
        key=lambda t: (t[0], t[1] or ""),
    )
