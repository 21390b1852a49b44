"""A RECORD of many rows that are not there: every one is a finding, the text format
shows the first 50 and counts the rest, the JSON report holds them all; both entry
points agree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import run_both
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject

ROWS = 30_000


def test_a_huge_record_is_bounded_in_text_and_complete_in_json(installed: PoetryProject) -> None:
    alpha = dist_info_of(installed, "alpha")
    digest = record_hash(b"x")
    append_record(alpha, *(f"alpha/gone{i}.py,{digest},1".encode() for i in range(ROWS)))
    for result in run_both(installed, "--integrity", hostile=False):
        assert result.returncode == 1, result.output
        lines = result.stdout.splitlines()
        # The locked archive ships none of them: nothing is looked up on disk.
        assert "file-not-in-archive (30,000)" in lines
        assert sum(line.startswith("  foreign ") for line in lines) == 50
        assert (
            "  … and 29,950 more file-not-in-archive findings (use --format json for all)" in lines
        )
        assert len(lines) < 80
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert result.findings().count(("file-not-in-archive", "alpha")) == ROWS
