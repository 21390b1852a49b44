"""`lockguard repair` turns each integrity finding back into a clean check."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import site_packages


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


def _damaged(project_factory: ProjectFactory) -> PoetryProject:
    project = project_factory("repair")
    project.write_pyproject(["beta>=1.0", "gamma[fast]", "epsilon"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    site = site_packages(project)
    (site / "alpha" / "__init__.py").write_text("print('owned')\n")  # file-modified
    (site / "beta" / "__init__.py").unlink()  # file-missing
    append_record(dist_info_of(project, "delta"), b"delta/x.py,sha256,1")  # record-invalid
    (dist_info_of(project, "epsilon") / "provenance_url.json").unlink()  # unattested
    project.pip("uninstall", "-y", "gamma")  # missing
    project.pip("install", "stray")  # extraneous
    return project


def test_repair_dry_run_lists_and_changes_nothing(project_factory: ProjectFactory) -> None:
    project = _damaged(project_factory)
    before = project.installed()
    result = project.poetry("lockguard", "repair", "--dry-run")
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()
    assert "reinstall alpha (file-modified)" in lines
    assert "reinstall beta (file-missing)" in lines
    assert "reinstall delta (record-invalid)" in lines
    assert "reinstall epsilon (file-missing, unattested)" in lines  # the receipt is in RECORD
    assert "install gamma (missing)" in lines
    assert not any("stray" in line for line in lines), result.stdout
    assert project.installed() == before
    hint = project.lockguard("--integrity")
    assert "poetry lockguard repair" in hint.stdout, hint.stdout


def test_repair_makes_the_integrity_check_clean(project_factory: ProjectFactory) -> None:
    project = _damaged(project_factory)
    result = project.poetry("lockguard", "repair", "--remove-extraneous")
    assert result.returncode == 0, result.output
    check = project.lockguard("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (0, []), check.output
    assert "stray" not in project.installed()
    assert (site_packages(project) / "alpha" / "__init__.py").read_text().startswith("__version__")


def test_standalone_repair_keeps_extraneous_without_the_option(
    project_factory: ProjectFactory,
) -> None:
    project = _damaged(project_factory)
    result = project.run(
        [sys.executable, "-m", "poetry_lockguard", "repair", "-C", str(project.path)]
    )
    assert result.returncode == 1, result.output  # stray is still extraneous
    check = project.standalone("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (1, ["extraneous"]), check.output
