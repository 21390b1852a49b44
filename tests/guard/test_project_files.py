"""The guard's snapshot of pyproject.toml and poetry.lock, and a lock it cannot read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.plugin.install_guard.project_files import ProjectSnapshot
from poetry_lockguard.plugin.install_guard.project_files import read_lock_quietly


if TYPE_CHECKING:
    from pathlib import Path


def test_a_snapshot_puts_back_and_removes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    snapshot = ProjectSnapshot(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    (tmp_path / "poetry.lock").write_text("[metadata]\n")
    snapshot.restore()
    assert (tmp_path / "pyproject.toml").read_text() == "[project]\n"
    assert not (tmp_path / "poetry.lock").exists()


def test_an_unreadable_lock_gives_no_lines(tmp_path: Path) -> None:
    assert read_lock_quietly(tmp_path) is None
    (tmp_path / "poetry.lock").write_text("[metadata\n")
    assert read_lock_quietly(tmp_path) is None
