"""The verdict agrees with `poetry sync --dry-run` over many drift scenarios.

For each lock version, selection and drift, lockguard's missing / version-mismatch /
source-mismatch / extraneous findings must name exactly the packages that
`poetry sync --dry-run` would install, update and remove.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.poetry import SYNC
from tests.support.poetry import PoetryProject
from tests.support.scenarios import downgrade_lock_to_2_0


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.index import PackageIndex

Drift = tuple[str, "Callable[[PoetryProject], object]"]

DRIFTS: list[Drift] = [
    ("none", lambda p: None),
    ("uninstalled", lambda p: p.pip("uninstall", "-y", "alpha")),
    ("downgraded", lambda p: p.pip("install", "alpha==1.0.0")),
    ("stray", lambda p: p.pip("install", "stray")),
    ("locked-not-required", lambda p: p.pip("install", "zeta")),
    ("optional-group", lambda p: p.pip("install", "docs-tool")),
    (
        "mixed",
        lambda p: (
            p.pip("uninstall", "-y", "gamma", "delta"),
            p.pip("install", "stray", "alpha==1.0.0"),
        ),
    ),
]

SELECTIONS: list[tuple[str, ...]] = [
    (),
    ("--with", "docs"),
    ("-E", "e1"),
    ("--with", "docs", "--all-extras"),
]


def _project(root: Path, home: Path, index: PackageIndex, lock_version: str) -> PoetryProject:
    project = PoetryProject(root, home, index.url)
    project.write_pyproject(
        [
            "beta>=1.0",
            "gamma[fast]",
            "epsilon",
            "stray; sys_platform == 'win32'",
        ],
        groups={"docs": ["docs-tool"]},
        optional_groups={"docs"},
        extras={"e1": ["zeta"]},
    )
    project.poetry("lock", check=True)
    if lock_version == "2.0":
        downgrade_lock_to_2_0(project.lock)
    return project


@pytest.fixture(scope="module", params=["2.1", "2.0"])
def diff_project(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    poetry_home: Path,
    index: PackageIndex,
) -> PoetryProject:
    root = tmp_path_factory.mktemp(f"differential-{request.param}")
    return _project(root / "app", poetry_home, index, request.param)


@pytest.mark.parametrize("drift", DRIFTS, ids=[d[0] for d in DRIFTS])
def test_verdict_matches_poetry_sync_dry_run(diff_project: PoetryProject, drift: Drift) -> None:
    project = diff_project
    project.poetry(*SYNC, check=True)
    drift[1](project)
    for selection in SELECTIONS:
        plan = project.dry_run_sync(*selection)
        result = project.standalone("--format", "json", *selection)
        found: dict[str, set[str]] = {"install": set(), "update": set(), "remove": set()}
        unselected: set[str] = set()
        for f in result.json()["findings"]:
            if f["code"] == "missing":
                found["install"].add(f["package"])
            elif f["code"] in ("version-mismatch", "source-mismatch"):
                found["update"].add(f["package"])
            elif f["code"] in ("extraneous", "unselected"):
                # sync removes both; a locked package of another group is only a warning
                found["remove"].add(f["package"])
                if f["code"] == "unselected":
                    unselected.add(f["package"])
        assert found == plan, (drift[0], selection, result.output)
        errors = plan["install"] or plan["update"] or plan["remove"] - unselected
        assert result.returncode == (1 if errors else 0), result.output
        assert project.lockguard("--format", "json", *selection).findings() == result.findings()
