"""[tool.lockguard] build = "allow" | "warn" | "refuse" and allow-build."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.guard.test_guard import locked


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def _install(project: PoetryProject, markers: Path) -> tuple[int, str, list[str]]:
    markers.mkdir(exist_ok=True)
    result = project.poetry("install", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)})
    return result.returncode, result.output, sorted(p.name for p in markers.iterdir())


def test_refuse_stops_a_build_before_anything_is_installed(
    project: PoetryProject, tmp_path: Path
) -> None:
    locked(project, ["alpha", "onlysdist"], lockguard={"build": "refuse"})
    before = project.installed()
    code, output, built = _install(project, tmp_path / "markers")
    assert code == 1, output
    assert (
        "build-refused" in output
        and "onlysdist" in output
        and 'allow-build = ["onlysdist"]' in output
    )
    assert built == []
    assert project.installed() == before


def test_allow_build_lets_the_named_package_build(project: PoetryProject, tmp_path: Path) -> None:
    locked(
        project, ["alpha", "onlysdist"], lockguard={"build": "refuse", "allow-build": ["onlysdist"]}
    )
    code, output, built = _install(project, tmp_path / "markers")
    assert code == 0, output
    assert built == ["onlysdist-1.0.0.built"]
    assert "built from source: onlysdist 1.0.0" in output


@pytest.mark.parametrize(("policy", "announced"), [("warn", True), ("allow", False)])
def test_warn_names_builds_before_installing(
    project: PoetryProject, tmp_path: Path, policy: str, announced: bool
) -> None:
    locked(project, ["alpha", "onlysdist"], lockguard={"build": policy})
    code, output, built = _install(project, tmp_path / "markers")
    assert code == 0, output
    assert built == ["onlysdist-1.0.0.built"]
    assert ("will build from source: onlysdist (onlysdist-1.0.0.tar.gz)" in output) is announced
    # Every policy names what was built in the install summary.
    assert "built from source: onlysdist 1.0.0" in output


@pytest.mark.parametrize(
    ("policy", "code", "line"),
    [
        (
            "refuse",
            1,
            "  • build-refused: onlysdist would be built from source (onlysdist-1.0.0.tar.gz)",
        ),
        ("warn", 0, "lockguard: will build from source: onlysdist (onlysdist-1.0.0.tar.gz)"),
    ],
)
def test_dry_run_names_builds_as_the_real_run_does(
    project: PoetryProject, tmp_path: Path, policy: str, code: int, line: str
) -> None:
    locked(project, ["alpha", "onlysdist"], lockguard={"build": policy})
    before = project.snapshot()
    markers = tmp_path / "markers"
    markers.mkdir()
    result = project.poetry(
        "install", "--dry-run", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)}
    )
    assert result.returncode == code, result.output
    assert line in result.output, result.output
    if policy == "refuse":
        assert "lockguard would refuse `poetry install --dry-run` (1 problem):" in result.output
        assert "Nothing was changed (dry run)." in result.output
    assert (project.snapshot(), list(markers.iterdir())) == (before, [])
