"""The single-file checker: built by ``python -m poetry_lockguard zipapp``, run by a bare
Python 3.9 and 3.11 (venvs with nothing installed, ``-I``), same findings as the plugin."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import zipfile

from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

from tests.ci_and_fleet.support import drift
from tests.support.interpreters import require
from tests.support.poetry import installed_project
from tests.support.scenarios import downgrade_lock_to_2_0


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result


#: Bare interpreters to run the zipapp with (the test makes an empty venv of each): the
#: oldest Python it supports and a newer one. Skipped, with the reason, where one is
#: missing; a failure where CI requires it (LOCKGUARD_REQUIRED_PYTHONS).
PYTHONS = ["3.9", "3.11"]


@pytest.fixture(scope="module")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zipapp") / "lockguard.pyz"
    result = subprocess.run(
        [sys.executable, "-m", "poetry_lockguard", "zipapp", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (")
    return out


@pytest.fixture(scope="module", params=PYTHONS)
def bare_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of that version with nothing in it, not even pip."""
    base = require(request.param)
    venv = tmp_path_factory.mktemp(f"bare-{request.param}")
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    nothing = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import importlib.metadata as m; print(len(list(m.distributions())))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert nothing.stdout.strip() == "0"
    return python


def run_pyz(
    project: PoetryProject, python: Path, pyz: Path, *args: str, cache: Path | None = None
) -> Result:
    cache = cache or pyz.parent / "cache"
    return project.run(
        [str(python), "-I", str(pyz), *args],
        cwd=pyz.parent,
        env={"POETRY_LOCKGUARD_CACHE_DIR": str(cache)},
    )


def test_zipapp_is_small_reproducible_and_has_no_poetry_application(
    pyz: Path, tmp_path: Path
) -> None:
    assert pyz.stat().st_size < 1_000_000
    assert os.access(pyz, os.X_OK)
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    names = zipfile.ZipFile(pyz).namelist()
    assert "__main__.py" in names
    assert "poetry_lockguard/standalone/cli.py" in names
    assert "poetry_lockguard/commands/compare/fleet.py" in names
    assert "poetry/core/factory.py" in names
    assert "poetry/core/_vendor/packaging/version.py" in names
    assert "poetry/core/_vendor/tomli/_parser.py" in names
    forbidden = (
        "poetry/console/",
        "poetry/installation/",
        "cleo/",
        "poetry_lockguard/plugin/",
        "poetry_lockguard/commands/zipapp/",
        ".whl",
        ".pyc",
    )
    assert [n for n in names if n.startswith(forbidden) or n.endswith(forbidden)] == []
    again = tmp_path / "again.pyz"
    subprocess.run(
        [sys.executable, "-m", "poetry_lockguard", "zipapp", str(again)],
        check=True,
        capture_output=True,
    )
    assert again.read_bytes() == pyz.read_bytes()


