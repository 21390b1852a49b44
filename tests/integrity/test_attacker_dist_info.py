"""Dist-info an attacker controls, through ``poetry lockguard check`` and the
stand-alone check alike (exact codes, exact exit codes, within a timeout)."""

from __future__ import annotations

import base64
import hashlib
import os

from typing import TYPE_CHECKING

import pytest

from tests.integrity.support import LOCKED_WHEELS
from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.support import without_archives
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def _plant(project: PoetryProject, directory: str, metadata: bytes) -> Path:
    dist = site_packages(project) / directory
    dist.mkdir()
    (dist / "METADATA").write_bytes(metadata)
    return dist


def test_form_feed_cannot_hide_a_distribution_as_pip(installed: PoetryProject) -> None:
    # str.splitlines() read "Name: pip" here (pip is allowed extraneous); Python reads evil.
    _plant(
        installed,
        "evil-1.0.dist-info",
        b"Metadata-Version: 2.1\x0cName: pip\nName: evil\nVersion: 1.0\n\n",
    )
    for result in run_both(installed, "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("extraneous", "evil")]


def test_directory_name_and_metadata_disagree(installed: PoetryProject) -> None:
    _plant(installed, "pip-99.0.dist-info", b"Metadata-Version: 2.1\nName: evil\nVersion: 99.0\n\n")
    _plant(installed, "zed-1.0.dist-info", b"Metadata-Version: 2.1\nName: zed\nVersion: 2.0\n\n")
    for result in run_both(installed, "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("metadata-mismatch", "evil"), ("metadata-mismatch", "zed")]
        messages = sorted(f["message"] for f in result.json()["findings"])
        assert messages == [
            "pip-99.0.dist-info: the directory name says 'pip-99.0', METADATA says evil 99.0",
            "zed-1.0.dist-info: the directory name says version '1.0', METADATA says zed 2.0",
        ]


def test_two_dist_info_of_one_name_are_both_reported(installed: PoetryProject) -> None:
    # alpha 2.0.0 is locked and installed; a second alpha-1.0.0.dist-info beside it made
    # the answer depend on directory order (a version-mismatch, or nothing at all).
    _plant(
        installed,
        "alpha-1.0.0.dist-info",
        b"Metadata-Version: 2.1\nName: alpha\nVersion: 1.0.0\n\n",
    )
    site = site_packages(installed)
    for result in run_both(installed, "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("duplicate-distribution", "alpha")]
        [f] = result.json()["findings"]
        assert f["message"] == (
            f"alpha is installed 2 times in one directory: {site}/alpha-1.0.0.dist-info (1.0.0),"
            f" {site}/alpha-2.0.0.dist-info (2.0.0)"
        )
        assert (f["severity"], f["found"]) == ("error", "1.0.0, 2.0.0")


def test_egg_info_is_unverifiable_under_integrity(installed: PoetryProject) -> None:
    egg = site_packages(installed) / "legacy-1.0-py3.9.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_bytes(b"Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\n\n")
    (site_packages(installed) / "old-2.0-py3.9.egg-info").write_bytes(
        b"Metadata-Version: 1.0\nName: old\nVersion: 2.0\n"
    )
    for result in run_both(installed, "--format", "json"):
        assert result.findings() == [("extraneous", "legacy"), ("extraneous", "old")]
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("extraneous", "legacy"),
            ("extraneous", "old"),
            ("record-missing", "legacy"),
            ("record-missing", "old"),
        ]
        messages = sorted(
            f["message"] for f in result.json()["findings"] if f["code"] == "record-missing"
        )
        assert messages[0] == (
            "legacy 1.0: legacy-1.0-py3.9.egg-info is an egg-info distribution without a"
            " RECORD, so its files cannot be verified"
        )


def test_dist_info_without_record_is_record_missing(installed: PoetryProject) -> None:
    dist = _plant(
        installed,
        "norecord-1.0.dist-info",
        b"Metadata-Version: 2.1\nName: norecord\nVersion: 1.0\n\n",
    )
    assert not (dist / "RECORD").exists()
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("extraneous", "norecord"), ("record-missing", "norecord")]


def _fifo(path: Path) -> None:
    if path.exists():
        path.unlink()
    os.mkfifo(path)


def test_fifo_in_place_of_metadata_files(installed: PoetryProject) -> None:
    # Each of these, opened for reading, blocks until a writer comes: the check hung.
    _fifo(dist_info_of(installed, "alpha") / "direct_url.json")
    _fifo(dist_info_of(installed, "beta") / "provenance_url.json")
    _fifo(_plant(installed, "ghost-1.0.dist-info", b"") / "METADATA")
    for result in run_both(installed, "--format", "json", timeout=30):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("invalid-distribution", "alpha"),
            ("invalid-distribution", "ghost"),
        ]
    for result in run_both(installed, "--integrity", "--format", "json", timeout=30):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("invalid-distribution", "alpha"),
            ("invalid-distribution", "beta"),
            ("invalid-distribution", "ghost"),
            ("record-missing", "ghost"),
            ("unattested", "beta"),
        ], result.findings()
        messages = {f["message"] for f in result.json()["findings"]}
        assert (
            "alpha-2.0.0.dist-info: direct_url.json is a FIFO, not a regular file (not opened)"
            in messages
        )
        assert (
            "beta 1.0.0: provenance_url.json is a FIFO, not a regular file (not opened)" in messages
        )
        assert (
            "ghost-1.0.dist-info: METADATA is a FIFO, not a regular file (not opened)" in messages
        )


