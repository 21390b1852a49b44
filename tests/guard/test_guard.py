from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
import uuid

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.state import record_digest
from tests.support.artifacts import Dist
from tests.support.artifacts import wheel_bytes
from tests.support.poetry import SYNC
from tests.support.scenarios import clear_files
from tests.support.scenarios import edit_lock_package
from tests.support.scenarios import git_repository


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result
    from tests.types import ProjectFactory


def fresh_name(stem: str) -> str:
    """A package name no earlier test (or the shared artifact cache) has seen."""
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def make_venv(project: PoetryProject) -> None:
    """An empty in-project venv, so a refused run has an environment to leave alone
    (``poetry lock`` has usually made it already: it is an env command)."""
    if not (project.venv / "pyvenv.cfg").is_file():
        project.poetry("env", "use", sys.executable, check=True)


def locked(project: PoetryProject, deps: list[str], **kwargs: object) -> PoetryProject:
    project.write_pyproject(deps, **kwargs)  # type: ignore[arg-type]
    project.poetry("lock", check=True)
    make_venv(project)
    return project


def site_packages(project: PoetryProject) -> Path:
    return next(project.venv.glob("lib/python*/site-packages"))


def assert_refused(result: Result, code: str, package: str | None, exit_code: int = 1) -> None:
    assert result.returncode == exit_code, result.output
    assert code in result.output, result.output
    if package is not None:
        assert package in result.output, result.output
    assert "Traceback" not in result.output


def tamper_wheel(index: PackageIndex, dist: Dist) -> None:
    """Serve different bytes under the wheel's file name (the index re-hashes them)."""
    evil = Dist(dist.name, dist.version, payload="EVIL = True\n")
    path = index.root / dist.name / dist.wheel_name
    path.write_bytes(wheel_bytes(evil))


# -- 1. no lock, no install ---------------------------------------------------------
@pytest.mark.parametrize("command", ["install", "sync"])
def test_missing_lock_is_refused_before_anything(project: PoetryProject, command: str) -> None:
    project.write_pyproject(["alpha"])
    before = project.snapshot()
    result = project.poetry(command)
    assert_refused(result, "lock-missing", None)
    assert "poetry lock" in result.output
    assert project.snapshot() == before
    assert not project.lock.exists()
    assert not project.venv.exists()  # refused before Poetry created an environment


def _package_twice(lock: Path) -> None:
    """alpha locked a second time, same version, another hash."""
    text = lock.read_text()
    start = text.index('[[package]]\nname = "alpha"')
    entry = text[start : text.index("[[package]]", start + 1)]
    other = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, entry)
    lock.write_text(text[:start] + entry + other + text[start + len(entry) :])


def _file_twice(lock: Path) -> None:
    """alpha's wheel listed twice, with another hash the second time."""
    text = lock.read_text()
    line = re.search(r'(?m)^    \{file = "alpha-[^"]+\.whl", hash = "sha256:[0-9a-f]+"\},\n', text)
    assert line is not None
    twice = line.group(0) + re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, line.group(0))
    lock.write_text(text.replace(line.group(0), twice))


@pytest.mark.parametrize(
    ("damage", "message"),
    [(_package_twice, "is locked twice"), (_file_twice, "twice with different hashes")],
    ids=["package-twice", "file-twice"],
)
def test_lock_that_check_refuses_is_refused_before_anything(
    project: PoetryProject, damage: Callable[[Path], None], message: str
) -> None:
    """What `check` refuses (exit 2), the guard refuses before Poetry installs from it."""
    project.write_pyproject(["beta"])
    project.poetry("lock", check=True)
    damage(project.lock)
    before = project.snapshot()
    result = project.poetry("install")
    assert result.returncode == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("lockguard refused `poetry install`: poetry.lock:"), line
    assert message in line and line.endswith("Nothing was installed."), line
    assert project.snapshot() == before
    assert project.standalone().returncode == 2


def test_add_with_an_extra_of_the_dependency_succeeds(project: PoetryProject) -> None:
    """`poetry add -E fast gamma` names gamma's extra, not one of the project: the check
    after the add uses the project's selection (it exited 2, "Extra [fast] is not
    specified", after the add had succeeded)."""
    locked(project, ["beta"])
    result = project.poetry("add", "-E", "fast", "gamma")
    assert result.returncode == 0, result.output
    assert "Extra [fast]" not in result.output
    assert "gamma" in project.installed()


