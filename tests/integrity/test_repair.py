"""`lockguard repair` turns each integrity finding back into a clean check."""

from __future__ import annotations

import json
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import site_packages
from tests.support.forkserver import POETRY
from tests.support.interpreters import find_python
from tests.support.interpreters import missing


PYTHON39 = find_python("3.9")


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


def _damaged(project_factory: ProjectFactory) -> PoetryProject:
    project = project_factory("repair")
    project.write_pyproject(["beta>=1.0", "gamma[fast]", "epsilon"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    site = site_packages(project)
    (site / "alpha" / "__init__.py").write_text("print('owned')\n")  # file-modified
    (site / "beta" / "__init__.py").unlink()  # file-missing
    append_record(dist_info_of(project, "delta"), b"delta/x.py,sha256,1")  # record-invalid
    (dist_info_of(project, "epsilon") / "provenance_url.json").unlink()  # unattested
    project.pip("uninstall", "-y", "gamma")  # missing
    project.pip("install", "stray")  # extraneous
    return project


def test_repair_dry_run_lists_and_changes_nothing(project_factory: ProjectFactory) -> None:
    project = _damaged(project_factory)
    before = project.installed()
    result = project.poetry("lockguard", "repair", "--dry-run")
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()
    assert "reinstall alpha (file-modified)" in lines
    assert "reinstall beta (file-missing)" in lines
    assert "reinstall delta (record-invalid)" in lines
    # The receipt is one of the files the installer writes, not the archive: unattested.
    assert "reinstall epsilon (unattested)" in lines
    assert "install gamma (missing)" in lines
    assert "leave stray in place (extraneous: --remove-extraneous removes it)" in lines
    assert project.installed() == before
    hint = project.lockguard("--integrity")
    assert "poetry lockguard repair" in hint.stdout, hint.stdout


def test_repair_makes_the_integrity_check_clean(project_factory: ProjectFactory) -> None:
    project = _damaged(project_factory)
    result = project.poetry("lockguard", "repair", "--remove-extraneous")
    assert result.returncode == 0, result.output
    check = project.lockguard("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (0, []), check.output
    assert "stray" not in project.installed()
    assert (site_packages(project) / "alpha" / "__init__.py").read_text().startswith("__version__")


def test_standalone_repair_keeps_extraneous_without_the_option(
    project_factory: ProjectFactory,
) -> None:
    project = _damaged(project_factory)
    result = project.run(
        [sys.executable, "-m", "poetry_lockguard", "repair", "-C", str(project.path)]
    )
    assert result.returncode == 1, result.output  # stray is still extraneous
    lines = result.stdout.splitlines()
    assert "leave stray in place (extraneous: --remove-extraneous removes it)" in lines
    assert "failed" not in result.output, result.output  # keeping stray is not a failure
    assert (
        "took out alpha 2.0.0: the files its locked archive alpha-2.0.0-py3-none-any.whl"
        in result.stdout
    )
    assert lines[-1] == (
        "repaired: every locked package matches poetry.lock, every file verified (20 files,"
        " against the locked archives); left in place: stray (extraneous:"
        " --remove-extraneous removes it)"
    ), result.stdout
    check = project.standalone("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (1, ["extraneous"]), check.output


def _other_venv(project: PoetryProject, name: str = "other") -> Path:
    other = project.path / name
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    return other


def _installed_in(project: PoetryProject, venv: Path) -> dict[str, str]:
    code = "import json, importlib.metadata as m; print(json.dumps(sorted(d.version + ' ' + d.metadata['Name'] for d in m.distributions())))"
    result = project.run([str(venv / "bin" / "python"), "-c", code], check=True)
    pairs = (line.split(" ", 1) for line in json.loads(result.stdout))
    return {name: version for version, name in pairs}


def test_repair_with_python_installs_into_that_interpreter(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory("repair-other")
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    own_before = project.installed()
    other = _other_venv(project)
    python = str(other / "bin" / "python")
    dry = project.poetry("lockguard", "repair", "--python", python, "--dry-run")
    assert dry.returncode == 1, dry.output
    assert f"into the environment of --python: {other}" in dry.stdout.splitlines()
    assert _installed_in(project, other) == {}
    result = project.poetry("lockguard", "repair", "--python", python)
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("repaired:"), result.stdout
    assert _installed_in(project, other) == {"alpha": "2.0.0"}
    assert project.installed() == own_before  # the project's own env is untouched
    check = project.lockguard("--integrity", "--python", python, "--format", "json")
    assert (check.returncode, check.codes()) == (0, []), check.output


def test_repair_with_python_refuses_what_poetry_would_not_install_into(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory("repair-refused")
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    base = str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}")
    not_a_venv = project.poetry("lockguard", "repair", "--python", base)
    assert not_a_venv.returncode == 2, not_a_venv.output
    assert f"{Path(base).resolve().parent.parent} is not a virtualenv" in not_a_venv.stderr
    assert "Traceback" not in not_a_venv.output
    standalone = project.run(
        [
            sys.executable,
            "-m",
            "poetry_lockguard",
            "repair",
            "-C",
            str(project.path),
            "--python",
            base,
        ]
    )
    assert (standalone.returncode, standalone.stderr) == (2, not_a_venv.stderr), standalone.output


@pytest.mark.skipif(PYTHON39 is None, reason=missing("3.9"))
def test_repair_refuses_an_interpreter_outside_the_python_constraint(
    project_factory: ProjectFactory,
) -> None:
    assert PYTHON39 is not None
    project = project_factory("repair-unsupported")
    project.write_pyproject(["alpha"])
    text = project.pyproject.read_text().replace('">=3.9"', '">=3.10"')
    project.pyproject.write_text(text)
    project.poetry("lock", check=True)
    other = project.path / "py39"
    subprocess.run([PYTHON39, "-m", "venv", "--without-pip", str(other)], check=True)
    before = project.snapshot()
    unsupported = project.poetry("lockguard", "repair", "--python", str(other / "bin" / "python"))
    assert unsupported.returncode == 2, unsupported.output
    assert "is not allowed by the project's requires-python (>=3.10)" in unsupported.stderr
    assert unsupported.stderr.rstrip().endswith(
        "nothing was changed (repair an interpreter the constraint allows)"
    ), unsupported.output
    assert _installed_in(project, other) == {}
    assert project.snapshot() == before


def test_repair_refuses_a_venv_poetry_would_not_install_into(
    project_factory: ProjectFactory,
) -> None:
    """`poetry env use` chose the project's environment: Poetry ignores an activated
    venv then, so a repair of another venv is refused before anything changes."""
    project = project_factory("repair-env-use")
    project.write_pyproject(["alpha"])
    outside = {"POETRY_VIRTUALENVS_IN_PROJECT": "false"}
    project.run([str(POETRY), "env", "use", sys.executable], env=outside, check=True)
    project.run([str(POETRY), "lock"], env=outside, check=True)
    other = _other_venv(project)
    project.run([str(POETRY), "install"], env={**outside, "VIRTUAL_ENV": str(other)}, check=True)
    assert _installed_in(project, other) == {}  # env use wins over VIRTUAL_ENV
    before = project.snapshot()
    python = str(other / "bin" / "python")
    result = project.run([str(POETRY), "lockguard", "repair", "--python", python], env=outside)
    assert result.returncode == 2, result.output
    chosen = project.run([str(POETRY), "env", "info", "--path"], env=outside).stdout.strip()
    assert result.stderr.strip() == (
        f"lockguard: --python {python}: Poetry would install into {chosen}, not into"
        f" {other}, the environment checked (`poetry env use` chose another Python for this"
        " project, or Poetry's configuration names another environment): nothing was"
        " changed; run `poetry env info` to see which one Poetry uses"
    )
    assert _installed_in(project, other) == {}
    assert project.snapshot() == before


def test_repair_leaves_what_the_lock_does_not_pin(project_factory: ProjectFactory) -> None:
    """An edited seed pip: reinstalling it through Poetry would only take it out."""
    project = project_factory("repair-pip", with_pip=True)
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    pip_init = site_packages(project) / "pip" / "__init__.py"
    pip_init.write_text(pip_init.read_text() + "# edited\n")
    result = project.poetry("lockguard", "repair")
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()
    assert (
        "leave pip alone (file-modified): poetry.lock does not pin it, so a reinstall"
        " through Poetry would only take it out; reinstall it by hand"
    ) in lines, result.stdout
    assert "nothing to repair" in lines
    assert pip_init.is_file()


@pytest.mark.parametrize(
    ("install", "recorded"),
    [(["--with", "docs"], "--with docs"), (["--only", "main"], "--only main")],
    ids=["optional-group", "only-main"],
)
def test_a_bare_repair_keeps_the_selection_the_last_install_recorded(
    project_factory: ProjectFactory, install: list[str], recorded: str
) -> None:
    """An optional group the environment has is reinstalled, not dropped; a group it was
    installed without is not added; a project installed with --no-root stays so."""
    project = project_factory("repair-selection")
    project.write_pyproject(
        ["alpha"],
        groups={"docs": ["beta>=1.0"], "dev": ["delta"]},
        optional_groups={"docs"},
        package_mode=True,
    )
    project.poetry("lock", check=True)
    project.poetry("install", "--no-root", *install, check=True)
    site = site_packages(project)
    damaged = "beta" if "docs" in install else "alpha"
    (site / damaged / "__init__.py").write_text("print('owned')\n")
    before = set(project.installed())
    dry = project.poetry("lockguard", "repair", "--dry-run")
    assert dry.returncode == 1, dry.output
    assert dry.stdout.splitlines()[-1] == (
        f"would run `poetry install --no-interaction --no-root {recorded}`"
    )
    result = project.poetry("lockguard", "repair")
    assert result.returncode == 0, result.output
    last = result.stdout.splitlines()[-1]
    assert last.startswith(
        "repaired: the environment matches poetry.lock, every file verified ("
    ), last
    assert last.endswith(" files, against the locked archives)"), last
    assert set(project.installed()) == before
    check = project.lockguard("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (0, []), check.output


def test_repair_runs_nothing_from_the_damaged_environment(
    project_factory: ProjectFactory,
) -> None:
    """The damaged environment's pip is not what takes a package out: a pip planted to
    leave a mark never runs."""
    project = _damaged(project_factory)
    marker = project.path / "pip-ran"
    pip = site_packages(project) / "pip"
    pip.mkdir()
    (pip / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (pip / "__main__.py").write_text("")
    result = project.poetry("lockguard", "repair", "--remove-extraneous")
    assert not marker.exists(), result.output
    assert "took out alpha 2.0.0: the files its locked archive" in result.stdout, result.output


def test_repair_takes_out_an_archive_file_its_record_no_longer_lists(
    project_factory: ProjectFactory,
) -> None:
    """With its RECORD gone, a package's files are those its locked archive lists: each
    is taken out before the reinstall (a module the new install would not write is not
    left behind)."""
    project = project_factory("repair-record")
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    site = site_packages(project)
    (dist_info_of(project, "alpha") / "RECORD").unlink()  # record-missing
    module = site / "alpha" / "__init__.py"
    module.write_text("print('owned')\n")
    dry = project.poetry("lockguard", "repair", "--dry-run")
    assert "reinstall alpha (record-missing)" in dry.stdout.splitlines(), dry.output
    result = project.poetry("lockguard", "repair")
    assert result.returncode == 0, result.output
    assert (
        "took out alpha 2.0.0: the files its locked archive alpha-2.0.0-py3-none-any.whl and its"
        " RECORD list (3 removed)"
    ) in result.stdout.splitlines(), result.output
    assert module.read_text().startswith("__version__")
    check = project.lockguard("--integrity", "--format", "json")
    assert (check.returncode, check.codes()) == (0, []), check.output


def test_repair_refuses_while_a_pth_nothing_installed_would_run(
    project_factory: ProjectFactory,
) -> None:
    """Poetry's install starts the environment's interpreter with `site` on: an unowned
    .pth would run, so repair refuses before changing anything."""
    project = _damaged(project_factory)
    hook = site_packages(project) / "zz-planted.pth"
    hook.write_text("import os\n")
    before = project.installed()
    result = project.poetry("lockguard", "repair")
    assert result.returncode == 2, result.output
    message = (
        f"lockguard: {hook} is a .pth file no distribution installed, and the environment's"
        " interpreter runs it when Poetry's install starts it: remove it (see `poetry"
        " lockguard check --integrity`), then repair"
    )
    assert result.output.strip().splitlines() == [message]
    assert project.installed() == before
    assert (site_packages(project) / "alpha" / "__init__.py").read_text() == "print('owned')\n"
