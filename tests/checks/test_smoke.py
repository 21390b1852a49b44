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
        # An option nothing defines is a usage error on every lockguard command.
        (["--bogus"], 'The option "--bogus" does not exist'),
        (["repair", "--bogus"], 'The option "--bogus" does not exist'),
        (["fence", "--bogus"], 'The option "--bogus" does not exist'),
        (["sbom", "--bogus"], 'The option "--bogus" does not exist'),
        (["compare", "--bogus"], 'The option "--bogus" does not exist'),
    ],
)
def test_an_unknown_lockguard_command_or_option_is_exit_2(
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


@pytest.mark.parametrize("entry", ["standalone", "lockguard"])
def test_quiet_silences_the_text_report_only(project: PoetryProject, entry: str) -> None:
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    project.pip("install", "stray")
    run = getattr(project, entry)
    text = run("-q")
    assert (text.returncode, text.stdout, text.stderr) == (1, "", ""), text.output
    as_json = run("-q", "--format", "json")
    assert (as_json.returncode, as_json.findings()) == (1, [("extraneous", "stray")])
    sarif = run("-q", "--format", "sarif")
    assert sarif.json()["runs"][0]["results"][0]["ruleId"] == "extraneous", sarif.output
    # An error is never silent: one line and exit 2, also under -q.
    project.pyproject.write_text(project.pyproject.read_text() + "\n[tool.lockguard]\nmode = 1\n")
    broken = run("-q")
    assert broken.returncode == 2, broken.output
    assert broken.stdout == ""
    assert len(broken.stderr.strip().splitlines()) == 1, broken.stderr
    assert "mode must be one of" in broken.stderr, broken.stderr


@pytest.mark.parametrize("entry", ["standalone", "lockguard"])
def test_verbose_says_where_the_environment_and_selection_come_from(
    project: PoetryProject, entry: str
) -> None:
    project.write_pyproject(["alpha"], groups={"docs": ["docs-tool"]}, optional_groups={"docs"})
    project.poetry("lock", check=True)
    project.poetry("install", "--with", "docs", check=True)
    run = getattr(project, entry)
    plain = run()
    assert plain.returncode == 0, plain.output
    assert "lockguard: environment" not in plain.stderr
    verbose = run("-v")
    assert verbose.returncode == 0, verbose.output
    lines = [line for line in verbose.stderr.splitlines() if line.startswith("lockguard: ")]
    assert lines[:3] == [
        f"lockguard: project: {project.path.resolve()}",
        f"lockguard: environment: {project.venv.resolve()} (the project's in-project .venv)",
        (
            "lockguard: selection: groups docs, main; extras none (the selection the last"
            " guarded install recorded)"
        ),
    ], verbose.stderr
    assert lines[3].startswith("lockguard: timings: project and lock read "), lines[3]
    assert lines[3].endswith(" ms in all"), lines[3]
    given = run("-v", "--python", str(project.venv), "--only", "main")
    assert given.returncode == 0, given.output
    assert f"lockguard: environment: {project.venv.resolve()} (the --python given)" in given.stderr
    assert "lockguard: selection: groups main; extras none (the options given)" in given.stderr
