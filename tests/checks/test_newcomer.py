"""The rough edges a new user hit (issue 11), end to end through both entry points:
`poetry lockguard check` in a real project and `python -m poetry_lockguard check`."""

from __future__ import annotations

import re
import subprocess

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.support.interpreters import require
from tests.support.scenarios import installed_with_docs_and_extra


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


def _python(minor: str) -> Path:
    return Path(require(minor))


def _bare_venv(python: Path, where: Path) -> Path:
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(where)], check=True)
    return where / "bin" / "python"


def _version_of(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


# -- python-unsupported ------------------------------------------------------------


@pytest.fixture
def python_bound_project(project_factory: ProjectFactory) -> PoetryProject:
    """A locked project without dependencies that admits Python 3.9 to 3.11."""
    project = project_factory("python-bound")
    project.write_pyproject([])
    document = tomlkit.parse(project.pyproject.read_text())
    document["project"]["requires-python"] = ">=3.9,<3.12"
    project.pyproject.write_text(tomlkit.dumps(document))
    project.poetry("lock", check=True)
    return project


def test_an_interpreter_outside_requires_python_is_a_warning(
    python_bound_project: PoetryProject, tmp_path: Path
) -> None:
    project = python_bound_project
    outside = _bare_venv(_python("3.12"), tmp_path / "py312")
    inside = _bare_venv(_python("3.11"), tmp_path / "py311")
    version = _version_of(outside)
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json", "--python", str(outside))
        assert (result.returncode, result.findings()) == (0, [("python-unsupported", None)]), (
            result.output
        )
        finding = result.json()["findings"][0]
        assert (finding["severity"], finding["expected"], finding["found"]) == (
            "warning",
            ">=3.9,<3.12",
            version,
        )
        assert f"Python {version}" in finding["message"]
        assert "requires-python (>=3.9,<3.12)" in finding["message"]
        clean = run("--format", "json", "--python", str(inside))
        assert (clean.returncode, clean.codes()) == (0, []), clean.output
        strict_text = run("--python", str(outside))
        assert strict_text.returncode == 0, strict_text.output
        assert "python-unsupported (1)" in strict_text.stdout
        assert "(1 warning)" in strict_text.stdout


def test_tool_poetry_python_narrows_requires_python(
    python_bound_project: PoetryProject, tmp_path: Path
) -> None:
    project = python_bound_project
    document = tomlkit.parse(project.pyproject.read_text())
    document["tool"]["poetry"]["dependencies"] = {"python": ">=3.10,<3.12"}
    project.pyproject.write_text(tomlkit.dumps(document))
    project.poetry("lock", check=True)
    py39 = _bare_venv(_python("3.9"), tmp_path / "py39")
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json", "--python", str(py39))
        assert (result.returncode, result.findings()) == (0, [("python-unsupported", None)]), (
            result.output
        )
        message = result.json()["findings"][0]["message"]
        assert "[tool.poetry.dependencies] python (>=3.10,<3.12)" in message


# -- the fingerprint covers exactly the locked packages --------------------------------


def _fingerprints(project: PoetryProject) -> set[str]:
    found = set()
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json")
        assert result.returncode in (0, 1), result.output
        found.add(result.json()["environment"]["fingerprint"])
    assert len(found) == 1, found  # both entry points agree
    return found


@pytest.mark.with_pip
def test_fingerprint_ignores_pip_and_follows_locked_versions(project: PoetryProject) -> None:
    import ensurepip

    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    before = _fingerprints(project)
    pip_before = project.installed()["pip"]
    # Another real pip, from the interpreter's own bundle: not in the lock.
    wheel = max((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    project.pip("install", "--no-deps", "--force-reinstall", str(wheel))
    assert project.installed()["pip"] != pip_before
    assert _fingerprints(project) == before
    assert project.lockguard("--format", "json").codes() == []
    # A locked package at another version changes it.
    project.pip("install", "--no-deps", "alpha==1.0.0")
    changed = project.standalone("--format", "json")
    assert (changed.returncode, changed.findings()) == (1, [("version-mismatch", "alpha")])
    assert _fingerprints(project) != before


# -- the smaller items -----------------------------------------------------------------


REFUSAL = (
    "lockguard: --lock-only and --integrity cannot be used together: --integrity"
    " verifies the installed files, which --lock-only does not look at"
)


def test_lock_only_with_integrity_is_refused(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    for run in (project.lockguard, project.standalone):
        result = run("--lock-only", "--integrity")
        assert (result.returncode, result.stdout) == (2, ""), result.output
        assert result.stderr.splitlines() == [REFUSAL]
        document = run("--lock-only", "--integrity", "--format", "json")
        assert document.returncode == 2
        assert "--lock-only and --integrity" in document.json()["error"]["message"]


@pytest.mark.parametrize(
    "selection",
    [("--only", "main"), ("-E", "e1"), ("--with", "docs"), ("--with", "docs", "-E", "e1")],
)
def test_lock_only_counts_what_the_full_check_counts(
    project: PoetryProject, selection: tuple[str, ...]
) -> None:
    installed_with_docs_and_extra(project)
    for run in (project.lockguard, project.standalone):
        full = run("--format", "json", *selection)
        lock_only = run("--format", "json", "--lock-only", *selection)
        assert (lock_only.returncode, lock_only.codes()) == (0, []), lock_only.output
        assert full.returncode in (0, 1), full.output  # unselected packages may be errors
        assert lock_only.json()["selection"] == full.json()["selection"]
        assert lock_only.json()["summary"]["required"] == full.json()["summary"]["required"]


def test_one_error_and_one_warning_are_singular_in_every_summary(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"], groups={"docs": ["docs-tool"]}, optional_groups={"docs"})
    project.poetry("lock", check=True)
    project.poetry("install", "--with", "docs", check=True)
    project.pip("install", "stray")
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json", "--only", "main")
        assert (result.returncode, result.findings()) == (
            1,
            [("extraneous", "stray"), ("unselected", "docs-tool")],
        ), result.output
        summaries = {
            "text": "1 error, 1 warning; 1 locked package checked;",
            "markdown": "1 error, 1 warning; 1 locked package checked (lock-version 2.1);",
            "github": "lockguard failed: 1 error, 1 warning, 1 locked package checked",
        }
        for fmt, summary in summaries.items():
            output = run("--format", fmt, "--only", "main")
            assert output.returncode == 1, output.output
            assert summary in output.stdout, (fmt, output.stdout)


def test_record_invalid_findings_come_in_record_order(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    record = next(project.venv.glob("lib/python*/site-packages/alpha-*.dist-info/RECORD"))
    rows = record.read_text().splitlines()
    # Bad rows whose paths, made absolute, sort in another order than their lines (and
    # in an order that depends on where the venv lives).
    bad = [
        "../../../../etc/passwd,sha256=AAAA,12",
        "/abs/file.py,sha256=BBBB,3",
        "x.py,md5=abc,1",
        "too,many,cols,here",
    ]
    record.write_text("\n".join([*rows, *bad]) + "\n")
    first_bad = len(rows) + 1
    for run in (project.lockguard, project.standalone):
        result = run("--integrity", "--format", "json")
        assert (result.returncode, result.findings()) == (1, [("record-invalid", "alpha")] * 4), (
            result.output
        )
        lines = [
            int(re.search(r"RECORD line (\d+)", f["message"]).group(1))  # type: ignore[union-attr]
            for f in result.json()["findings"]
        ]
        assert lines == list(range(first_bad, first_bad + 4))
