"""Every lockguard command works on the project Poetry's -P/--project or -C/--directory
names, run in process through cleo's ApplicationTester on Poetry's real Application
(the long forms: on Poetry 2.0.0 the tester does not read `-P PATH` before a namespaced
command, which a real `poetry -P PATH lockguard ...` process does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


@pytest.fixture
def elsewhere(
    project_factory: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PoetryProject:
    """An installed project, with the current directory outside it (and no project)."""
    project = project_factory("pointed-at")
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    for name, value in project.env().items():
        if name.startswith("POETRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    return project


def _run(args: str) -> tuple[int, str]:
    from cleo.testers.application_tester import ApplicationTester
    from poetry.console.application import Application

    tester = ApplicationTester(Application())
    status = tester.execute(args)
    return status, tester.io.fetch_output() + tester.io.fetch_error()


@pytest.mark.parametrize("option", ["--project", "--directory"])
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("lockguard check", "matches poetry.lock"),
        ("lockguard repair --dry-run", "nothing to repair"),
        ("lockguard fence", "pip fence"),
    ],
)
def test_commands_follow_the_project_option(
    elsewhere: PoetryProject, option: str, command: str, expected: str
) -> None:
    status, output = _run(f"{option}={elsewhere.path} {command}")
    assert status == 0, output
    assert expected in output, output
    if command == "lockguard fence":
        assert str(elsewhere.venv) in output, output


def test_without_the_option_no_project_is_found(elsewhere: PoetryProject) -> None:
    for command in ("lockguard repair --dry-run", "lockguard fence"):
        status, output = _run(command)
        assert status == 2, output
        assert "pyproject.toml" in output, output
