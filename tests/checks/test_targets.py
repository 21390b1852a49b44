"""Markers are evaluated in the target interpreter; the stand-alone stays Poetry-free."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.interpreters import find_python
from tests.support.interpreters import missing
from tests.support.poetry import installed_project
from tests.support.scenarios import downgrade_lock_to_2_0


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


PYTHON39 = find_python("3.9")


@pytest.mark.skipif(PYTHON39 is None, reason=missing("3.9"))
@pytest.mark.parametrize("lock_version", ["2.1", "2.0"])
def test_markers_are_evaluated_in_the_target_interpreter(
    project: PoetryProject, tmp_path: Path, lock_version: str
) -> None:
    assert PYTHON39 is not None
    project.write_pyproject(["alpha", "zeta; python_version < '3.10'"])
    project.poetry("lock", check=True)
    if lock_version == "2.0":
        downgrade_lock_to_2_0(project.lock)
    # An in-project .venv made with 3.9 is the env Poetry uses (Poetry 2.0.0's
    # `env use` ignores the interpreter for in-project venvs).
    shutil.rmtree(project.venv, ignore_errors=True)
    # Without pip: 3.9's venv would seed setuptools, which the lock does not have.
    subprocess.run([PYTHON39, "-m", "venv", "--without-pip", str(project.venv)], check=True)
    project.poetry("install", check=True)
    assert "zeta" in project.installed()

    # lockguard runs on Python 3.11 here, the target is 3.9: zeta is required there.
    result = project.standalone("--format", "json")
    assert result.returncode == 0, result.output
    assert result.json()["summary"]["required"] == 2
    assert result.json()["environment"]["python_version"].startswith("3.9")
    assert project.lockguard("--format", "json").codes() == []

    project.pip("uninstall", "-y", "zeta")
    assert project.standalone("--format", "json").findings() == [("missing", "zeta")]

    # A 3.11 environment with only alpha is complete: zeta's marker is false there.
    other = tmp_path / "py311"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    site = next(other.glob("lib/python3*/site-packages"))
    alpha = next((project.venv).glob("lib/python3.9/site-packages/alpha-*.dist-info"))
    shutil.copytree(alpha, site / alpha.name)
    result = project.standalone("--format", "json", "--python", str(other / "bin" / "python"))
    assert result.returncode == 0, result.output
    assert result.json()["summary"]["required"] == 1


def test_standalone_never_imports_poetry_application(project: PoetryProject) -> None:
    installed_project(project, ["alpha"])
    code = (
        "import runpy, sys, json\n"
        f"sys.argv = ['poetry_lockguard', 'check', '-C', {str(project.path)!r}, '--format', 'json']\n"
        "try:\n"
        "    runpy.run_module('poetry_lockguard', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('poetry.console', 'poetry.factory', 'poetry.installation', 'cleo')))\n"
        "sys.stderr.write(json.dumps({'code': code, 'bad': bad}))\n"
    )
    result = project.run([sys.executable, "-c", code])
    outcome = json.loads(result.stderr.strip().splitlines()[-1])
    assert outcome == {"code": 0, "bad": []}


def test_virtualenvs_create_false_checks_the_base_interpreter(project: PoetryProject) -> None:
    """With virtualenvs.create = false Poetry installs into its base interpreter: so do we."""
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    shutil.rmtree(project.venv, ignore_errors=True)  # `poetry lock` made one
    env = {"POETRY_VIRTUALENVS_CREATE": "false", "POETRY_VIRTUALENVS_IN_PROJECT": "false"}
    for result in (
        project.standalone("--format", "json", env=env),
        project.lockguard("--format", "json", env=env),
    ):
        # alpha is installed in no base interpreter of ours: missing, exit 1.
        assert result.returncode == 1, result.output
        assert ("missing", "alpha") in result.findings()
        assert (
            Path(result.json()["environment"]["path"]).resolve() == Path(sys.base_prefix).resolve()
        )
    assert not project.venv.exists()
