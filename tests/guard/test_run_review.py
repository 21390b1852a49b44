"""Review of issue 10: `poetry run`, the pip fence and the build policy at their edges.

Each test failed on the code before its fix (real poetry, real pip, real venvs).
"""

from __future__ import annotations

import shutil
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.guard.test_guard import fresh_name
from tests.guard.test_guard import site_packages
from tests.guard.test_run_and_fence import MARKER_CMD
from tests.guard.test_run_and_fence import ran
from tests.guard.test_run_and_fence import run
from tests.support.artifacts import _BACKEND
from tests.support.artifacts import Dist
from tests.support.artifacts import _metadata
from tests.support.scenarios import clear_files


if TYPE_CHECKING:
    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result

FENCED = "fenced by poetry-lockguard"


def installed(project: PoetryProject, deps: list[str], **kwargs: object) -> PoetryProject:
    project.write_pyproject(deps, **kwargs)  # type: ignore[arg-type]
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    return project


def pip(project: PoetryProject, *args: str, env: dict[str, str] | None = None) -> Result:
    return project.run([str(project.venv / "bin" / "pip"), *args], env=env)


# -- the pip fence ----------------------------------------------------------------------


@pytest.mark.with_pip
def test_poetry_install_works_through_the_fence_with_generate_setup_file(
    project: PoetryProject,
) -> None:
    # A build script with generate-setup-file: Poetry installs the root project with
    # `pip install --isolated --prefix <venv> -e .`, a pip run inside the fenced venv.
    project.write_pyproject(["alpha"], package_mode=True)
    demo = Dist("demo-app", "0.1.0")
    backend = _BACKEND.format(
        name=demo.name, version=demo.version, module=demo.module, metadata=_metadata(demo)
    )
    (project.path / "backend.py").write_text(backend + "build_editable = build_wheel\n")
    (project.path / "build.py").write_text("def build(setup_kwargs):\n    pass\n")
    project.pyproject.write_text(
        project.pyproject.read_text()
        + '\n[tool.poetry.build]\nscript = "build.py"\ngenerate-setup-file = true\n'
        '\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    )
    project.poetry("lock", check=True)
    project.poetry("install", check=True)  # the venv was not fenced yet
    assert (site_packages(project) / "_lockguard_fence.pth").is_file()
    for env in ({}, {"POETRY_LOCKGUARD_MODE": "off"}):
        again = project.poetry("install", env=env)
        assert again.returncode == 0, again.output
        assert "Failed to install" not in again.output
    # The variable lasts as long as the guarded command, not beyond it.
    refused = pip(project, "install", "stray", "--index-url", project.index_url)
    assert refused.returncode == 1 and FENCED in refused.stderr, refused.output


@pytest.mark.with_pip
@pytest.mark.poetry_independent  # pip's build isolation meets the fence; Poetry only put it there
def test_pip_build_isolation_passes_the_fence(project: PoetryProject, index: PackageIndex) -> None:
    # An sdist with build requirements: pip installs them with `--prefix <tmp overlay>`.
    name = fresh_name("bdep")
    index.add(Dist(name, "1.0.0", wheel=False, sdist=True, build_requires=("alpha",)))
    installed(project, ["alpha"])
    before = project.installed()
    source = ["--no-cache-dir", "--index-url", project.index_url]
    for args in (
        ["download", name, *source, "-d", str(project.path / "dl")],
        ["wheel", name, *source, "-w", str(project.path / "wh")],
        ["install", "--dry-run", name, *source],
        ["install", "--target", str(project.path / "elsewhere"), "stray", *source],
    ):
        result = pip(project, *args)
        assert result.returncode == 0, result.output
    assert (project.path / "elsewhere" / "stray").is_dir()
    site = site_packages(project)
    for args in (
        ["install", "--prefix", str(project.venv), "stray"],
        ["install", "--prefix", ".venv", "stray"],
        ["install", "--target", str(site), "stray"],
        ["install", "--root", "/", "stray"],
    ):
        result = pip(project, *args, *source)
        assert (result.returncode, FENCED in result.stderr) == (1, True), (args, result.output)
    assert project.installed() == before


@pytest.mark.with_pip
def test_pip_fence_false_unfences_on_next_install(project: PoetryProject) -> None:
    installed(project, ["alpha"])
    assert pip(project, "install", "stray", "--index-url", project.index_url).returncode == 1
    project.write_pyproject(["alpha"], lockguard={"pip-fence": False})
    project.poetry("lock", check=True)
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    assert "pip fence removed (pip-fence = false)" in result.stderr, result.stderr
    assert not (site_packages(project) / "_lockguard_fence.pth").exists()
    allowed = pip(project, "install", "stray", "--index-url", project.index_url)
    assert allowed.returncode == 0, allowed.output


def throwaway_base_python(root: Path) -> Path:
    """A base (non-virtualenv) Python of its own, with an empty site-packages: the
    interpreter's binary copied, its standard library linked."""
    home = Path(sys.base_prefix)
    lib = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    (root / "bin").mkdir(parents=True)
    (root / "lib" / lib / "site-packages").mkdir(parents=True)
    shutil.copy2(Path(sys.executable).resolve(), root / "bin" / lib)
    (root / "bin" / "python").symlink_to(lib)
    for entry in (home / "lib" / lib).iterdir():
        if entry.name != "site-packages":
            (root / "lib" / lib / entry.name).symlink_to(entry)
    return root


def test_nothing_is_left_in_an_interpreter_that_is_not_a_virtualenv(
    project: PoetryProject, tmp_path: Path
) -> None:
    # Poetry uses an active environment that is not a venv (a conda env here; the
    # base Python with virtualenvs.create = false is the same case).
    base = throwaway_base_python(tmp_path / "base")
    env = {"CONDA_PREFIX": str(base), "CONDA_DEFAULT_ENV": "throwaway"}
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True, env=env)
    result = project.poetry("install", env=env)
    site = next(base.glob("lib/python*/site-packages"))
    assert (result.returncode, (site / "alpha").is_dir()) == (0, True), result.output
    assert not (project.venv).exists()
    assert sorted(p.name for p in site.glob("_lockguard_fence*")) == []
    assert not (base / ".lockguard").exists()
    clean = project.poetry("run", *MARKER_CMD, env=env)
    assert (clean.returncode, ran(project)) == (7, True), clean.output
    assert not (base / ".lockguard").exists()
    fence = project.poetry("lockguard", "fence", "--python", str(base / "bin" / "python"))
    assert fence.returncode == 2, fence.output
    assert fence.stderr.strip() == (
        f"lockguard: {base} is not a virtualenv (no pyvenv.cfg): the pip fence is put only"
        " into a project's virtualenv"
    )
    assert sorted(p.name for p in site.glob("_lockguard_fence*")) == []


