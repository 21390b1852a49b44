"""A Poetry installed into the environment it installs into (`virtualenvs.create =
false` in an image): its packages are `tool-package` (info), not drift, when that
environment is the one the check runs in; anywhere else a `poetry` distribution earns
nothing. Unit tests on synthetic site-packages."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.environment import EnvironmentCheck
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.findings import Severity
from poetry_lockguard.lock.model import LockedPackage


if TYPE_CHECKING:
    from pathlib import Path

    from tests.types import ProjectFactory


def _dist(site: Path, name: str, requires: tuple[str, ...] = (), plugin: bool = False) -> None:
    dist_info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"]
    lines += [f"Requires-Dist: {r}\n" for r in requires]
    # A body after the headers: a "Requires-Dist:" line there is prose, not metadata.
    lines.append("\nRequires-Dist: not-a-requirement\n")
    (dist_info / "METADATA").write_text("".join(lines))
    if plugin:
        (dist_info / "entry_points.txt").write_text(
            "[poetry.application.plugin]\nx = x.plugin:Plugin\n"
        )
    (dist_info / "RECORD").write_text(f"{dist_info.name}/RECORD,,\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    _dist(site, "poetry", ("cleo (>=2.1,<3)", 'tomli>=2; python_version < "3.11"'))
    _dist(site, "cleo", ("rapidfuzz",))
    _dist(site, "rapidfuzz")
    _dist(site, "tomli")
    _dist(site, "poetry-lockguard", ("poetry-core",), plugin=True)
    _dist(site, "poetry-core")
    _dist(site, "not-a-requirement")
    _dist(site, "stray")
    _dist(site, "flask")
    return site


def _codes(
    site: Path, *, runs_here: bool, required: dict[str, LockedPackage]
) -> list[tuple[str, str | None, Severity]]:
    findings = EnvironmentCheck(site.parent / "project", "root", runs_here=runs_here).run(
        required, scan_distributions((site,)), load_policy({"allow-extraneous": []})
    )
    return [(f.code, f.package, f.severity) for f in findings]


FLASK = {"flask": LockedPackage(name="flask", version="1.0")}


def test_poetrys_own_packages_are_tool_packages_where_the_check_runs(site: Path) -> None:
    assert _codes(site, runs_here=True, required=FLASK) == [
        ("tool-package", "cleo", Severity.INFO),
        ("extraneous", "not-a-requirement", Severity.ERROR),
        ("tool-package", "poetry", Severity.INFO),
        ("tool-package", "poetry-core", Severity.INFO),
        ("tool-package", "poetry-lockguard", Severity.INFO),
        ("tool-package", "rapidfuzz", Severity.INFO),
        ("extraneous", "stray", Severity.ERROR),
        ("tool-package", "tomli", Severity.INFO),
    ]


def test_elsewhere_a_poetry_distribution_claims_nothing(site: Path) -> None:
    # A `poetry` dist-info planted in another environment, "requiring" a stray package.
    assert {code for code, _, _ in _codes(site, runs_here=False, required=FLASK)} == {"extraneous"}


def test_a_locked_poetry_is_the_projects_dependency(site: Path) -> None:
    locked = {**FLASK, "poetry": LockedPackage(name="poetry", version="1.0")}
    codes = _codes(site, runs_here=True, required=locked)
    assert ("tool-package", "cleo", Severity.INFO) not in codes
    assert ("extraneous", "cleo", Severity.ERROR) in codes


def test_the_test_runs_own_poetry_environment(project_factory: ProjectFactory) -> None:
    """Checked from inside it (the stand-alone's main in this process, whose environment
    holds the Poetry the tests run): Poetry, cleo and this plugin are tool packages."""
    project = project_factory("shared-interpreter")
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    result = project.main(
        "check", "-C", str(project.path), "--python", sys.executable, "-f", "json"
    )
    found = {(f["code"], f["package"]) for f in result.json()["findings"]}
    assert {("tool-package", "poetry"), ("tool-package", "cleo")} <= found, result.output
    assert {("tool-package", "poetry-lockguard"), ("tool-package", "poetry-core")} <= found
    assert not {("extraneous", "poetry"), ("extraneous", "cleo")} & found
