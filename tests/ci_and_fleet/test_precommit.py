"""The hooks of .pre-commit-hooks.yaml, run by real pre-commit in a real git repository."""

from __future__ import annotations

import os
import shutil
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.poetry import UNMEASURED_TOOL
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result

CHECKOUT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit", path=str(BIN)) is None, reason="pre-commit is in the test extra"
)


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        **UNMEASURED_TOOL,
    }


def hook_repository(path: Path, env: dict[str, str], project: PoetryProject) -> str:
    """A git repository holding this checkout's .pre-commit-hooks.yaml; its commit."""
    path.mkdir()
    shutil.copy(CHECKOUT / ".pre-commit-hooks.yaml", path)
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "hooks"]):
        project.run(["git", *args], cwd=path, env=env, check=True)
    return project.run(["git", "rev-parse", "HEAD"], cwd=path, env=env, check=True).stdout.strip()


def git(project: PoetryProject, env: dict[str, str], *args: str) -> Result:
    return project.run(["git", *args], env=env)


@pytest.mark.slow
def test_pre_commit_hooks_on_a_real_repository(project: PoetryProject, tmp_path: Path) -> None:
    env = git_env(tmp_path / "pre-commit-home")
    installed_project(project, ["alpha"])
    rev = hook_repository(tmp_path / "hooks", env, project)
    (project.path / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'hooks'}\n  rev: {rev}\n"
        "  hooks:\n  - id: lockguard-lock\n  - id: lockguard-env\n"
    )
    (project.path / ".gitignore").write_text(".venv/\n")
    assert git(project, env, "init", "-q", "-b", "main").returncode == 0
    installed = project.run(
        [
            str(BIN / "pre-commit"),
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "post-checkout",
            "--hook-type",
            "post-merge",
        ],
        env=env,
    )
    assert installed.returncode == 0, installed.output
    git(project, env, "add", ".")
    first = git(project, env, "commit", "-m", "first")
    assert first.returncode == 0, first.output
    assert "poetry.lock is present, fresh and hashed (lockguard)" in first.output
    assert "Passed" in first.output

    # A change elsewhere does not run the lock hook.
    (project.path / "README.md").write_text("hello\n")
    git(project, env, "add", "README.md")
    readme = git(project, env, "commit", "-m", "readme")
    assert readme.returncode == 0, readme.output
    assert "(no files to check)Skipped" in readme.output.replace(".", "")

    # pyproject.toml gains a dependency without `poetry lock`: the commit is refused.
    project.pyproject.write_text(
        project.pyproject.read_text().replace('"alpha"', '"alpha", "delta"')
    )
    stale = git(project, env, "commit", "-am", "stale")
    assert stale.returncode == 1, stale.output
    assert "lock-stale (1)" in stale.output
    assert "Failed" in stale.output
    assert "Hint: run `poetry lock`" in stale.output
    git(project, env, "checkout", "--", "pyproject.toml")

    # A branch that pins an older alpha, locked, synced and committed.
    assert git(project, env, "checkout", "-q", "-b", "old-alpha").returncode == 0
    project.pyproject.write_text(project.pyproject.read_text().replace('"alpha"', '"alpha==1.0.0"'))
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    assert git(project, env, "commit", "-qam", "old alpha").returncode == 0

    # Back on main, the environment still has alpha 1.0.0: the post-checkout hook says so.
    back = git(project, env, "checkout", "main")
    assert back.returncode == 1, back.output
    assert "the environment matches poetry.lock (lockguard)" in back.output
    assert "version-mismatch (1)" in back.output
    assert "alpha is installed at 1.0.0, poetry.lock has 2.0.0" in back.output
    assert "Hint: run `poetry sync` to make the environment match poetry.lock" in back.output
    project.poetry("install", check=True)  # alpha 2.0.0 again
    assert (
        project.run(
            [str(BIN / "pre-commit"), "run", "--hook-stage", "post-checkout", "--all-files"],
            env=env,
        ).returncode
        == 0
    )

    # A merge that brings the older lock: the post-merge hook names the drift.
    merged = git(project, env, "merge", "--ff-only", "old-alpha")
    assert "version-mismatch (1)" in merged.output, merged.output
    assert "alpha is installed at 2.0.0, poetry.lock has 1.0.0" in merged.output
    assert "Failed" in merged.output
