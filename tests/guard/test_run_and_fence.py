"""`poetry run` checks first (on-run modes, the stamp) and the pip fence."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.probe import probe_interpreter
from poetry_lockguard.env.state import environment_stamp
from poetry_lockguard.env.state import read_selection
from tests.support.poetry import SYNC


if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result
    from tests.types import ProjectFactory

#: CMD for `poetry run`: leaves a marker file and exits 7, so both are observable.
MARKER_CMD = ["python", "-c", "import sys; open('ran', 'w').close(); sys.exit(7)"]


def installed(
    project_factory: ProjectFactory, lockguard: dict[str, object] | None = None
) -> PoetryProject:
    project = project_factory("run")
    project.write_pyproject(["beta>=1.0", "gamma"], lockguard=lockguard)
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    return project


def run(project: PoetryProject, *args: str, env: dict[str, str] | None = None) -> Result:
    marker = project.path / "ran"
    marker.unlink(missing_ok=True)
    return project.poetry(*args, "run", *MARKER_CMD, env=env)


def ran(project: PoetryProject) -> bool:
    return (project.path / "ran").exists()


def test_clean_environment_runs_and_passes_the_exit_code(project_factory: ProjectFactory) -> None:
    project = installed(project_factory)
    result = run(project)
    assert (result.returncode, ran(project)) == (7, True), result.output
    assert "lockguard" not in result.output


@pytest.mark.parametrize(
    ("drift", "code"),
    [
        (("uninstall", "-y", "alpha"), "missing"),
        (("install", "alpha==1.0.0"), "version-mismatch"),
        (("install", "stray"), "extraneous"),
    ],
)
def test_refuse_stops_cmd_on_drift(
    project_factory: ProjectFactory, drift: tuple[str, ...], code: str
) -> None:
    project = installed(project_factory)
    project.pip(*drift)
    result = run(project)
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert code in result.stderr and "poetry sync" in result.stderr, result.stderr
    assert result.stdout == ""


def test_warn_runs_cmd_and_keeps_its_exit_code(project_factory: ProjectFactory) -> None:
    project = installed(project_factory, lockguard={"on-run": "warn"})
    project.pip("uninstall", "-y", "alpha")
    result = run(project)
    assert (result.returncode, ran(project)) == (7, True), result.output
    assert "missing" in result.stderr
    # The variable wins over pyproject.toml for one run.
    refused = run(project, env={"POETRY_LOCKGUARD_ON_RUN": "refuse"})
    assert (refused.returncode, ran(project)) == (1, False), refused.output


def test_sync_installs_missing_and_wrong_versions_and_keeps_extraneous(
    project_factory: ProjectFactory,
) -> None:
    project = installed(project_factory, lockguard={"on-run": "sync"})
    project.pip("uninstall", "-y", "alpha")
    project.pip("install", "delta")
    result = run(project)
    assert (result.returncode, ran(project)) == (7, True), result.output
    assert project.installed()["alpha"] == "2.0.0"
    assert "delta" in project.installed()
    assert "extraneous" in result.stderr and "delta" in result.stderr
    check = project.lockguard("--format", "json")
    assert check.codes() == ["extraneous"], check.output
    receipt = next(
        project.venv.glob("lib/python*/site-packages/alpha-2.0.0.dist-info/provenance_url.json")
    )
    assert receipt.is_file()


def test_off_does_not_check_and_says_so(project_factory: ProjectFactory) -> None:
    project = installed(project_factory, lockguard={"on-run": "off"})
    project.pip("uninstall", "-y", "alpha")
    result = run(project)
    assert (result.returncode, ran(project)) == (7, True), result.output
    assert result.stderr == (
        'lockguard: the check before `poetry run` is off (on-run = "off" in'
        " [tool.lockguard] of pyproject.toml)\n"
    )
    by_variable = run(project, env={"POETRY_LOCKGUARD_ON_RUN": "off"})
    assert by_variable.stderr == (
        "lockguard: the check before `poetry run` is off (POETRY_LOCKGUARD_ON_RUN=off)\n"
    )


def test_a_stamp_anyone_can_compute_does_not_skip_the_check(
    project_factory: ProjectFactory,
) -> None:
    project = installed(project_factory)
    assert run(project).returncode == 7
    project.pip("uninstall", "-y", "alpha")
    # The digest of the drifted environment, as an earlier lockguard wrote it and as
    # anything that can read the venv can recompute it.
    site_dirs = probe_interpreter(project.python).search_path
    digest = environment_stamp(project.path, site_dirs, read_selection(project.venv) or {})
    (project.venv / ".lockguard" / "run-stamp").write_text(digest + "\n")
    result = run(project)
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert "missing" in result.stderr


def test_a_selection_planted_in_the_venv_does_not_let_drift_run(
    project_factory: ProjectFactory,
) -> None:
    project = installed(project_factory)
    project.pip("install", "alpha==1.0.0")
    (project.venv / ".lockguard" / "selection.json").write_text('{"without": ["main"]}')
    result = run(project)
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert "version-mismatch" in result.stderr


def test_stamp_skips_the_check_until_something_changes(project_factory: ProjectFactory) -> None:
    project = installed(project_factory)
    first = run(project, "-v")
    assert "checking the environment" in first.stderr, first.stderr
    skipped = run(project, "-v")
    assert "nothing changed since the last clean check" in skipped.stderr, skipped.stderr
    changes: list[Callable[[], object]] = [
        lambda: project.lock.write_text(project.lock.read_text() + "\n"),
        lambda: project.pyproject.write_text(project.pyproject.read_text() + "\n# edited\n"),
        lambda: project.pip("install", "stray"),
        lambda: project.pip("uninstall", "-y", "stray"),
    ]
    for change in changes:
        change()
        result = run(project, "-v")
        assert "checking the environment" in result.stderr, result.stderr
        assert (result.returncode == 7) == ran(project)
        run(project, "-v")  # re-stamp after a clean check


def test_run_of_a_declared_script_and_outside_a_project(
    project_factory: ProjectFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = project_factory("scripts")
    project.write_pyproject(["beta"], package_mode=True)
    text = project.pyproject.read_text() + '\n[project.scripts]\nhello = "demo_app:hello"\n'
    project.pyproject.write_text(text)
    (project.path / "demo_app" / "__init__.py").write_text("def hello():\n    print('hello')\n")
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    result = project.poetry("run", "hello")
    assert (result.returncode, result.stdout.strip()) == (0, "hello"), result.output
    outside = tmp_path_factory.mktemp("no-project")
    with_plugin = project.run([str(sys.executable), "-m", "poetry", "run", "true"], cwd=outside)
    without = project.run(
        [str(sys.executable), "-m", "poetry", "--no-plugins", "run", "true"], cwd=outside
    )
    assert with_plugin.returncode == without.returncode
    assert with_plugin.stderr == without.stderr


@pytest.mark.with_pip
def test_pip_fence_refuses_installs_and_upgrades(project_factory: ProjectFactory) -> None:
    project = installed(project_factory)
    fence = project.poetry("lockguard", "fence")
    assert fence.returncode == 0, fence.output
    before = project.installed()
    pip = str(project.venv / "bin" / "pip")
    for args in (
        [pip, "install", "stray", "--index-url", project.index_url],
        [
            str(project.python),
            "-m",
            "pip",
            "install",
            "-U",
            "alpha==1.0.0",
            "--index-url",
            project.index_url,
        ],
    ):
        result = project.run(args)
        assert result.returncode != 0, result.output
        assert "poetry add" in result.stderr and "poetry lockguard fence --off" in result.stderr
    refused = project.poetry("run", "pip", "install", "stray", "--index-url", project.index_url)
    assert refused.returncode != 0, refused.output
    # A prefix outside the venv whose lib/ is the venv's: pip would write into the venv.
    prefix = project.path.parent / "linked-prefix"
    prefix.mkdir()
    (prefix / "lib").symlink_to(project.venv / "lib")
    linked = project.run(
        [pip, "install", "stray", "--prefix", str(prefix), "--index-url", project.index_url]
    )
    assert linked.returncode == 1, linked.output
    assert "POETRY_LOCKGUARD_FENCE=off pip install" in linked.stderr
    assert project.installed() == before
    # Poetry keeps working through the fence (it uses pip only to uninstall).
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    assert project.poetry(*SYNC, check=True).returncode == 0
    assert "gamma" not in project.installed()
    assert project.poetry("lockguard", "fence", "--off").returncode == 0
    project.run([pip, "install", "stray", "--index-url", project.index_url], check=True)
    assert "stray" in project.installed()


@pytest.mark.parametrize("pip_fence", [True, False])
@pytest.mark.with_pip
def test_guarded_install_puts_the_fence_in_place_unless_configured_off(
    project_factory: ProjectFactory, pip_fence: bool
) -> None:
    project = installed(project_factory, lockguard={"pip-fence": pip_fence})
    result = project.run(
        [str(project.venv / "bin" / "pip"), "install", "stray", "--index-url", project.index_url]
    )
    assert (result.returncode != 0) is pip_fence, result.output
    assert ("stray" in project.installed()) is not pip_fence