def test_add_without_lock_creates_it(project: PoetryProject) -> None:
    # Like `uv add`, `poetry add` is how a lock comes into being: it is allowed.
    project.write_pyproject([])
    result = project.poetry("add", "alpha")
    assert result.returncode == 0, result.output
    assert project.lock.exists()
    assert project.installed()["alpha"] == "2.0.0"


# -- 2. no hash, no install ---------------------------------------------------------
def test_unhashed_package_is_refused(project: PoetryProject) -> None:
    locked(project, ["beta"])
    clear_files(project.lock, "alpha")
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "unhashed", "alpha")
    assert "beta" not in project.installed()
    assert project.snapshot() == before


def test_weak_hash_is_refused(project: PoetryProject, index: PackageIndex) -> None:
    locked(project, ["delta"])
    wheel = index.root / "delta" / "delta-1.0.0-py3-none-any.whl"
    md5 = hashlib.md5(wheel.read_bytes()).hexdigest()
    edit_lock_package(project.lock, "delta", r'hash = "sha256:[0-9a-f]+"', f'hash = "md5:{md5}"')
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "weak-hash", "delta")
    assert project.snapshot() == before


def test_unpinned_git_is_refused(project: PoetryProject, tmp_path: Path) -> None:
    commit = git_repository(Dist("gitguard", "1.0.0"), tmp_path / "repo")
    locked(project, [f"gitguard @ git+file://{tmp_path / 'repo'}"])
    edit_lock_package(
        project.lock,
        "gitguard",
        f'resolved_reference = "{commit}"',
        'resolved_reference = "abc123"',
    )
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "unpinned-vcs", "gitguard")
    assert project.snapshot() == before


def test_every_refused_package_is_named(project: PoetryProject) -> None:
    locked(project, ["beta", "delta"])
    clear_files(project.lock, "alpha")
    clear_files(project.lock, "delta")
    result = project.poetry("install")
    assert_refused(result, "unhashed", "alpha")
    assert "delta" in result.output
    assert result.output.count("unhashed:") == 2


def test_allow_unhashed_passes(project: PoetryProject) -> None:
    locked(project, ["alpha"], lockguard={"allow-unhashed": ["alpha"]})
    clear_files(project.lock, "alpha")
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    assert project.installed()["alpha"] == "2.0.0"


# -- 3. verify before build, no silent fallback ------------------------------------
def test_tampered_wheel_is_not_replaced_by_its_sdist(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    dist = Dist(fresh_name("fallback"), "1.0.0", sdist=True)
    index.add(dist)
    locked(project, [dist.name])
    tamper_wheel(index, dist)
    markers = tmp_path / "markers"
    markers.mkdir()
    before = project.snapshot()
    result = project.poetry("install", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)})
    assert_refused(result, "sdist-fallback", dist.name)
    assert dist.wheel_name in result.output  # names the wheel whose hash did not match
    assert list(markers.iterdir()) == []  # the sdist's build backend never ran
    assert project.snapshot() == before

    # Poetry alone silently builds the sdist: this is the gap the guard closes.
    plain = project.poetry(
        "--no-plugins", "install", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)}
    )
    assert plain.returncode == 0, plain.output
    assert [p.name for p in markers.iterdir()] == [f"{dist.name}-1.0.0.built"]


def test_a_wheel_hash_edited_in_the_lock_is_a_disagreement_with_the_source(
    project: PoetryProject, index: PackageIndex
) -> None:
    dist = Dist(fresh_name("edited"), "1.0.0", sdist=True)
    index.add(dist)
    locked(project, [dist.name])
    wheel = re.escape(dist.wheel_name)
    edit_lock_package(
        project.lock,
        dist.name,
        rf'(file = "{wheel}", hash = "sha256:)[0-9a-f]+',
        r"\g<1>" + "0" * 64,
    )
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "sdist-fallback", dist.name)
    assert (
        "Hint: poetry.lock and the source disagree on the locked wheel's hash: the source now"
        " serves other bytes, or poetry.lock was edited (`git diff poetry.lock`)"
    ) in result.output, result.output
    assert project.snapshot() == before


def test_tampered_wheel_without_sdist_is_a_hash_mismatch(
    project: PoetryProject, index: PackageIndex
) -> None:
    dist = Dist(fresh_name("tampered"), "1.0.0")
    index.add(dist)
    locked(project, [dist.name])
    tamper_wheel(index, dist)
    before = project.snapshot()
    result = project.poetry("install")
    assert_refused(result, "hash-mismatch", dist.name)
    assert project.snapshot() == before


