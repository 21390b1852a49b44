"""The project itself, installed by a guarded `poetry install` in package mode and then
uninstalled: `root-missing` for both entry points, and `repair` installs it back. An
install with `--no-root` records that the root was left out: nothing is reported."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

from tests.integrity.support import run_both


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


def _installed(project_factory: ProjectFactory, *install: str) -> PoetryProject:
    project = project_factory("root")
    project.write_pyproject(["alpha"], package_mode=True)
    project.poetry("lock", check=True)
    project.poetry("install", *install, check=True)
    return project


def test_an_uninstalled_root_is_root_missing_and_repair_installs_it(
    project_factory: ProjectFactory,
) -> None:
    project = _installed(project_factory)
    for result in run_both(project, "-f", "json"):
        assert (result.returncode, result.findings()) == (0, []), result.output
    # What `pip uninstall demo-app` removes: its metadata directory and its .pth.
    site = next(project.venv.glob("lib/python*/site-packages"))
    shutil.rmtree(next(site.glob("demo_app-*.dist-info")))
    (site / "demo_app.pth").unlink()
    assert "demo-app" not in project.installed()
    for result in run_both(project, "-f", "json"):
        assert (result.returncode, result.findings()) == (1, [("root-missing", "demo-app")]), (
            result.output
        )
    repair = project.poetry("lockguard", "repair")
    assert "install demo-app (root-missing)" in repair.stdout.splitlines(), repair.output
    assert "running `poetry install --no-interaction`" in repair.stdout.splitlines(), repair.output
    assert repair.returncode == 0, repair.output
    assert "demo-app" in project.installed()


def test_a_root_the_install_left_out_is_not_reported(project_factory: ProjectFactory) -> None:
    project = _installed(project_factory, "--no-root")
    assert "demo-app" not in project.installed()
    for result in run_both(project, "-f", "json"):
        assert (result.returncode, result.findings()) == (0, []), result.output
