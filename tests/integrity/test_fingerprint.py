"""The fingerprint under --integrity covers the verified bytes: a file edited with its
RECORD row changes it, the same content elsewhere keeps it; without --integrity it
covers versions only, and the two never coincide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.integrity.support import dist_info_of
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.support.poetry import PoetryProject
from tests.support.poetry import copy_tree
from tests.support.poetry import copy_venv


if TYPE_CHECKING:
    from pathlib import Path


def fingerprints(project: PoetryProject, *args: str) -> set[str]:
    results = run_both(project, *args, "--format", "json", hostile=False)
    return {r.json()["environment"]["fingerprint"] for r in results}


def test_the_fingerprint_covers_the_verified_bytes(
    installed: PoetryProject, tmp_path: Path
) -> None:
    (versions,) = fingerprints(installed)
    (files,) = fingerprints(installed, "--integrity")
    assert versions != files
    # The same environment at another path: the same fingerprints.
    elsewhere = tmp_path / "elsewhere" / "project"
    copy_tree(installed.path, elsewhere, ignore=".venv")
    copy_venv(installed.venv, elsewhere / ".venv", installed.home / "lockguard-state")
    moved = PoetryProject(elsewhere, installed.home, installed.index_url, with_pip=True)
    assert fingerprints(moved) == {versions}
    assert fingerprints(moved, "--integrity") == {files}
    # Other bytes with a RECORD row to match: only the content fingerprint moves.
    evil = b"import os  # planted, with a matching RECORD row\n"
    (site_packages(installed) / "beta" / "__init__.py").write_bytes(evil)
    rewrite_record_row(dist_info_of(installed, "beta"), "beta/__init__.py", evil)
    assert fingerprints(installed) == {versions}
    (changed,) = fingerprints(installed, "--integrity")
    assert changed != files
