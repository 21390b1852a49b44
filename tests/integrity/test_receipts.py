"""Receipts read back against the lock, from real Poetry installs.

The template env's receipts come from the install guard when it is active; where it
left none, the fixture writes them the way the guard does (see conftest), so these
tests do not depend on the guard's progress.
"""

from __future__ import annotations

import hashlib
import json
import re

from typing import TYPE_CHECKING

import pytest
import tomlkit

from poetry_lockguard.checks.receipts import ReceiptCheck
from poetry_lockguard.checks.receipts import receipt_fields
from poetry_lockguard.config import load_policy
from tests.integrity.support import dist_info_of
from tests.integrity.support import plant_receipt
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result


def _require_receipts(project: PoetryProject) -> None:
    doc = tomlkit.parse(project.pyproject.read_text())
    doc["tool"]["lockguard"] = {"require-receipts": True}
    project.pyproject.write_text(tomlkit.dumps(doc))


def _drop_receipt(project: PoetryProject, name: str) -> None:
    dist_info = dist_info_of(project, name)
    (dist_info / "provenance_url.json").unlink()
    rewrite_record_row(dist_info, f"{dist_info.name}/provenance_url.json", None)


def _findings(result: Result) -> list[tuple[str, str, str | None]]:
    return sorted((f["code"], f["severity"], f["package"]) for f in result.json()["findings"])


def test_unattested_is_a_warning_unless_receipts_are_required(installed: PoetryProject) -> None:
    _drop_receipt(installed, "beta")
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 0, result.output
        assert _findings(result) == [("unattested", "warning", "beta")]
    _require_receipts(installed)
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert _findings(result) == [("unattested", "error", "beta")]


def test_pip_reinstall_outside_the_lock_is_unattested(installed: PoetryProject) -> None:
    installed.pip("install", "--force-reinstall", "--no-deps", "alpha==2.0.0")
    _require_receipts(installed)
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert _findings(result) == [("unattested", "error", "alpha")]


def test_lock_hash_changed_after_install_is_artifact_not_locked(
    installed: PoetryProject,
) -> None:
    # The lock now names another artifact for alpha 2.0.0 than the one installed
    # (a swapped artifact, a re-published file): the receipt no longer matches.
    lock = installed.lock.read_text()
    receipt = json.loads((dist_info_of(installed, "alpha") / "provenance_url.json").read_text())
    installed_hash = receipt["archive_info"]["hashes"]["sha256"]
    assert installed_hash in lock
    installed.lock.write_text(lock.replace(installed_hash, "0" * 64))
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        # The lock's new hash is no archive's: nothing to verify the files against.
        assert _findings(result) == [
            ("artifact-not-locked", "error", "alpha"),
            ("unanchored", "warning", "alpha"),
        ]


def test_tampered_receipt(installed: PoetryProject) -> None:
    receipt = dist_info_of(installed, "alpha") / "provenance_url.json"
    data = json.loads(receipt.read_text())
    data["archive_info"]["hashes"]["sha256"] = "1" * 64
    receipt.write_text(json.dumps(data))
    # The receipt is a file the installer writes, not one of the archive's: its RECORD
    # row proves nothing; what it names is compared with the lock.
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert result.codes() == ["artifact-not-locked"]
    # An attacker who also fixes RECORD is still caught by the lock comparison.
    dist_info = dist_info_of(installed, "alpha")
    rewrite_record_row(dist_info, f"{dist_info.name}/provenance_url.json", receipt.read_bytes())
    for result in run_both(installed, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert result.codes() == ["artifact-not-locked"]


def test_sdist_fallback_install_is_built_from_source(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    # `both` has a wheel and an sdist. Edit the lock's wheel hash: Poetry skips the
    # wheel and silently builds the sdist, whose hash still matches.
    project.write_pyproject(["both==1.0.0"])
    project.poetry("lock", check=True)
    lock = project.lock.read_text()
    wheel_hash = re.search(r'file = "both-1.0.0-py3-none-any.whl", hash = "sha256:(\w+)"', lock)
    assert wheel_hash is not None
    project.lock.write_text(lock.replace(wheel_hash.group(1), "f" * 64))
    markers = tmp_path / "built"
    markers.mkdir()
    cache = tmp_path / "cache"
    project.poetry(
        "--no-plugins",
        "install",
        check=True,
        env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers), "POETRY_CACHE_DIR": str(cache)},
    )
    assert (markers / "both-1.0.0.built").exists()

    # Without the guard there is no receipt: required receipts catch it.
    _require_receipts(project)
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        # No archive in Poetry's cache has the (edited) sha256 the lock gives the wheel.
        assert _findings(result) == [
            ("unanchored", "warning", "both"),
            ("unattested", "error", "both"),
        ]

    # With a receipt for the sdist (what a guard in warn mode leaves): built-from-source.
    sdist = index.root / "both" / "both-1.0.0.tar.gz"
    plant_receipt(
        project,
        "both",
        index,
        artifact=sdist.name,
        sha256=hashlib.sha256(sdist.read_bytes()).hexdigest(),
    )
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert _findings(result) == [
            ("built-from-source", "error", "both"),
            ("unanchored", "warning", "both"),
        ]


@pytest.mark.parametrize(
    ("receipt", "fields"),
    [
        ({"url": "u", "archive_info": {"hashes": {"sha256": " ABC "}}}, ("u", "abc")),
        ({"url": "u", "archive_info": {"hash": "SHA256=ABC"}}, ("u", "abc")),  # older form
        ({"url": "u", "archive_info": {"hash": "md5=abc"}}, ("u", "")),
        ({"url": 3, "archive_info": []}, ("", "")),
    ],
)
def test_receipt_fields(receipt: dict[str, object], fields: tuple[str, str]) -> None:
    assert receipt_fields(receipt) == fields


def test_only_a_wheel_with_a_tag_of_the_environment_is_compatible() -> None:
    check = ReceiptCheck(load_policy(None), ["py3-none-any"])
    assert check._compatible("alpha-1.0-py3-none-any.whl")
    assert not check._compatible("alpha-1.0-py2-none-any.whl")
    assert not check._compatible("alpha.whl")  # not a wheel name
    assert not check._compatible("alpha-1.0.tar.gz")