def test_tampered_sdist_from_hashless_source_is_never_built(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    dist = Dist(fresh_name("srconly"), "1.0.0", wheel=False, sdist=True)
    index.add(dist)
    locked(project, [dist.name])
    # The source stops advertising hashes and serves other bytes under the same name.
    index.serve_without_hashes(dist.name)
    other = Dist(dist.name, dist.version, wheel=False, sdist=True, requires=("alpha",))
    index.add(other)
    markers = tmp_path / "markers"
    markers.mkdir()
    before = project.snapshot()
    result = project.poetry("install", env={"LOCKGUARD_TEST_BUILD_MARKER_DIR": str(markers)})
    assert_refused(result, "hash-mismatch", dist.name)
    assert list(markers.iterdir()) == []
    assert project.snapshot() == before


# -- 4. receipts --------------------------------------------------------------------
def test_receipts_are_written_and_listed_in_record(
    project: PoetryProject, index: PackageIndex
) -> None:
    locked(project, ["beta"])
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    site = site_packages(project)
    for name, version in (("alpha", "2.0.0"), ("beta", "1.0.0")):
        dist_info = site / f"{name}-{version}.dist-info"
        receipt = dist_info / "provenance_url.json"
        data = json.loads(receipt.read_text())
        wheel = index.root / name / f"{name}-{version}-py3-none-any.whl"
        sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
        # Signed with the account's key (the project's state directory), over the name,
        # the archive's sha256 and that it was verified.
        key = (project.home / "lockguard-state" / "key").read_text().strip()
        record = record_digest(
            dist_info.joinpath("RECORD").read_bytes(), f"{dist_info.name}/provenance_url.json"
        )
        message = f"receipt\0{name}\0{sha256}\0verified\0{record}".encode()
        signature = hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()
        assert data == {
            "url": f"{index.url.replace('/simple/', '/files/')}{name}/{wheel.name}",
            "archive_info": {"hashes": {"sha256": sha256}},
            "lockguard": {
                "format": 2,
                "verified": True,
                "record": record,
                "signature": signature,
            },
        }
        assert f"sha256:{sha256}" in project.lock.read_text()
        rows = {row[0]: row for row in csv.reader(dist_info.joinpath("RECORD").open())}
        row = rows[f"{dist_info.name}/provenance_url.json"]
        raw = receipt.read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode()
        assert row[1:] == [f"sha256={digest}", str(len(raw))]
    # Uninstalling removes the receipt with the rest of the distribution.
    project.pip("uninstall", "-y", "beta")
    assert not (site / "beta-1.0.0.dist-info").exists()


def test_receipt_for_url_dependency(project: PoetryProject, index: PackageIndex) -> None:
    url = index.url.replace("/simple/", "/files/delta/delta-1.0.0-py3-none-any.whl")
    locked(project, [f"delta @ {url}"])
    assert project.poetry("install").returncode == 0
    receipt = site_packages(project) / "delta-1.0.0.dist-info" / "provenance_url.json"
    assert json.loads(receipt.read_text())["url"] == url


# -- 5. check after install ---------------------------------------------------------
def test_check_after_install_enforce_fails_on_drift(project: PoetryProject) -> None:
    locked(project, ["alpha"])
    project.pip("install", "stray")
    result = project.poetry("install")
    assert_refused(result, "extraneous", "stray")
    assert "poetry sync" in result.output
    assert project.installed()["alpha"] == "2.0.0"  # the install itself happened


@pytest.mark.parametrize("command", [("add", "beta"), ("remove", "beta"), ("update",)])
def test_drift_from_before_a_lock_writer_is_a_warning(
    project: PoetryProject, command: tuple[str, ...]
) -> None:
    """`poetry add markdown` with an unrelated package extraneous since before the
    command: the command succeeded; the old drift is reported, not turned into exit 1."""
    locked(project, ["alpha", "beta"] if command[0] == "remove" else ["alpha"])
    assert project.poetry("install").returncode == 0
    project.pip("install", "stray")
    result = project.poetry(*command)
    assert result.returncode == 0, result.output
    succeeded = f"`poetry {command[0]}` succeeded; the environment already differed"
    assert succeeded in result.output, result.output
    assert "  • extraneous: stray 1.0.0 is installed" in result.output, result.output
    assert "Hint: run `poetry sync` to remove packages" in result.output
    # It is still drift: the check itself fails on it.
    check = project.lockguard("--format", "json")
    assert (check.returncode, check.findings()) == (1, [("extraneous", "stray")]), check.output


def test_the_hint_after_a_lock_writer_keeps_the_installed_selection(
    project: PoetryProject,
) -> None:
    """`poetry add` keeps the selection `poetry install --with docs` recorded: the hint's
    `poetry sync` must name it, or following it would remove the docs group."""
    project.write_pyproject(["alpha"], groups={"docs": ["delta"]}, optional_groups={"docs"})
    project.poetry("lock", check=True)
    assert project.poetry("install", "--with", "docs").returncode == 0
    project.pip("install", "stray")
    result = project.poetry("add", "beta")
    assert result.returncode == 0, result.output
    assert "Hint: run `poetry sync --with docs` to remove packages" in result.output, result.output


#: What `python -m venv` seeds a new venv with (pip, and setuptools before Python 3.12)
#: as the check reports it: pip is in the default allow-extraneous, as `poetry sync`
#: keeps it.
SEEDED = [("seed-package", "setuptools")] if sys.version_info < (3, 12) else []


@pytest.mark.parametrize("policy", ["info", "error"])
def test_a_venv_made_by_python_m_venv_installs_clean(project: PoetryProject, policy: str) -> None:
    """The Dockerfile and CI recipe: `python -m venv .venv && poetry install`."""
    project.write_pyproject(["alpha"], lockguard={"seed-packages": policy})
    project.poetry("lock", check=True)
    shutil.rmtree(project.venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(project.venv)], check=True)
    result = project.poetry("install")
    check = project.lockguard("--format", "json")
    assert check.findings() == SEEDED, check.output
    assert project.installed()["alpha"] == "2.0.0"
    if policy == "info" or not SEEDED:
        assert (result.returncode, check.returncode) == (0, 0), result.output
        assert "seed-package" not in result.output
    else:
        assert_refused(result, "seed-package", "setuptools")
        assert check.returncode == 1


