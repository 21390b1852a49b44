"""Seed packages anchored in the interpreter's own wheels: real venvs made by ``python -m
venv`` (ensurepip's wheels) and by virtualenv (its embedded wheels), checked with
``--integrity`` by the stand-alone in this process.

What a venv tool seeds (pip; setuptools before Python 3.12) is verified against the
RECORD inside the seed wheel it came from, so a seed file edited together with its
installed RECORD row is caught; a tolerated package that no seed wheel ships says that
it is verified against its own RECORD only (``unanchored``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.anchored import _wrappers
from poetry_lockguard.env.probe import probe_interpreter
from poetry_lockguard.env.venv_files import seed_wheel_dirs
from poetry_lockguard.env.wheel import EntryPoint
from tests.integrity.wheels import build_wheel
from tests.support.interpreters import require
from tests.support.poetry import run_main
from tests.support.projects import LOCK
from tests.support.projects import PYPROJECT


if TYPE_CHECKING:
    from pathlib import Path


def _project(tmp_path: Path, extra: str = "") -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pyproject.toml").write_text(PYPROJECT + extra)
    (project / "poetry.lock").write_text(LOCK)
    return project


def _venv(tmp_path: Path, minor: str) -> Path:
    venv = tmp_path / f"venv{minor}"
    subprocess.run([require(minor), "-m", "venv", str(venv)], check=True)
    return venv


def _check(project: Path, venv: Path, *args: str) -> tuple[int, list[tuple[str, str | None, str]]]:
    done = run_main(
        ["check", "--integrity", "--python", str(venv / "bin" / "python"), "-f", "json", *args],
        env={"POETRY_CACHE_DIR": str(project.parent / "no-cache")},
        cwd=project,
    )
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    found = [(f["code"], f["package"], f["severity"]) for f in report["findings"]]
    return done.returncode, found


def _site(venv: Path) -> Path:
    return next(venv.glob("lib/python*/site-packages"))


def _rewrite(venv: Path, name: str, relative: str, data: bytes) -> None:
    """Write ``relative`` in the site directory and its RECORD row, as one who can
    write the environment would."""
    site = _site(venv)
    (site / relative).write_bytes(data)
    [dist_info] = site.glob(f"{name}-*.dist-info")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    rows = (dist_info / "RECORD").read_text().splitlines()
    rows = [
        f"{relative},sha256={digest},{len(data)}" if r.startswith(relative + ",") else r
        for r in rows
    ]
    (dist_info / "RECORD").write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize(
    ("minor", "seeded"),
    [("3.9", ["setuptools"]), ("3.11", ["setuptools"]), ("3.12", [])],
)
def test_a_venv_seeded_by_ensurepip_is_anchored_in_its_wheels(
    tmp_path: Path, minor: str, seeded: list[str]
) -> None:
    venv = _venv(tmp_path, minor)
    # pip is allowed extraneous by default: neither it nor setuptools is unanchored.
    assert _check(_project(tmp_path), venv) == (
        0,
        [("seed-package", name, "info") for name in seeded],
    )


def test_a_seed_file_rewritten_with_its_record_row_is_modified(tmp_path: Path) -> None:
    venv = _venv(tmp_path, "3.11")
    project = _project(tmp_path)
    _rewrite(venv, "pip", "pip/__init__.py", b"print('PWNED')\n")
    assert _check(project, venv) == (
        1,
        [
            ("seed-package", "setuptools", "info"),
            ("record-invalid", "pip", "error"),
            ("file-modified", "pip", "error"),
        ],
    )


def test_a_seed_packages_start_up_hook_rewritten_with_its_row_is_modified(
    tmp_path: Path,
) -> None:
    venv = _venv(tmp_path, "3.11")
    _rewrite(venv, "setuptools", "distutils-precedence.pth", b"import os; print('PWNED')\n")
    code, found = _check(_project(tmp_path), venv)
    assert code == 1
    assert found == [
        ("seed-package", "setuptools", "info"),
        ("record-invalid", "setuptools", "error"),
        ("file-modified", "setuptools", "error"),
    ]


@pytest.mark.parametrize("minor", ["3.9", "3.11"])
def test_a_venv_seeded_by_virtualenv_with_setuptools_passes(tmp_path: Path, minor: str) -> None:
    """virtualenv's seeder lists byte-code where it writes none and ``__pycache__``
    directories, writes its own wrappers (``pip-3.X`` too) and a ``.virtualenv`` marker."""
    venv = tmp_path / "venv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "virtualenv",
            "-q",
            "--no-periodic-update",
            "--setuptools",
            "bundle",
            "-p",
            require(minor),
            str(venv),
        ],
        check=True,
        env={"VIRTUALENV_OVERRIDE_APP_DATA": str(tmp_path / "app-data"), "PATH": "/usr/bin:/bin"},
    )
    assert (venv / "bin" / f"pip-{minor}").exists()
    assert _check(_project(tmp_path), venv) == (0, [("seed-package", "setuptools", "info")])
    # pip's files are held to virtualenv's embedded wheel, not to the RECORD beside them.
    _rewrite(venv, "pip", "pip/__init__.py", b"print('PWNED')\n")
    assert _check(_project(tmp_path), venv) == (
        1,
        [
            ("seed-package", "setuptools", "info"),
            ("record-invalid", "pip", "error"),
            ("file-modified", "pip", "error"),
        ],
    )


def test_a_tolerated_package_no_seed_wheel_ships_is_unanchored(tmp_path: Path) -> None:
    venv = _venv(tmp_path, "3.12")
    wheels = tmp_path / "wheels"
    for name in ("allowed", "stray"):
        build_wheel(wheels, name, "1.0", {f"{name}/__init__.py": b""})
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(wheels),
            "allowed",
            "stray",
        ],
        check=True,
    )
    project = _project(tmp_path, '\n[tool.lockguard]\nallow-extraneous = ["pip", "allowed"]\n')
    assert _check(project, venv) == (
        1,
        [("extraneous", "stray", "error"), ("unanchored", "allowed", "warning")],
    )
    assert _check(project, venv, "--strict")[1][1] == ("unanchored", "allowed", "error")


def test_seed_wheels_come_from_the_standard_library_not_the_environment(tmp_path: Path) -> None:
    venv = _venv(tmp_path, "3.12")
    planted = _site(venv) / "ensurepip" / "_bundled"
    planted.mkdir(parents=True)
    interpreter = probe_interpreter(venv / "bin" / "python")
    dirs = [d for d, _ in seed_wheel_dirs(interpreter)]
    assert str(planted) not in dirs
    assert any(d.endswith("ensurepip/_bundled") for d in dirs)


def test_pips_versioned_wrappers_are_the_interpreters_not_the_archives() -> None:
    class Target:
        version = "3.12.1"

    points = (
        EntryPoint("pip", "pip._internal.cli.main", "main"),
        EntryPoint("pip3.11", "pip._internal.cli.main", "main"),
        EntryPoint("other", "pip.other", "run"),
    )
    names = [(p.name, required) for p, required in _wrappers("pip", points, Target())]  # type: ignore[arg-type]
    assert names == [
        ("other", True),
        ("pip", False),
        ("pip-3.12", False),
        ("pip3", False),
        ("pip3.11", False),
        ("pip3.12", False),
    ]
    assert [p.name for p, _ in _wrappers("alpha", points, Target())] == [p.name for p in points]  # type: ignore[arg-type]


def _list_in_record(venv: Path, name: str, relative: str, data: bytes) -> None:
    site = _site(venv)
    (site / relative).parent.mkdir(parents=True, exist_ok=True)
    (site / relative).write_bytes(data)
    [dist_info] = site.glob(f"{name}-*.dist-info")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    with (dist_info / "RECORD").open("a") as f:
        f.write(f"{relative},sha256={digest},{len(data)}\n")


def _pwned_pyc(venv: Path) -> bytes:
    source = venv.parent / "evil.py"
    source.write_text("print('PWNED')\n")
    target = venv.parent / "evil.pyc"
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import py_compile; py_compile.compile({str(source)!r}, cfile={str(target)!r})",
        ],
        check=True,
    )
    return target.read_bytes()


def test_byte_code_without_a_cache_tag_in_pycache_is_unowned_though_listed(
    tmp_path: Path,
) -> None:
    """``pip/__pycache__/__init__.pyc`` imports as ``pip.__pycache__``: a RECORD row
    does not make it byte-code of a verified source."""
    venv = _venv(tmp_path, "3.11")
    _list_in_record(venv, "pip", "pip/__pycache__/__init__.pyc", _pwned_pyc(venv))
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pip.__pycache__"],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert ran.stdout == "PWNED\n", ran.stderr
    code, found = _check(_project(tmp_path), venv)
    assert code == 1
    assert ("unowned-file", None, "error") in found, found


def test_tagged_byte_code_beside_its_source_is_not_in_the_archive(tmp_path: Path) -> None:
    """virtualenv lists ``<stem>.<tag>.pyc`` beside a source without writing it; one
    that is there is a file the archive does not ship."""
    venv = _venv(tmp_path, "3.11")
    _list_in_record(venv, "pip", "pip/__init__.cpython-311.pyc", _pwned_pyc(venv))
    assert _check(_project(tmp_path), venv) == (
        1,
        [("seed-package", "setuptools", "info"), ("file-not-in-archive", "pip", "error")],
    )


def test_a_script_name_that_is_a_path_makes_the_archive_invalid(tmp_path: Path) -> None:
    from poetry_lockguard.env.wheel import WheelError
    from poetry_lockguard.env.wheel import read_wheel

    wheel = build_wheel(
        tmp_path,
        "evil",
        "1.0",
        {"evil/__init__.py": b""},
        scripts={"../lib/python3.11/site-packages/pip/__init__.py": "evil:run"},
    )
    with pytest.raises(WheelError, match="is not a file name"):
        read_wheel(wheel, "evil", str(wheel))
