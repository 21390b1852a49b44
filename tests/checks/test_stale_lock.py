"""A stale lock is named first, as Poetry names it, before the selection is read."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.commands.check import CheckOptions
from poetry_lockguard.commands.check import run_check
from poetry_lockguard.errors import SelectionError
from poetry_lockguard.lock.project import read_project
from poetry_lockguard.lock.selection import SelectionRequest
from tests.support.poetry import run_main
from tests.support.projects import PYPROJECT


if TYPE_CHECKING:
    from pathlib import Path

LOCK = """\
[[package]]
name = "pyyaml"
version = "6.0.2"
description = ""
optional = true
python-versions = ">=3.8"
groups = ["main"]
markers = 'extra == "yaml"'
files = [{{file = "pyyaml-6.0.2.tar.gz", hash = "sha256:{zeros}"}}]

[extras]
yaml = ["pyyaml"]

[metadata]
lock-version = "2.1"
python-versions = ">=3.9"
content-hash = "{content_hash}"
"""


def project(tmp_path: Path, *, fresh: bool) -> Path:
    """pyproject.toml without the extra `yaml` that poetry.lock still has."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    content_hash = read_project(tmp_path / "pyproject.toml").content_hash() if fresh else "0" * 64
    (tmp_path / "poetry.lock").write_text(LOCK.format(zeros="0" * 64, content_hash=content_hash))
    return tmp_path


@pytest.mark.parametrize("lock_only", [False, True])
def test_an_extra_only_the_stale_lock_has_is_lock_stale(tmp_path: Path, lock_only: bool) -> None:
    options = CheckOptions(
        project_dir=project(tmp_path, fresh=False),
        selection=SelectionRequest(extras=("yaml",)),
        lock_only=lock_only,
    )
    report = run_check(options)
    assert [(f.code, f.package) for f in report.findings] == [("lock-stale", None)]


def test_an_extra_nobody_declares_is_refused_when_the_lock_is_fresh(tmp_path: Path) -> None:
    options = CheckOptions(
        project_dir=project(tmp_path, fresh=True),
        selection=SelectionRequest(extras=("yaml",)),
        lock_only=True,
    )
    with pytest.raises(SelectionError, match=r"Extra \[yaml\] is not specified"):
        run_check(options)


def test_the_stand_alone_exits_1_with_lock_stale(tmp_path: Path) -> None:
    directory = project(tmp_path, fresh=False)
    result = run_main(
        ["check", "-E", "yaml", "--format", "json"], env=dict(os.environ), cwd=directory
    )
    assert result.returncode == 1, result.stderr
    assert '"code": "lock-stale"' in result.stdout