@pytest.mark.slow
def test_zipapp_gives_the_plugins_findings_on_a_bare_python(
    project: PoetryProject, pyz: Path, bare_python: Path
) -> None:
    installed_project(project, ["beta>=1.0", "delta", "gamma[fast]"])
    args = ("--project", str(project.path), "--python", str(project.python), "--format", "json")

    clean = run_pyz(project, bare_python, pyz, "check", *args)
    assert clean.returncode == 0, clean.output
    document = clean.json()
    assert document["ok"] is True
    assert document["host"] == socket.gethostname()
    made = datetime.strptime(document["generated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    assert abs((datetime.now(timezone.utc) - made).total_seconds()) < 120
    assert (
        document["environment"]["fingerprint"]
        == project.lockguard("--format", "json").json()["environment"]["fingerprint"]
    )

    drift(project)
    for extra in ((), ("--integrity",)):
        plugin = project.lockguard("--format", "json", *extra)
        single = run_pyz(project, bare_python, pyz, "check", *args, *extra)
        assert single.returncode == plugin.returncode == 1, single.output
        assert single.findings() == plugin.findings()
        assert {
            ("extraneous", "stray"),
            ("missing", "delta"),
            ("version-mismatch", "alpha"),
        } <= set(single.findings())
        if not extra:
            assert len(single.findings()) == 3
        assert single.stderr == ""

    # A file changed after install: --integrity names it, from the zipapp too.
    init = next(project.venv.glob("lib/python*/site-packages/beta/__init__.py"))
    init.write_text(init.read_text() + "# tampered\n")
    single = run_pyz(project, bare_python, pyz, "check", *args, "--integrity")
    assert ("file-modified", "beta") in single.findings()
    assert single.findings() == project.lockguard("--format", "json", "--integrity").findings()

    # Lock-version 2.0 (no groups or markers): the root is read with poetry-core.
    downgrade_lock_to_2_0(project.lock)
    plugin = project.lockguard("--format", "json")
    single = run_pyz(project, bare_python, pyz, "check", *args)
    assert single.returncode == plugin.returncode == 1, single.output
    assert single.json()["lock"]["version"] == "2.0"
    assert single.findings() == plugin.findings()

    # Text output and the exit code of a usage error.
    text = run_pyz(
        project,
        bare_python,
        pyz,
        "check",
        "--project",
        str(project.path),
        "--python",
        str(project.python),
    )
    assert text.returncode == 1
    assert "version-mismatch (1)" in text.stdout
    assert run_pyz(project, bare_python, pyz, "check", "--format", "xml").returncode == 2


def test_zipapp_cannot_check_is_exit_2_and_it_has_no_zipapp_command(
    project: PoetryProject, pyz: Path, bare_python: Path
) -> None:
    project.write_pyproject(["alpha"])
    project.lock.write_text('[metadata]\nlock-version = "3.0"\n')
    result = run_pyz(
        project,
        bare_python,
        pyz,
        "check",
        "--project",
        str(project.path),
        "--format",
        "json",
        "--python",
        str(bare_python),
    )
    assert result.returncode == 2, result.output
    assert json.loads(result.stdout)["ok"] is False
    assert result.stderr.startswith("lockguard: ") and len(result.stderr.splitlines()) == 1
    inner = run_pyz(project, bare_python, pyz, "zipapp", str(project.path / "x.pyz"))
    assert inner.returncode == 2
    assert "not available" in inner.stderr


@pytest.mark.slow
def test_zipapp_without_a_writable_cache_uses_a_private_copy(
    project: PoetryProject, pyz: Path, bare_python: Path, tmp_path: Path
) -> None:
    installed_project(project, ["alpha"])
    downgrade_lock_to_2_0(project.lock)  # needs poetry-core's grammars as files
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    before = set(Path("/tmp").glob("lockguard-*"))
    result = run_pyz(
        project,
        bare_python,
        pyz,
        "check",
        "--project",
        str(project.path),
        "--python",
        str(project.python),
        "--format",
        "json",
        cache=read_only / "c",
    )
    if os.geteuid() == 0:  # root writes anywhere: the cache is used, nothing left in /tmp
        assert (read_only / "c" / "zipapp").is_dir()
    assert result.returncode == 0, result.output
    assert result.json()["lock"]["version"] == "2.0"
    assert set(Path("/tmp").glob("lockguard-*")) == before


def _plant_module(target: Path) -> None:
    (target / "poetry_lockguard").mkdir()
    (target / "poetry_lockguard" / "__init__.py").write_text("")
    (target / "poetry_lockguard" / "standalone").mkdir()
    (target / "poetry_lockguard" / "standalone" / "__init__.py").write_text("")
    (target / "poetry_lockguard" / "standalone" / "cli.py").write_text(
        "def main(prog):\n    print('planted')\n    return 0\n"
    )


def _edit_a_file(target: Path) -> None:
    with (target / "poetry" / "__init__.py").open("a") as f:
        f.write("print('planted')\n")


def _link_a_file(target: Path) -> None:
    init = target / "poetry" / "__init__.py"
    copy = target.parents[1] / "elsewhere.py"
    copy.write_bytes(init.read_bytes())
    init.unlink()
    init.symlink_to(copy)


def _plant_bytecode(target: Path) -> None:
    (target / "poetry" / "__pycache__").mkdir()
    (target / "poetry" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"planted")


TAMPERING = {
    "a module planted": _plant_module,
    "an extracted file edited": _edit_a_file,
    "a file replaced by a link": _link_a_file,
    "bytecode planted": _plant_bytecode,
    "writable by the group": lambda target: target.chmod(0o770),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_extraction_directory_is_used_only_as_the_archive_has_it(
    project: PoetryProject, pyz: Path, bare_python: Path, tmp_path: Path, tamper: Any
) -> None:
    """The extraction directory comes before the archive on sys.path: whatever is in it
    is imported first, so it is checked against the archive's hashes on every run and
    extracted again when it differs."""
    cache = tmp_path / "cache"
    usage = ("check", "-C", str(tmp_path))  # no pyproject.toml there: one line, exit 2
    assert run_pyz(project, bare_python, pyz, *usage, cache=cache).returncode == 2
    (target,) = (cache / "zipapp").iterdir()
    original = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert Path("poetry/__init__.py") in original
    tamper(target)
    result = run_pyz(project, bare_python, pyz, *usage, cache=cache)
    assert result.returncode == 2, result.output
    assert "planted" not in result.output
    assert result.stderr.startswith("lockguard: ") and len(result.stderr.splitlines()) == 1
    assert [p.name for p in (cache / "zipapp").iterdir()] == [target.name]
    assert not any(p.is_symlink() for p in target.rglob("*"))
    assert {
        p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()
    } == original
    assert target.stat().st_mode & 0o777 == 0o700
