"""Both entry points where there is nothing to check: usage, no project, unwritable
outputs. In-process: the plugin's commands through Poetry's Application, the
stand-alone through its ``main``."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

import pytest


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def test_the_stand_alone_without_a_command_prints_its_usage(project: PoetryProject) -> None:
    result = project.main()
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: python -m poetry_lockguard [-h] [--version] COMMAND")


@pytest.mark.parametrize("command", ["check", "repair"])
def test_no_project_is_exit_2_with_one_line(project: PoetryProject, command: str) -> None:
    # The project directory holds no pyproject.toml, nor does any directory above it
    # (pytest's tmp paths): nothing names a project.
    for result in (project.main(command), project.poetry_in_process("lockguard", command)):
        assert result.returncode == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "pyproject.toml" in lines[0], result.stderr
    # -C DIR is searched upwards from DIR, as Poetry's -C is.
    named = project.main(command, "-C", str(project.path))
    assert (named.returncode, named.stderr) == (
        2,
        (
            f"lockguard: {project.path.resolve()}: no pyproject.toml in this directory or"
            " its parents\n"
        ),
    )


@pytest.mark.parametrize("command", ["check", "repair"])
def test_a_project_that_cannot_be_read_is_exit_2(project: PoetryProject, command: str) -> None:
    project.pyproject.write_text("[project\n")
    result = project.main(command, "-C", str(project.path))
    assert result.returncode == 2, result.output
    assert result.stderr.startswith("lockguard: pyproject.toml: invalid TOML"), result.stderr


def test_the_step_summary_gets_the_error_and_an_unwritable_one_is_a_warning(
    project: PoetryProject,
) -> None:
    summary = project.path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = project.main("check", "--format", "github", env=env)
    assert result.returncode == 2, result.output
    assert "could not check" in summary.read_text() and "pyproject.toml" in summary.read_text()
    directory = {"GITHUB_STEP_SUMMARY": str(project.path)}
    warning = f"lockguard: cannot append to $GITHUB_STEP_SUMMARY ({project.path}): Is a directory"
    standalone = project.main("check", "--format", "github", env=directory)
    plugin = project.poetry_in_process("lockguard", "check", "--format", "github", env=directory)
    for result in (standalone, plugin):
        assert result.returncode == 2, result.output
        assert warning in result.stderr.splitlines(), result.stderr


def test_the_progress_bar_of_a_decorated_check_is_closed_on_an_error(
    project: PoetryProject,
) -> None:
    result = project.poetry_in_process("lockguard", "check", "--integrity", "--ansi")
    assert result.returncode == 2, result.output
    assert "pyproject.toml" in result.stderr


def test_a_usage_error_of_the_check_with_vvv_shows_the_traceback(project: PoetryProject) -> None:
    result = project.poetry_in_process("lockguard", "check", "--format", "-vvv")
    assert result.returncode == 2, result.output
    assert 'The "--format" option requires a value' in result.stderr
    assert "Traceback" in result.stderr


def test_zipapp_to_a_place_that_cannot_be_written_is_exit_2(project: PoetryProject) -> None:
    result = project.main("zipapp", str(project.path))
    assert result.returncode == 2, result.output
    assert result.stderr == f"lockguard: {project.path}: cannot write (Is a directory)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], 'The option "--bogus" does not exist'),
        (["--format", "yaml", "r.json"], "--format must be text or json, not 'yaml'"),
        (["r.json"], "lockguard: r.json: "),
    ],
)
def test_compare_of_the_plugin_says_what_is_wrong_with_exit_2(
    project: PoetryProject, args: list[str], message: str
) -> None:
    result = project.poetry_in_process("lockguard", "compare", *args)
    assert result.returncode == 2, result.output
    assert message in result.stderr, result.stderr
    if args == ["r.json"]:  # text: the error on stderr only
        assert result.stdout == ""
        as_json = project.poetry_in_process("lockguard", "compare", "--format", "json", *args)
        assert json.loads(as_json.stdout)["error"]["message"].startswith("r.json: ")


def test_directory_option_searches_upwards_on_both_entry_points(project: PoetryProject) -> None:
    project.write_pyproject([])
    project.poetry("lock", check=True)
    sub = project.path / "src" / "deep"
    sub.mkdir(parents=True)
    standalone = project.main("check", "--lock-only", "--format", "json", "-C", str(sub))
    plugin = project.poetry_in_process(
        "-C", str(sub), "lockguard", "check", "--lock-only", "--format", "json"
    )
    for result in (standalone, plugin):
        assert result.returncode == 0, result.output
        assert result.json()["project"] == str(project.path.resolve())