def test_check_after_install_warn_passes(project: PoetryProject) -> None:
    locked(project, ["alpha"], lockguard={"mode": "warn"})
    project.pip("install", "stray")
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    assert "extraneous" in result.output and "stray" in result.output
    # `poetry sync` removes it, and then the check is clean.
    synced = project.poetry(*SYNC)
    assert synced.returncode == 0, synced.output
    assert "extraneous" not in synced.output


def test_check_uses_the_commands_selection(project: PoetryProject) -> None:
    locked(project, ["alpha"], groups={"docs": ["docs-tool"]}, optional_groups={"docs"})
    result = project.poetry("install", "--with", "docs")
    assert result.returncode == 0, result.output
    # A plain install keeps docs-tool (Poetry's install removes nothing): it is a locked
    # package outside the selection, unselected (a warning), not drift the install made.
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    check = project.lockguard("--format", "json")
    assert (check.returncode, check.findings()) == (0, [("unselected", "docs-tool")]), check.output
    # A package no group locks is drift: the check after the install refuses.
    project.pip("install", "stray")
    assert_refused(project.poetry("install"), "extraneous", "stray")


# -- 6. modes -----------------------------------------------------------------------
def test_warn_mode_reports_and_installs(project: PoetryProject) -> None:
    locked(project, ["alpha"], lockguard={"mode": "warn"})
    clear_files(project.lock, "alpha")
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    assert "would refuse" in result.output and "unhashed" in result.output
    assert project.installed()["alpha"] == "2.0.0"


def test_off_mode_does_nothing_but_say_so(project: PoetryProject) -> None:
    locked(project, ["alpha"], lockguard={"mode": "off"})
    clear_files(project.lock, "alpha")
    result = project.poetry("install")
    assert result.returncode == 0, result.output
    # One line, on stderr, every time: a pull request that turns the guard off shows.
    announcement = (
        'lockguard: the install guard is off (mode = "off" in [tool.lockguard] of'
        " pyproject.toml): nothing is verified, no receipts are written"
    )
    assert [line for line in result.stderr.splitlines() if line.strip()] == [announcement]
    assert 'the install guard is off (mode = "off" in [tool.lockguard]' in result.stderr
    assert "lockguard" not in result.stdout
    receipt = site_packages(project) / "alpha-2.0.0.dist-info" / "provenance_url.json"
    assert not receipt.exists()


