"""The hint names the target it fixes: the project's directory, another interpreter."""

from __future__ import annotations

import subprocess
import sys

from typing import TYPE_CHECKING

from poetry_lockguard.commands.check import directory_option
from poetry_lockguard.findings import finding
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.report.text import report_hint
from tests.support.poetry import run_main


if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from poetry_lockguard.findings import Code
    from tests.support.poetry import PoetryProject


def report(*codes: Code, **fields: object) -> Report:
    return Report(
        project="/srv/app",
        lock=LockInfo(path="/srv/app/poetry.lock", version="2.1"),
        environment=None,
        selection=None,
        findings=tuple(finding(code, "pkg", f"{code} happened") for code in codes),
        sync_options=" --with docs",
        **fields,  # type: ignore[arg-type]
    )


def test_a_hint_names_the_directory_of_a_project_found_elsewhere() -> None:
    here = report("missing", directory_option=" -C ../app")
    assert report_hint(here) == (
        "run `poetry sync --with docs -C ../app` to make the environment match poetry.lock"
    )
    assert report_hint(report("lock-stale", directory_option=" -C /srv/app")) == (
        "run `poetry lock -C /srv/app` to bring poetry.lock up to date with pyproject.toml"
    )
    assert report_hint(report("missing")) == (
        "run `poetry sync --with docs` to make the environment match poetry.lock"
    )


def test_the_directory_option_is_empty_where_poetry_finds_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, elsewhere = tmp_path / "app", tmp_path / "other dir"
    (app / "src").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(app / "src")
    assert directory_option(app.resolve()) == ""  # Poetry searches the parents
    monkeypatch.chdir(elsewhere)
    assert directory_option(app.resolve()) == " -C ../app"
    assert directory_option((elsewhere / "sub").resolve()) == " -C sub"
    monkeypatch.chdir("/")
    assert directory_option(app.resolve()) == f" -C {str(app.resolve())[1:]}"


def test_another_venv_is_repaired_by_name_not_synced() -> None:
    other = report("missing", "extraneous", other_environment="/opt/my venv", other_is_venv=True)
    assert report_hint(other) == (
        "'/opt/my venv' is not the project's environment (`poetry sync` changes only that"
        " one): run `poetry lockguard repair --python '/opt/my venv' --with docs"
        " --remove-extraneous` to install poetry.lock's packages into it, verified"
    )
    system = report("missing", other_environment="/usr/bin/python3", directory_option=" -C app")
    assert report_hint(system) == (
        "/usr/bin/python3 is neither the project's environment nor a virtualenv, and"
        " Poetry installs only into those: make one from it with `poetry env use"
        " /usr/bin/python3 -C app`, then run `poetry sync --with docs -C app`"
    )
    # A lock finding is fixed in the project, whatever interpreter was checked.
    assert report_hint(report("lock-stale", other_environment="/usr/bin/python3")) == (
        "run `poetry lock` to bring poetry.lock up to date with pyproject.toml"
    )


def test_an_interpreter_outside_the_constraint_is_not_told_to_sync() -> None:
    # Poetry refuses to install into it: the hint is the constraint's.
    assert report_hint(report("missing", "python-unsupported")) == (
        "use an interpreter the project's Python constraint allows (`poetry env use`),"
        " or widen the constraint and run `poetry lock`"
    )


def test_a_check_run_elsewhere_hints_the_project_and_the_target(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    project.pip("uninstall", "-y", "alpha")
    elsewhere = project.path.parent / f"{project.path.name}-elsewhere"
    elsewhere.mkdir()
    done = run_main(["check", "-C", str(project.path)], env=project.env(), cwd=elsewhere)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Hint: run `poetry sync -C ../{project.path.name}` to make" in done.stdout
    # Poetry's -C changes into the project first: the hint names it absolutely.
    plugin = project.poetry_in_process(f"--directory={project.path}", "lockguard", "check")
    assert plugin.returncode == 1, plugin.output
    assert f"Hint: run `poetry sync -C {project.path.resolve()}` to make" in plugin.stdout
    # Another venv, checked from the project: the hint repairs that venv.
    other = project.path / "other"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    checked = project.standalone("--python", str(other))
    assert checked.returncode == 1, checked.output
    assert f"Hint: {other} is not the project's environment" in checked.stdout, checked.stdout
    assert f"`poetry lockguard repair --python {other}` to install" in checked.stdout


def test_a_repair_hint_removes_what_is_extraneous_too() -> None:
    """With extraneous beside what only repair fixes, one command fixes both."""
    assert report_hint(report("file-modified", "extraneous")) == (
        "run `poetry lockguard repair --with docs --remove-extraneous` to reinstall the"
        " affected packages through the guard (verified against poetry.lock, with receipts)"
    )
    assert report_hint(report("file-modified")) == (
        "run `poetry lockguard repair --with docs` to reinstall the affected packages"
        " through the guard (verified against poetry.lock, with receipts)"
    )
