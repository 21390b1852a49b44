"""What lockguard keeps in a virtualenv, where its files are absent, unreadable or
cannot be written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.env.state import STATE_DIR
from poetry_lockguard.env.state import environment_stamp
from poetry_lockguard.env.state import read_selection
from poetry_lockguard.env.state import stamp_matches
from poetry_lockguard.env.state import write_selection
from poetry_lockguard.env.state import write_stamp


if TYPE_CHECKING:
    from pathlib import Path


def test_a_selection_that_is_not_json_is_no_selection(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\n")
    write_selection(tmp_path, {"with": "docs"})
    assert read_selection(tmp_path) == {"with": "docs"}
    (tmp_path / STATE_DIR / "selection.json").write_text("{not json")
    assert read_selection(tmp_path) is None


def test_a_venv_whose_state_cannot_be_written_remembers_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / STATE_DIR).write_text("a file where the directory would be")
    write_stamp(tmp_path, "abc")
    assert not stamp_matches(tmp_path, "abc")


def test_a_site_directory_that_cannot_be_listed_counts_as_empty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    absent = environment_stamp(tmp_path, [site], {})
    site.mkdir()
    assert environment_stamp(tmp_path, [site], {}) == absent
    (site / "alpha-1.0.dist-info").mkdir()
    assert environment_stamp(tmp_path, [site], {}) != absent