@pytest.mark.parametrize(("override", "exit_code"), [("warn", 0), ("off", 0), ("enforce", 1)])
def test_environment_variable_overrides_mode(
    project_factory: ProjectFactory, override: str, exit_code: int
) -> None:
    project = project_factory()
    configured = "enforce" if override != "enforce" else "warn"
    locked(project, ["alpha"], lockguard={"mode": configured})
    clear_files(project.lock, "alpha")
    result = project.poetry("install", env={"POETRY_LOCKGUARD_MODE": override})
    assert result.returncode == exit_code, result.output
    assert f"mode {override} for this run (POETRY_LOCKGUARD_MODE={override}" in result.output


def test_invalid_mode_variable_refuses(project: PoetryProject) -> None:
    locked(project, ["alpha"])
    before = project.snapshot()
    result = project.poetry("install", env={"POETRY_LOCKGUARD_MODE": "loose"})
    # The guard cannot tell which mode was meant: "could not check", exit code 2.
    assert_refused(result, "POETRY_LOCKGUARD_MODE", None, exit_code=2)
    assert project.snapshot() == before


# -- 7. fail closed, lose nothing ---------------------------------------------------
@pytest.mark.parametrize("command", ["add", "update", "remove"])
def test_refused_lock_writers_leave_files_byte_identical(
    project_factory: ProjectFactory, index: PackageIndex, command: str
) -> None:
    dist = Dist(fresh_name("writer"), "1.0.0", sdist=True)
    index.add(dist)
    # Poetry remembers the release's hashes from locking; the wheel then changes.
    warm = locked(project_factory(), [dist.name])
    project = project_factory()
    if command == "add":
        locked(project, ["alpha"])
        args: tuple[str, ...] = ("add", dist.name)
    elif command == "update":
        locked(project, [dist.name])
        args = ("update",)
    else:
        locked(project, ["alpha", dist.name])
        args = ("remove", "alpha")
    assert warm.lock.exists()
    tamper_wheel(index, dist)
    before = project.snapshot()
    result = project.poetry(*args)
    assert_refused(result, "sdist-fallback", dist.name)
    assert "pyproject.toml and poetry.lock are unchanged" in result.output
    assert project.snapshot() == before


def test_dry_run_reports_and_changes_nothing(project: PoetryProject) -> None:
    locked(project, ["alpha"])
    clear_files(project.lock, "alpha")
    before = project.snapshot()
    result = project.poetry("install", "--dry-run")
    assert_refused(result, "unhashed", "alpha")
    assert "would refuse" in result.output
    assert project.snapshot() == before


def test_guard_failure_refuses(project: PoetryProject, index: PackageIndex) -> None:
    # A locked package whose only wheel the environment cannot use: choosing its
    # artifact fails inside the guard, which must refuse rather than let it through.
    dist = Dist(fresh_name("py2only"), "1.0.0", python_tag="py2")
    index.add(dist)
    locked(project, [dist.name])
    before = project.snapshot()
    result = project.poetry("install")
    # The guard's own failure: exit code 2 and one line, no traceback (unless -vvv).
    assert result.returncode == 2, result.output
    lines = [line for line in result.output.splitlines() if "lockguard" in line]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("lockguard: the install guard failed")
    assert "refusing `poetry install`" in lines[0]
    assert "Traceback" not in result.output
    assert project.snapshot() == before
    # With -vvv the original error reaches Poetry, which shows it in full (exit 1).
    debug = project.poetry("install", "-vvv")
    assert debug.returncode == 1, debug.output
    assert "the install guard failed" not in debug.output


# -- 8. Poetry as users run it ------------------------------------------------------
def test_flags_and_parallel_installer(project: PoetryProject) -> None:
    locked(project, ["beta", "delta", "gamma"], package_mode=True)
    result = project.poetry("install", "--no-root", "--compile")
    assert result.returncode == 0, result.output
    assert {"alpha", "beta", "delta", "gamma"} <= set(project.installed())
    result = project.poetry("install", "--only-root")
    assert result.returncode == 0, result.output
    serial = project.poetry("install", env={"POETRY_INSTALLER_PARALLEL": "false"})
    assert serial.returncode == 0, serial.output


def test_self_commands_are_not_guarded() -> None:
    from poetry.console.commands.self.install import SelfInstallCommand
    from poetry.console.commands.self.update import SelfUpdateCommand

    from poetry_lockguard.plugin.poetry_api import guarded_command as command_kind

    assert command_kind(SelfInstallCommand()) is None
    assert command_kind(SelfUpdateCommand()) is None
