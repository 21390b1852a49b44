"""Receipts a wheel cannot forge: the guard signs each receipt with the account's key, so
a ``provenance_url.json`` a package ships in its own dist-info, one another account
wrote, or one an install in warn mode wrote for an archive it could not verify is
``unattested``, never taken for the guard's. Real Poetry installs, both entry points."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

from typing import TYPE_CHECKING

from tests.integrity.support import dist_info_of
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.wheels import build_wheel


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject


def _sdist_only(project: PoetryProject, tmp_path: Path) -> PoetryProject:
    """onlysdist (the lock has only its sdist) installed by the guarded Poetry, with
    receipts required."""
    project.write_pyproject(["onlysdist==1.0.0"], lockguard={"require-receipts": True})
    project.poetry("lock", check=True)
    project.poetry("install", check=True, env={"POETRY_CACHE_DIR": str(tmp_path / "cache")})
    return project


def test_the_guards_signed_receipt_is_accepted(project: PoetryProject, tmp_path: Path) -> None:
    _sdist_only(project, tmp_path)
    receipt = json.loads((dist_info_of(project, "onlysdist") / "provenance_url.json").read_text())
    assert receipt["lockguard"]["format"] == 2
    assert receipt["lockguard"]["verified"] is True
    assert re.fullmatch("[0-9a-f]{64}", receipt["lockguard"]["signature"])
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert (result.returncode, result.findings()) == (0, [("source-built", "onlysdist")])


def test_a_receipt_the_package_ships_is_unattested(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    _sdist_only(project, tmp_path)
    sdist = index.root / "onlysdist" / "onlysdist-1.0.0.tar.gz"
    shipped = {
        "url": f"{index.url.replace('/simple/', '/files/')}onlysdist/{sdist.name}",
        "archive_info": {"hashes": {"sha256": hashlib.sha256(sdist.read_bytes()).hexdigest()}},
        "lockguard": {"format": 2, "verified": True, "signature": "0" * 64},
    }
    # A publisher's wheel of the sdist-only package, with a receipt of its own naming the
    # locked sdist (its hash is public in the lock), installed around the guard.
    wheel = build_wheel(
        tmp_path / "foreign",
        "onlysdist",
        "1.0.0",
        {
            "onlysdist/__init__.py": b"import os  # not what the locked sdist builds\n",
            "onlysdist-1.0.0.dist-info/provenance_url.json": json.dumps(shipped).encode(),
        },
    )
    project.pip("install", "--force-reinstall", "--no-deps", "--no-index", str(wheel))
    for result in run_both(project, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert ("unattested", "onlysdist") in result.findings(), result.output
        # Its word that it was built from the locked sdist is not taken.
        assert ("source-built", "onlysdist") not in result.findings(), result.output
        [message] = [f["message"] for f in result.json()["findings"] if f["code"] == "unattested"]
        assert "not signed with this account's key" in message


def test_a_receipt_from_another_account_is_unattested(
    project: PoetryProject, tmp_path: Path
) -> None:
    _sdist_only(project, tmp_path)
    # Another account's key (its own state directory): what this one signed, it did not.
    state = tmp_path / "another-account"
    state.mkdir(mode=0o700)
    key = state / "key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o600)
    other = {"POETRY_LOCKGUARD_STATE_DIR": str(state)}
    for result in run_both(project, "--integrity", "--format", "json", env=other):
        assert (result.returncode, result.findings()) == (1, [("unattested", "onlysdist")]), (
            result.output
        )


def test_in_ci_without_a_key_a_receipt_proves_its_content_only(
    project: PoetryProject, tmp_path: Path
) -> None:
    _sdist_only(project, tmp_path)
    ci = {"CI": "true", "POETRY_LOCKGUARD_STATE_DIR": ""}
    for result in run_both(project, "--integrity", "--format", "json", env=ci):
        # Built here, with a receipt nothing can verify: its files are vouched for by
        # the RECORD beside them only, and the check says so.
        assert (result.returncode, result.findings()) == (
            0,
            [("source-built", "onlysdist"), ("unanchored", "onlysdist")],
        ), result.output
        notes = result.json()["notes"]
        assert any(n.startswith("install receipts could not be verified") for n in notes)
    for result in run_both(project, "--integrity", "--strict", "--format", "json", env=ci):
        assert result.returncode == 1, result.output
        [f] = [f for f in result.json()["findings"] if f["code"] == "unanchored"]
        assert f["severity"] == "error"
        assert "POETRY_LOCKGUARD_STATE_DIR" in f["message"]


def test_a_warn_mode_install_of_an_unhashed_package_is_unattested(
    project: PoetryProject, tmp_path: Path
) -> None:
    project.write_pyproject(["alpha==2.0.0"], lockguard={"mode": "warn"})
    project.poetry("lock", check=True)
    lock = project.lock.read_text()
    emptied, n = re.subn(
        r'(name = "alpha"\n(?:.*\n)*?)files = \[\n(?:.*\n)*?\]', r"\1files = []", lock, count=1
    )
    assert n == 1
    project.lock.write_text(emptied)
    installed = project.poetry("install", env={"POETRY_CACHE_DIR": str(tmp_path / "cache")})
    assert installed.returncode == 0, installed.output
    receipt = dist_info_of(project, "alpha") / "provenance_url.json"
    assert json.loads(receipt.read_text())["lockguard"]["verified"] is False
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert set(result.findings()) == {("unhashed", "alpha"), ("unattested", "alpha")}
        [message] = [f["message"] for f in result.json()["findings"] if f["code"] == "unattested"]
        assert "did not verify the archive" in message
    # The same receipt without its `verified` entry says no more.
    data = json.loads(receipt.read_text())
    del data["lockguard"]["verified"]
    receipt.write_text(json.dumps(data))
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert ("unattested", "alpha") in result.findings(), result.output


def _only_in_the_user_site(
    project: PoetryProject, name: str, tmp_path: Path
) -> tuple[Path, dict[str, str]]:
    """Move ``name`` out of the venv into a user site (PYTHONUSERBASE) the venv sees
    (``include-system-site-packages = true``); that site and the check's environment."""
    config = project.venv / "pyvenv.cfg"
    config.write_text(
        config.read_text().replace(
            "include-system-site-packages = false", "include-system-site-packages = true"
        )
    )
    site = site_packages(project)
    user = tmp_path / "user"
    user_site = user / "lib" / site.parent.name / "site-packages"
    user_site.mkdir(parents=True)
    for entry in (name.replace("-", "_"), dist_info_of(project, name).name):
        shutil.move(str(site / entry), str(user_site / entry))
    return user_site, {"PYTHONUSERBASE": str(user)}


