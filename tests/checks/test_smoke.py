from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def test_clean_install_passes(project: PoetryProject) -> None:
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    # The real `poetry` executable, plugin loaded from its entry point (other tests run
    # the command in-process).
    result = project.poetry("lockguard", "check", "--format", "json")
    assert result.returncode == 0, result.output
    assert result.codes() == []


def test_lockguard_alone_lists_its_commands(project: PoetryProject) -> None:
    result = project.poetry("lockguard")
    assert result.returncode == 0, result.output
    assert "lockguard check" in result.stdout
    assert "python-poetry.org" not in result.output


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["chek"], 'The command "lockguard chek" does not exist. Did you mean lockguard check?'),
        (
            ["repiar", "--dry-run"],
            'The command "lockguard repiar" does not exist. Did you mean lockguard repair?',
        ),
        (["foo", "bar"], 'The command "lockguard foo bar" does not exist. (poetry lockguard'),
    ],
)
def test_an_unknown_lockguard_command_is_exit_2_with_did_you_mean(
    project: PoetryProject, words: list[str], message: str
) -> None:
    result = project.poetry("lockguard", *words)
    assert result.returncode == 2, result.output
    assert message in result.stderr, result.output


def test_standalone_finds_the_project_from_a_subdirectory_and_is_quiet_with_q(
    project: PoetryProject,
) -> None:
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    sub = project.path / "src" / "deep"
    sub.mkdir(parents=True)
    python = sys.executable
    found = project.run([python, "-m", "poetry_lockguard", "check", "--format", "json"], cwd=sub)
    assert (found.returncode, found.codes()) == (0, []), found.output
    assert found.json()["project"] == str(project.path.resolve())
    project.pip("install", "stray")
    quiet = project.run([python, "-m", "poetry_lockguard", "check", "-q"], cwd=sub)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (1, "", "")
