"""Issue 9, the guard's side: ways around the install guard, each closed and proved."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.guard.test_guard import assert_refused
from tests.guard.test_guard import locked
from tests.support.scenarios import clear_files
from tests.support.scenarios import edit_lock_package


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


# -- source types: decided by what Poetry does with them -----------------------------
#: Spellings Poetry's executor does not recognise (it compares "git", "directory",
#: "url", "file" exactly): it installs such a package from the index, without hashes.
ODD_SOURCE_TYPES = ["Legacy", "LEGACY", "pypi", "hg", "Git", "Directory", "mystery"]


@pytest.mark.parametrize("source_type", ODD_SOURCE_TYPES)
def test_unrecognised_source_type_without_files_is_refused(
    project_factory: ProjectFactory, source_type: str
) -> None:
    project = locked(project_factory(), ["alpha"])
    edit_lock_package(project.lock, "alpha", r'^type = "legacy"$', f'type = "{source_type}"')
    clear_files(project.lock, "alpha")
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "unhashed", "alpha")
    assert f"source type '{source_type}'" in result.output
    assert project.snapshot() == before

    # What Poetry does with the entry on its own: installs it, verifying nothing.
    plain = project.poetry("--no-plugins", "install")
    assert plain.returncode == 0, plain.output
    assert project.installed()["alpha"] == "2.0.0"


def test_unrecognised_source_type_with_hashes_is_verified(project: PoetryProject) -> None:
    # Poetry downloads it from the index like any registry package: the guard verifies
    # the archive (and writes a receipt) the same way. The check after install still
    # reports the odd source (the environment's registry install is not "Legacy").
    locked(project, ["alpha"])
    edit_lock_package(project.lock, "alpha", r'^type = "legacy"$', 'type = "Legacy"')
    result = project.poetry("install")
    assert_refused(result, "source-mismatch", "alpha")
    assert "hash-mismatch" not in result.output and "unhashed" not in result.output
    receipt = next(project.venv.glob("lib/python*/site-packages/alpha-2.0.0.dist-info"))
    assert (receipt / "provenance_url.json").exists()