def test_a_locked_package_outside_the_site_directories_is_unanchored(
    installed: PoetryProject, tmp_path: Path
) -> None:
    # The venv sees its base interpreter's and the user's site-packages; alpha now lives
    # only in the user site (PYTHONUSERBASE), where no install scheme of this venv says
    # where the locked archive's files go.
    user_site, env = _only_in_the_user_site(installed, "alpha", tmp_path)
    for result in run_both(installed, "--integrity", "--strict", "--format", "json", env=env):
        assert result.returncode == 1, result.output
        [f] = [f for f in result.json()["findings"] if f["package"] == "alpha"]
        assert (f["code"], f["severity"]) == ("unanchored", "error"), result.output
        assert f"installed in {user_site}" in f["message"]


def test_a_file_edited_with_its_record_row_breaks_the_receipt(
    project: PoetryProject, tmp_path: Path
) -> None:
    """An sdist-built package has no locked wheel to anchor its files: the signature,
    bound to the RECORD the install wrote, is what a consistent edit breaks."""
    _sdist_only(project, tmp_path)
    module = site_packages(project) / "onlysdist" / "__init__.py"
    edited = module.read_bytes() + b"import os  # planted\n"
    module.write_bytes(edited)
    rewrite_record_row(dist_info_of(project, "onlysdist"), "onlysdist/__init__.py", edited)
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert (result.returncode, result.findings()) == (1, [("unattested", "onlysdist")]), (
            result.output
        )


def test_a_package_built_here_outside_the_site_directories_is_unanchored(
    project: PoetryProject, tmp_path: Path
) -> None:
    # As above, for a package the lock has only an sdist of: no archive to anchor, and
    # outside the environment's site directories its receipt's word is not enough.
    _sdist_only(project, tmp_path)
    _, env = _only_in_the_user_site(project, "onlysdist", tmp_path)
    for result in run_both(project, "--integrity", "--strict", "--format", "json", env=env):
        assert result.returncode == 1, result.output
        found = [f for f in result.json()["findings"] if f["package"] == "onlysdist"]
        assert ("unanchored", "error") in {(f["code"], f["severity"]) for f in found}, found