# -- `poetry run` -----------------------------------------------------------------------


def test_recorded_selection_of_another_lock_is_ignored(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"], groups={"docs": ["docs-tool"]}, optional_groups={"docs"})
    project.poetry("lock", check=True)
    project.poetry("install", "--with", "docs", check=True)
    project.write_pyproject(["alpha"])  # a branch without the docs group, and its lock
    project.poetry("lock", check=True)
    trace = "lockguard: the recorded selection was ignored: it was recorded for another poetry.lock"
    warned = run(project, "-v", env={"POETRY_LOCKGUARD_ON_RUN": "warn"})
    assert (warned.returncode, ran(project)) == (7, True), warned.output
    assert trace in warned.stderr and "via --with" not in warned.stderr, warned.stderr
    assert "extraneous: docs-tool" in warned.stderr
    refused = run(project)
    assert (refused.returncode, ran(project)) == (1, False), refused.output
    assert trace not in refused.stderr and "extraneous: docs-tool" in refused.stderr
    assert "Fix: run `poetry sync` to remove packages" in refused.stderr
    check = project.lockguard("--format", "json")
    assert (check.returncode, check.codes()) == (1, ["extraneous"]), check.output
    assert check.json()["notes"] == []


@pytest.mark.parametrize("mode", ["refuse", "sync"])
@pytest.mark.parametrize(
    ("drift", "code", "fix"),
    [
        ("no lock", "lock-missing", "Fix: run `poetry lock` and commit poetry.lock"),
        ("stale lock", "lock-stale", "Fix: run `poetry lock` to bring poetry.lock up to date"),
        ("unhashed", "unhashed", "Fix: run `poetry lock --regenerate` against a source"),
    ],
)
def test_errors_sync_cannot_fix_stop_cmd_with_their_own_fix(
    project: PoetryProject, mode: str, drift: str, code: str, fix: str
) -> None:
    installed(project, ["alpha"])
    if drift == "no lock":
        project.lock.unlink()
    elif drift == "stale lock":
        project.write_pyproject(["alpha", "stray"])
    else:
        clear_files(project.lock, "alpha")
    result = run(project, env={"POETRY_LOCKGUARD_ON_RUN": mode})
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert f"  • {code}: " in result.stderr and fix in result.stderr, result.stderr
    assert "poetry sync" not in result.stderr and "running `" not in result.stderr
    assert "stray" not in project.installed()


def test_sync_reports_extraneous_once(project: PoetryProject) -> None:
    installed(project, ["beta>=1.0", "gamma"])
    project.pip("uninstall", "-y", "alpha")
    project.pip("install", "delta")
    result = run(project, env={"POETRY_LOCKGUARD_ON_RUN": "sync"})
    assert (result.returncode, ran(project)) == (7, True), result.output
    assert project.installed()["alpha"] == "2.0.0"
    lines = [
        line
        for line in result.stderr.splitlines()
        if "lockguard" in line or "•" in line or line.startswith("Fix:")
    ]
    assert lines == [
        "lockguard: running `poetry install --no-root --no-interaction`",
        "lockguard: after the sync, the environment still differs from poetry.lock:",
        "  • extraneous: delta 1.0.0 is installed but not required by poetry.lock for this selection",
        "Fix: run `poetry sync` to remove packages poetry.lock does not require",
    ], result.stderr


def test_sync_that_cannot_install_stops_cmd(project: PoetryProject, index: PackageIndex) -> None:
    name = fresh_name("vanishing")
    (path,) = index.add(Dist(name, "1.0.0"))
    installed(project, [name])
    project.pip("uninstall", "-y", name)
    path.unlink()  # the source no longer serves it
    result = run(project, env={"POETRY_LOCKGUARD_ON_RUN": "sync"})
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert "lockguard: the sync could not bring the environment to poetry.lock:" in result.stderr
    assert f"  • missing: {name}" in result.stderr


def test_stamp_sees_in_place_metadata_edit(project: PoetryProject) -> None:
    installed(project, ["alpha"])
    assert run(project).returncode == 7  # stamp written
    metadata = site_packages(project) / "alpha-2.0.0.dist-info" / "METADATA"
    with metadata.open("r+") as f:  # same size, written in place
        text = f.read().replace("Version: 2.0.0", "Version: 1.0.0")
        f.seek(0)
        f.write(text)
    assert project.lockguard().returncode == 1
    result = run(project)
    assert (result.returncode, ran(project)) == (1, False), result.output
    assert "  • metadata-mismatch: " in result.stderr, result.stderr


def test_warn_runs_cmd_when_the_check_cannot_run(project: PoetryProject) -> None:
    installed(project, ["alpha"])
    project.lock.write_text("[[package]\n")  # not TOML
    warned = run(project, env={"POETRY_LOCKGUARD_ON_RUN": "warn"})
    assert (warned.returncode, ran(project)) == (7, True), warned.output
    assert warned.stderr.startswith("lockguard: could not check the environment: "), warned.stderr
    refused = run(project)
    assert (refused.returncode, ran(project)) == (2, False), refused.output
    assert refused.stderr.startswith("lockguard: could not check the environment: ")


def test_the_fence_variable_is_spelled_once_per_side() -> None:
    from poetry_lockguard.commands.fence import VARIABLE
    from poetry_lockguard.env.fence_files import runtime_source

    assert f'VARIABLE = "{VARIABLE}"' in runtime_source().decode()
