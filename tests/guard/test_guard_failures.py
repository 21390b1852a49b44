"""A failure of the guard itself, at each of its steps, is one line and exit code 2
(enforce) and never a traceback unless -vvv asks for it. The failures are injected into
lockguard's own code (they stand for its bugs and a full disk); Poetry runs in-process
on an installed project, so no step downloads anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def fail(message: str) -> object:
    def raising(*args: object, **kwargs: object) -> None:
        raise RuntimeError(message)

    return raising


#: (what fails, the command, the line it prints, the exit code)
CASES = [
    (
        "poetry_lockguard.plugin.install_guard.hooks.InstallPoint.arm",
        ("install", "--dry-run"),
        (
            "lockguard: the install guard failed (RuntimeError: bug in arm); refusing `poetry"
            " install --dry-run`. Nothing was changed. Run with -vvv for details."
        ),
        2,
    ),
    (
        "poetry_lockguard.plugin.install_guard.install_state.leave_state",
        ("install",),
        "lockguard: the install guard failed after the command (bug in leave_state)",
        2,
    ),
    (
        "poetry_lockguard.plugin.install_guard.after_install.check_after_install",
        ("install",),
        (
            "lockguard: could not check the environment after `poetry install`: bug in"
            " check_after_install"
        ),
        2,
    ),
]


@pytest.mark.parametrize(
    ("target", "command", "line", "code"), CASES, ids=[c[0].rpartition(".")[2] for c in CASES]
)
def test_a_failing_step_is_one_line(
    project: PoetryProject,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    command: tuple[str, ...],
    line: str,
    code: int,
) -> None:
    installed_project(project, ["alpha"])
    monkeypatch.setattr(target, fail(f"bug in {target.rpartition('.')[2]}"))
    result = project.poetry_in_process(*command)
    assert result.returncode == code, result.output
    assert [x for x in result.stderr.splitlines() if "lockguard" in x] == [line], result.stderr
    assert "Traceback" not in result.output
    debug = project.poetry_in_process(*command, "-vvv")
    assert debug.returncode == 1, debug.output
    assert f"bug in {target.rpartition('.')[2]}" in debug.stderr
    assert line not in debug.stderr  # the error itself, not the guard's line


def test_a_failing_check_after_install_in_warn_mode_warns(
    project: PoetryProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed_project(project, ["alpha"])
    monkeypatch.setattr(
        "poetry_lockguard.plugin.install_guard.after_install.check_after_install",
        fail("unreadable"),
    )
    result = project.poetry_in_process("install", env={"POETRY_LOCKGUARD_MODE": "warn"})
    assert result.returncode == 0, result.output
    assert (
        "lockguard: could not check the environment after `poetry install`: unreadable"
        in result.stderr.splitlines()
    ), result.stderr


def test_outside_a_project_poetry_reports_its_own_error(project: PoetryProject) -> None:
    # No pyproject.toml: the guard stays out of the way, and the fence variable a user
    # set is hers again afterwards.
    with_guard = project.poetry_in_process("install", env={"POETRY_LOCKGUARD_FENCE": "on"})
    without = project.poetry_in_process("--no-plugins", "install")
    assert with_guard.returncode == without.returncode == 1
    assert with_guard.stderr == without.stderr
    assert "pyproject.toml" in with_guard.stderr
