"""The rows of docs/threat-model.md that no other integrity test covers."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.integrity.support import LOCKED_WHEELS
from tests.integrity.support import dist_info_of
from tests.integrity.support import plant_receipt
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.support import without_archives
from tests.integrity.wheels import build_wheel
from tests.support.index import PackageIndex


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def _require_receipts(project: PoetryProject) -> None:
    doc = tomlkit.parse(project.pyproject.read_text())
    doc["tool"]["lockguard"] = {"require-receipts": True}
    project.pyproject.write_text(tomlkit.dumps(doc))


def test_swapped_version(installed: PoetryProject) -> None:
    installed.pip("install", "--no-deps", "alpha==1.0.0")
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("version-mismatch", "alpha")]


def test_files_emptied_in_the_lock(installed: PoetryProject) -> None:
    lock = installed.lock.read_text()
    emptied, n = re.subn(
        r'(name = "alpha"\n(?:.*\n)*?)files = \[\n(?:.*\n)*?\]', r"\1files = []", lock, count=1
    )
    assert n == 1
    installed.lock.write_text(emptied)
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("unhashed", "alpha")]


def test_package_from_another_index(installed: PoetryProject, tmp_path: Path) -> None:
    # Same name and version, other bytes, from another index (dependency confusion).
    other = PackageIndex(tmp_path / "other-index")
    try:
        build_wheel(
            other.root / "alpha",
            "alpha",
            "2.0.0",
            {"alpha/__init__.py": b"import os  # not the locked alpha\n"},
        )
        installed.run(
            [
                str(installed.python),
                "-m",
                "pip",
                "install",
                "--force-reinstall",
                "--no-deps",
                "--index-url",
                other.url,
                "alpha==2.0.0",
            ],
            check=True,
            env={"POETRY_LOCKGUARD_FENCE": "off"},
        )
    finally:
        other.close()
    for result in run_both(installed, "--integrity", "--format", "json"):
        # Its files are not the locked archive's, whatever its own RECORD says.
        assert result.returncode == 1, result.output
        assert set(result.findings()) == {
            ("file-modified", "alpha"),
            ("record-invalid", "alpha"),
            ("unattested", "alpha"),
        }
        modified = {
            f["path"].rsplit("site-packages/", 1)[1]
            for f in result.json()["findings"]
            if f["code"] == "file-modified"
        }
        assert "alpha/__init__.py" in modified, modified
    # Without the locked archive, only the missing receipt tells.
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", env=env):
        assert result.returncode == 0, result.output
        assert result.findings() == [
            *(("unanchored", name) for name in LOCKED_WHEELS),
            ("unattested", "alpha"),
        ]
    _require_receipts(installed)
    for result in run_both(installed, "--integrity", "--format", "json", env=env):
        assert result.returncode == 1, result.output
        assert ("unattested", "alpha") in result.findings()


def test_pip_install_of_an_unlocked_package(installed: PoetryProject) -> None:
    installed.pip("install", "stray")
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("extraneous", "stray")]


def test_record_edited_alone_is_record_invalid(installed: PoetryProject) -> None:
    dist_info = dist_info_of(installed, "beta")
    rewrite_record_row(dist_info, "beta/__init__.py", b"something else\n")
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        # The file is the locked archive's; the installed RECORD's row is not.
        assert result.findings() == [("record-invalid", "beta")]
    # Without the archive, the file is checked against that row: it differs.
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", env=env):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("file-modified", "beta"),
            *(("unanchored", name) for name in LOCKED_WHEELS),
        ]


def test_file_and_record_edited_together_differ_from_the_locked_archive(
    installed: PoetryProject,
) -> None:
    evil = b"import os  # planted, with a matching RECORD row\n"
    (site_packages(installed) / "beta" / "__init__.py").write_bytes(evil)
    rewrite_record_row(dist_info_of(installed, "beta"), "beta/__init__.py", evil)
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("file-modified", "beta"), ("record-invalid", "beta")]
    # Without the locked archive, RECORD is as writable as the files it lists; the
    # receipt the guard signed is bound to the RECORD the install wrote, so it says so.
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", env=env):
        assert result.returncode == 0, result.output  # warnings
        assert sorted(result.findings()) == sorted(
            [*(("unanchored", name) for name in LOCKED_WHEELS), ("unattested", "beta")]
        )


@pytest.mark.with_pip
def test_url_artifact_replaced(project: PoetryProject, index: PackageIndex) -> None:
    folder = index.root / "lg-urlpkg"
    wheel = build_wheel(folder, "lg-urlpkg", "1.0.0", {"lg_urlpkg/__init__.py": b"ok = 1\n"})
    url = index.url.replace("/simple/", f"/files/lg-urlpkg/{wheel.name}")
    project.write_pyproject([f"lg-urlpkg @ {url}"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    if not (dist_info_of(project, "lg-urlpkg") / "provenance_url.json").exists():
        plant_receipt(project, "lg-urlpkg", index)
    _require_receipts(project)
    for r in run_both(project, "--integrity", "--format", "json"):
        assert r.findings() == [], r.output

    # The server now serves other bytes at the locked URL; pip takes them. (Without an
    # index option, pip's check for a newer pip would ask the default index.)
    build_wheel(folder, "lg-urlpkg", "1.0.0", {"lg_urlpkg/__init__.py": b"import os\n"})
    pip = [str(project.python), "-m", "pip", "--disable-pip-version-check"]
    project.run(
        [*pip, "install", "--force-reinstall", "--no-deps", url],
        check=True,
        env={"POETRY_LOCKGUARD_FENCE": "off"},
    )
    for result in run_both(project, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        # Poetry's cache keeps the archive it verified at the URL: the new bytes differ.
        assert set(result.findings()) == {
            ("file-modified", "lg-urlpkg"),
            ("record-invalid", "lg-urlpkg"),
            ("unattested", "lg-urlpkg"),
        }, result.output