def test_metadata_symlinked_out_of_the_dist_info_is_not_followed(
    installed: PoetryProject, tmp_path: Path
) -> None:
    outside = tmp_path / "METADATA"
    outside.write_bytes(b"Metadata-Version: 2.1\nName: alpha\nVersion: 2.0.0\n\n")
    dist = site_packages(installed) / "evil-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").symlink_to(outside)
    for result in run_both(installed, "--format", "json", timeout=30):
        assert result.returncode == 1, result.output
        assert result.findings() == [("invalid-distribution", "evil")]
        [f] = result.json()["findings"]
        assert f["message"].startswith(
            f"evil-1.0.dist-info: METADATA is a symlink to {outside}, outside "
        )


@pytest.mark.parametrize("name", ["poetry.lock", "pyproject.toml"])
def test_fifo_in_place_of_project_files_is_exit_2(installed: PoetryProject, name: str) -> None:
    _fifo(installed.path / name)
    for result in run_both(installed, timeout=30):
        assert result.returncode == 2, result.output
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], result.output


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as f:
        f.truncate(size)  # no disk space; reads return zeros


def test_size_differs_is_file_modified_without_reading_the_file(installed: PoetryProject) -> None:
    # A 1 TiB sparse file whose RECORD row gives another size: hashing it took hours.
    big = site_packages(installed) / "alpha" / "big.bin"
    _sparse(big, 1 << 40)
    append_record(
        dist_info_of(installed, "alpha"), b"alpha/big.bin," + record_hash(b"x").encode() + b",1"
    )
    for result in run_both(installed, "--integrity", "--format", "json", timeout=60):
        assert result.returncode == 1, result.output
        # The locked archive does not ship it: nothing reads it.
        assert result.findings() == [("file-not-in-archive", "alpha")]
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", timeout=60, env=env):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("file-modified", "alpha"),
            *(("unanchored", name) for name in LOCKED_WHEELS),
        ]
        [f] = [f for f in result.json()["findings"] if f["code"] == "file-modified"]
        assert f["found"] == f"size={1 << 40}"
        assert (
            f["message"] == f"alpha 2.0.0: alpha/big.bin differs from RECORD (size 1 -> {1 << 40})"
        )


def test_one_file_listed_under_many_spellings_is_hashed_once(installed: PoetryProject) -> None:
    # 1 GiB listed 300 times (distinct strings, one inode, hard links too): 300 GiB of
    # hashing before each inode was hashed once.
    size = 1024 * 1024 * 1024
    alpha = site_packages(installed) / "alpha"
    _sparse(alpha / "big.bin", size)
    os.link(alpha / "big.bin", alpha / "linked.bin")
    digest = hashlib.sha256()
    zeros = bytes(1024 * 1024)
    for _ in range(size // len(zeros)):
        digest.update(zeros)
    row_hash = b"sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=") + b",%d" % size
    rows = [b"alpha/" + b"./" * i + b"big.bin," + row_hash for i in range(299)]
    rows.append(b"alpha/linked.bin," + row_hash)
    append_record(dist_info_of(installed, "alpha"), *rows)
    env = without_archives(installed)  # the locked archive ships no big.bin
    for result in run_both(installed, "--integrity", "--format", "json", timeout=60, env=env):
        assert result.returncode == 0, result.output
        # RECORD changed since the install: the guard's receipt no longer vouches for it.
        assert sorted(result.findings()) == sorted(
            [*(("unanchored", name) for name in LOCKED_WHEELS), ("unattested", "alpha")]
        )


def test_rows_without_hash_are_record_unhashed(installed: PoetryProject) -> None:
    alpha = site_packages(installed) / "alpha"
    (alpha / "planted.py").write_text("import os\n")
    (alpha / "__pycache__").mkdir(exist_ok=True)
    append_record(
        dist_info_of(installed, "alpha"),
        b"alpha/planted.py,,",
        b"alpha/__pycache__/planted.cpython-311.pyc,,",
    )
    for result in run_both(installed, "--integrity", "--format", "json"):
        # The locked archive ships neither: planted, whatever its RECORD row says.
        assert result.returncode == 1, result.output
        assert result.findings() == [("file-not-in-archive", "alpha")] * 2
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", env=env):
        assert result.returncode == 0, result.output  # warnings
        assert sorted(result.findings()) == sorted(
            [
                ("record-unhashed", "alpha"),
                *(("unanchored", name) for name in LOCKED_WHEELS),
                ("unattested", "alpha"),  # RECORD changed since the install
            ]
        )
        [f] = [f for f in result.json()["findings"] if f["code"] == "record-unhashed"]
        assert f["severity"] == "warning"
        assert f["path"] == str(alpha / "planted.py")


def test_escape_sequences_from_metadata_reach_the_terminal_inert(installed: PoetryProject) -> None:
    _plant(
        installed,
        "evil-1.0.dist-info",
        b"Metadata-Version: 2.1\nName: evil\x1b[2J\x1b]0;pwned\x07\xe2\x80\xae\xc2\x9b31m\nVersion: 1.0\n\n",
    )
    for args in ((), ("--format", "github")):
        for result in run_both(installed, *args):
            assert result.returncode == 1, result.output
            assert not any(c in result.output for c in "\x1b\x07\u202e\x9b"), repr(result.output)
            assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m" in result.stdout, result.stdout


def test_lock_with_a_duplicate_package_is_exit_2(installed: PoetryProject) -> None:
    text = installed.lock.read_text()
    start = text.index("[[package]]")
    entry = text[start : text.index("[[package]]", start + 1)]
    installed.lock.write_text(text[:start] + entry + entry + text[start:].replace(entry, "", 0))
    for result in run_both(installed, timeout=30):
        assert result.returncode == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "is locked twice (also at line" in lines[0], result.output
