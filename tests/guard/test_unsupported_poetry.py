"""On a Poetry the plugin does not support, lockguard's commands and the commands it
guards refuse with one line and exit code 2 before anything runs, while every other
command (``poetry self ...`` included) works, so that the plugin can be upgraded or
removed. In process, on Poetry's real Application; the Poetry version the plugin reads
is the one thing replaced (pytest-mock), since only one Poetry runs here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.plugin.application import supports


if TYPE_CHECKING:
    from pytest_mock import MockerFixture

    from tests.support.poetry import PoetryProject


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("2.0.0", True),
        ("2.0.0b3", True),
        ("2.5.1", True),
        ("2.10.0", True),
        ("1.8.5", False),
        ("1.2.0", False),
        ("3.0.0", False),
        ("3.0.0a1", False),
        ("2", False),
        ("dev", False),
    ],
)
def test_which_poetry_is_supported(version: str, supported: bool) -> None:
    assert supports(version) is supported


@pytest.mark.parametrize("version", ["1.8.5", "3.0.0"])
def test_an_unsupported_poetry_refuses_lockguard_and_guarded_commands(
    project: PoetryProject, mocker: MockerFixture, version: str
) -> None:
    mocker.patch("poetry_lockguard.plugin.poetry_api.poetry_version", return_value=version)
    project.write_pyproject(["alpha"])
    before = {p.name for p in project.path.iterdir()}
    expected = (
        f"lockguard: poetry-lockguard 0.1.0 works with Poetry >=2.0,<3, not Poetry {version}:"
    )
    for args, what in [
        (("lockguard", "check"), " its commands do not run."),
        (("lockguard",), " its commands do not run."),
        (("install",), " `poetry install` is refused, since the guard cannot run."),
        (("sync",), " `poetry sync` is refused, since the guard cannot run."),
        (("add", "beta"), " `poetry add` is refused, since the guard cannot run."),
        (("run", "true"), " `poetry run` is refused, since the guard cannot run."),
    ]:
        result = project.poetry_in_process(*args)
        assert result.returncode == 2, (args, result.output)
        assert result.stdout == "", args
        assert result.stderr.splitlines() == [
            expected + what + " Upgrade it (`poetry self add poetry-lockguard@latest`), remove it"
            " (`poetry self remove poetry-lockguard`), or run Poetry with `--no-plugins`"
        ], args
    # Nothing ran: no lock written, no venv made, pyproject.toml as it was.
    assert {p.name for p in project.path.iterdir()} == before
    assert "beta" not in (project.path / "pyproject.toml").read_text()


def test_an_unsupported_poetry_still_runs_its_other_commands(
    project: PoetryProject, mocker: MockerFixture
) -> None:
    mocker.patch("poetry_lockguard.plugin.poetry_api.poetry_version", return_value="3.0.0")
    project.write_pyproject(["alpha"])
    for args in [("--version",), ("self", "show", "plugins"), ("check",), ("lock",)]:
        result = project.poetry_in_process(*args)
        assert result.returncode == 0, (args, result.output)
        assert "lockguard:" not in result.output, args
    assert (project.path / "poetry.lock").is_file()
