from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def test_clean_install_passes(project: PoetryProject) -> None:
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    result = project.lockguard("--format", "json")
    assert result.returncode == 0, result.output
    assert result.codes() == []
