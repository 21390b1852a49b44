"""Issue 9, the guard's side: ways around the install guard, each closed and proved."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from typing import TYPE_CHECKING

import pytest

from packaging.tags import sys_tags

from tests.guard.test_guard import assert_refused
from tests.guard.test_guard import fresh_name
from tests.guard.test_guard import locked
from tests.guard.test_guard import site_packages
from tests.support.artifacts import Dist
from tests.support.artifacts import wheel_bytes
from tests.support.scenarios import clear_files
from tests.support.scenarios import edit_lock_package
from tests.support.scenarios import git_repository


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
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


# -- git: the commit built must be the locked commit ---------------------------------
def git_dist(tmp_path: Path, stem: str) -> tuple[Path, Dist, str]:
    """A git repository of a fresh distribution: (repository, distribution, commit)."""
    repo = tmp_path / "repo"
    dist = Dist(fresh_name(stem), "1.0.0")
    return repo, dist, git_repository(dist, repo)


def test_branch_named_like_the_locked_commit_is_refused(
    project: PoetryProject, tmp_path: Path
) -> None:
    repo, dist, commit = git_dist(tmp_path, "gitredir")
    locked(project, [f"{dist.name} @ git+file://{repo}"])
    assert f'resolved_reference = "{commit}"' in project.lock.read_text()
    # Someone who can push to the repository adds a branch named like the locked commit.
    other = redirect_branch(repo, commit)
    # `poetry lock` left a checkout of the locked commit in .venv/src, which Poetry
    # would reuse; a fresh environment (CI, an image) has none.
    shutil.rmtree(project.venv / "src", ignore_errors=True)
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)}
    before = project.snapshot()
    result = project.poetry("install", env=env)
    assert_refused(result, "source-mismatch", dist.name)
    assert other in result.output and commit in result.output
    assert list(markers.iterdir()) == []  # the other commit was never built
    assert project.snapshot() == before

    # Poetry alone builds the other commit, and its direct_url.json names the locked one.
    plain = project.poetry("--no-plugins", "install", env=env)
    assert plain.returncode == 0, plain.output
    module = site_packages(project) / dist.module / "__init__.py"
    assert "EVIL" in module.read_text()
    dist_info = site_packages(project) / f"{dist.module}-1.0.0.dist-info"
    direct_url = json.loads((dist_info / "direct_url.json").read_text())
    assert direct_url["vcs_info"]["commit_id"] == commit


def test_git_receipt_names_the_verified_commit(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    repo, dist, commit = git_dist(tmp_path, "gitok")
    for _ in range(2):  # the second run finds a cached build: it is built again
        project = locked(project_factory(), [f"{dist.name} @ git+file://{repo}"])
        result = project.poetry("install")
        assert result.returncode == 0, result.output
        assert f"built from source: {dist.name} 1.0.0 (git {commit[:12]})" in result.output
        dist_info = site_packages(project) / f"{dist.module}-1.0.0.dist-info"
        receipt = json.loads((dist_info / "provenance_url.json").read_text())
        direct_url = json.loads((dist_info / "direct_url.json").read_text())
        signed = receipt.pop("lockguard")
        assert receipt == {
            "url": direct_url["url"],  # the URL as poetry.lock has it
            "vcs_info": {"vcs": "git", "commit_id": commit},
        }
        assert (signed["format"], signed["verified"], len(signed["signature"])) == (2, True, 64)


# -- the artifact cache: what is installed is what was verified -----------------------
def test_wheel_planted_in_the_artifact_cache_is_refused(
    project_factory: ProjectFactory, index: PackageIndex
) -> None:
    dist = Dist(fresh_name("planted"), "1.0.0")
    index.add(dist)
    warm = locked(project_factory(), [dist.name])
    assert warm.poetry("install").returncode == 0  # the genuine wheel is now cached
    genuine = next((warm.home / "cache" / "artifacts").rglob(dist.wheel_name))
    # A wheel with the best tag for this interpreter, and other bytes, next to it.
    best = next(iter(sys_tags()))
    planted = genuine.with_name(f"{dist.module}-1.0.0-{best}.whl")
    planted.write_bytes(wheel_bytes(Dist(dist.name, dist.version, payload="EVIL = True\n")))
    try:
        project = locked(project_factory(), [dist.name])
        before = project.snapshot()
        result = project.poetry("install")
        assert_refused(result, "hash-mismatch", dist.name)
        assert planted.name in result.output
        assert project.snapshot() == before

        # Poetry alone installs the planted wheel.
        plain = project.poetry("--no-plugins", "install")
        assert plain.returncode == 0, plain.output
        assert "EVIL" in (site_packages(project) / dist.module / "__init__.py").read_text()
    finally:
        planted.unlink()


def test_cached_build_of_an_sdist_is_rebuilt_from_the_verified_sdist(
    project_factory: ProjectFactory, index: PackageIndex, tmp_path: Path
) -> None:
    dist = Dist(fresh_name("rebuilt"), "1.0.0", wheel=False, sdist=True)
    index.add(dist)
    warm = locked(project_factory(), [dist.name])
    assert warm.poetry("install").returncode == 0  # builds, and caches the build
    sdist = next((warm.home / "cache" / "artifacts").rglob(dist.sdist_name))
    built = list(sdist.parent.glob("*.whl"))
    assert built, "Poetry caches the wheel it built next to the sdist"
    # Replace the cached build with other bytes: an unverified wheel.
    built[0].write_bytes(wheel_bytes(Dist(dist.name, dist.version, payload="EVIL = True\n")))
    project = locked(project_factory(), [dist.name])
    markers = tmp_path / "markers"
    markers.mkdir()
    result = project.poetry("install", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)})
    assert result.returncode == 0, result.output
    assert [p.name for p in markers.iterdir()] == [f"{dist.name}-1.0.0.built"]
    assert "EVIL" not in (site_packages(project) / dist.module / "__init__.py").read_text()
    assert f"built from source: {dist.name} 1.0.0 (sdist)" in result.output


def redirect_branch(repo: Path, commit: str) -> str:
    """Add a commit on a branch named ``commit`` whose build says EVIL; returns it."""
    run = ["git", "-C", str(repo), "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*run, "checkout", "-qb", commit], check=True)
    backend = repo / "backend.py"
    backend.write_text(backend.read_text().replace("# built from sdist", "# EVIL"))
    subprocess.run([*run, "commit", "-qam", "redirect"], check=True)
    other = subprocess.run(
        [*run, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run([*run, "checkout", "-q", "-"], check=True)
    return other


# -- builds are named ------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_packages_built_from_source_are_named(
    project_factory: ProjectFactory, index: PackageIndex, mode: str
) -> None:
    dist = Dist(fresh_name("wheelless"), "1.0.0", sdist=True)
    index.add(dist)
    project = locked(project_factory(), [dist.name, "alpha"], lockguard={"mode": mode})
    # Removing the wheel's line from the lock silently turns the install into a build.
    edit_lock_package(
        project.lock, dist.name, rf'^    {{file = "{re.escape(dist.wheel_name)}".*?\n', ""
    )
    assert dist.wheel_name not in project.lock.read_text()
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    assert f"lockguard: built from source: {dist.name} 1.0.0 (sdist)" in result.output
    assert "alpha 2.0.0 (" not in result.output  # a downloaded wheel is not named


# -- receipts and direct_url.json under the parallel installer ------------------------
def test_every_package_gets_its_receipt_and_direct_url_under_the_parallel_installer(
    project_factory: ProjectFactory, index: PackageIndex
) -> None:
    # Poetry fills its list of writable site directories lazily; a thread that reads it
    # while another fills it finds nothing (roughly one fresh install in seven lost a
    # receipt, or Poetry's own direct_url.json, for one of the first packages).
    registry = [Dist(fresh_name(f"par{i}"), "1.0.0") for i in range(12)]
    by_url = [Dist(fresh_name(f"url{i}"), "1.0.0") for i in range(3)]
    index.add(*registry, *by_url)
    files = index.url.replace("/simple/", "/files/")
    deps = [d.name for d in registry] + [
        f"{d.name} @ {files}{d.name}/{d.wheel_name}" for d in by_url
    ]
    for _ in range(4):
        project = locked(project_factory(), deps)
        result = project.poetry("install", env={"POETRY_INSTALLER_MAX_WORKERS": "8"})
        assert result.returncode == 0, result.output
        site = site_packages(project)
        for dist in registry + by_url:
            dist_info = site / f"{dist.module}-1.0.0.dist-info"
            assert (dist_info / "provenance_url.json").is_file(), dist.name
        for dist in by_url:
            dist_info = site / f"{dist.module}-1.0.0.dist-info"
            assert (dist_info / "direct_url.json").is_file(), dist.name


# -- mode = "off" is visible ------------------------------------------------------------
@pytest.mark.parametrize(
    "command", [("install",), ("sync",), ("add", "delta"), ("update",), ("remove", "alpha")]
)
def test_off_mode_is_announced_on_every_guarded_command(
    project_factory: ProjectFactory, command: tuple[str, ...]
) -> None:
    project = locked(project_factory(), ["alpha"], lockguard={"mode": "off"})
    result = project.poetry(*command)
    assert result.returncode == 0, result.output
    assert result.stderr.count('the install guard is off (mode = "off"') == 1, result.output
    # Not on commands that install nothing.
    assert "install guard is off" not in project.poetry("show").output
