"""The install point's checks, against the Poetry under test's own executor."""

from __future__ import annotations

import hashlib
import subprocess

from types import SimpleNamespace
from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.io.null_io import NullIO
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.installation.executor import Executor
from poetry.repositories import RepositoryPool
from poetry.utils.env import MockEnv

from poetry_lockguard.plugin.install_guard.hooks import InstallPoint
from poetry_lockguard.plugin.install_guard.hooks import checkout_head
from poetry_lockguard.plugin.poetry_api import ExecutorInternals
from tests.support.artifacts import Dist
from tests.support.artifacts import wheel_bytes
from tests.support.scenarios import git_repository


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.plugin.install_guard.verify import VerifiedArtifact


class RefusedError(Exception):
    """What the session raises for a finding in enforce mode."""


def executor() -> Executor:
    return Executor(MockEnv(), RepositoryPool(), Config(), NullIO())


class Harness:
    """An executor whose build and install only record what they were handed."""

    def __init__(self, tmp_path: Path, package: Package, allow: set[str] | None = None) -> None:
        self.tmp_path = tmp_path
        self.package = package
        self.findings: list[Finding] = []
        self.installed: list[Path] = []
        self.verified: dict[tuple[str, str], VerifiedArtifact] = {}
        poetry_executor = executor()
        poetry_executor._chef = SimpleNamespace(prepare=self._build)  # type: ignore[assignment]
        poetry_executor._wheel_installer = SimpleNamespace(  # type: ignore[assignment]
            install=self._install
        )
        self.internals = ExecutorInternals(poetry_executor)
        self.point = InstallPoint(self.internals, self._refuse, self.verified, allow or set())
        self.point.arm()

    def _refuse(self, found: Finding) -> None:
        self.findings.append(found)
        raise RefusedError(found.code)

    def _install(self, wheel: Path) -> None:
        self.installed.append(wheel)

    def _build(self, archive: Path, *args: Any, **kwargs: Any) -> Path:
        if archive.suffix == ".whl":
            return archive
        out = self.tmp_path / "built" / f"{self.package.name}-1.0.0-py3-none-any.whl"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(b"built")
        return out

    def run(self, archive: Path, *, build: bool = False) -> None:
        """What Poetry's executor does: maybe build, then install, for the package."""

        def install(operation: Any) -> int:
            wheel = self.internals.chef.prepare(archive) if build else archive
            self.internals.wheel_installer.install(wheel)
            return 0

        self.point.operation(install)(SimpleNamespace(package=self.package))


def locked_package(name: str, *archives: Path) -> Package:
    package = Package(name, "1.0.0")
    package.files = [
        {"file": a.name, "hash": f"sha256:{hashlib.sha256(a.read_bytes()).hexdigest()}"}
        for a in archives
    ]
    return package


def test_the_locked_wheel_is_installed(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0.0-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes(Dist("demo", "1.0.0")))
    h = Harness(tmp_path, locked_package("demo", wheel))
    h.run(wheel)
    assert h.installed == [wheel]
    assert h.verified[("demo", "1.0.0")].sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_another_wheel_handed_to_the_installer_is_refused(tmp_path: Path) -> None:
    # What a wheel planted in the artifact cache after verification would be.
    wheel = tmp_path / "demo-1.0.0-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes(Dist("demo", "1.0.0")))
    planted = tmp_path / "demo-1.0.0-cp311-cp311-linux_x86_64.whl"
    planted.write_bytes(wheel_bytes(Dist("demo", "1.0.0", payload="EVIL = 1\n")))
    h = Harness(tmp_path, locked_package("demo", wheel))
    with pytest.raises(RefusedError):
        h.run(planted)
    assert h.installed == []
    assert [f.code for f in h.findings] == ["hash-mismatch"]


def test_same_name_other_bytes_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0.0-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes(Dist("demo", "1.0.0")))
    package = locked_package("demo", wheel)
    wheel.write_bytes(wheel_bytes(Dist("demo", "1.0.0", payload="EVIL = 1\n")))
    h = Harness(tmp_path, package)
    with pytest.raises(RefusedError):
        h.run(wheel)
    assert h.installed == []


def test_a_wheel_built_here_from_the_verified_sdist_is_installed(tmp_path: Path) -> None:
    sdist = tmp_path / "demo-1.0.0.tar.gz"
    sdist.write_bytes(b"sdist")
    h = Harness(tmp_path, locked_package("demo", sdist))
    h.run(sdist, build=True)
    assert [p.name for p in h.installed] == ["demo-1.0.0-py3-none-any.whl"]
    assert [str(b) for b in h.point.built_from_source] == ["demo 1.0.0 (sdist)"]


def test_a_tampered_sdist_is_not_built(tmp_path: Path) -> None:
    sdist = tmp_path / "demo-1.0.0.tar.gz"
    sdist.write_bytes(b"sdist")
    package = locked_package("demo", sdist)
    sdist.write_bytes(b"other")
    h = Harness(tmp_path, package)
    with pytest.raises(RefusedError):
        h.run(sdist, build=True)
    assert not (tmp_path / "built").exists()
    assert h.installed == []


def test_a_wheel_built_earlier_is_not_installed(tmp_path: Path) -> None:
    # A cached build: not a locked artifact, not built in this run.
    sdist = tmp_path / "demo-1.0.0.tar.gz"
    sdist.write_bytes(b"sdist")
    cached = tmp_path / "demo-1.0.0-py3-none-any.whl"
    cached.write_bytes(b"built earlier")
    h = Harness(tmp_path, locked_package("demo", sdist))
    with pytest.raises(RefusedError):
        h.run(cached)
    assert h.installed == []


def test_git_checkout_of_another_commit_is_not_built(tmp_path: Path) -> None:
    commit = git_repository(Dist("demo", "1.0.0"), tmp_path / "repo")
    git = ["git", "-C", str(tmp_path / "repo"), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "other"], check=True)
    assert checkout_head(tmp_path / "repo") != commit
    url = f"file://{tmp_path / 'repo'}"
    package = Package(
        "demo", "1.0.0", source_type="git", source_url=url, source_resolved_reference=commit
    )
    h = Harness(tmp_path, package)
    with pytest.raises(RefusedError):
        h.run(tmp_path / "repo", build=True)
    assert [f.code for f in h.findings] == ["source-mismatch"]
    assert not (tmp_path / "built").exists()


def test_git_checkout_of_the_locked_commit_is_built_and_recorded(tmp_path: Path) -> None:
    commit = git_repository(Dist("demo", "1.0.0"), tmp_path / "repo")
    url = f"file://{tmp_path / 'repo'}"
    package = Package(
        "demo", "1.0.0", source_type="git", source_url=url, source_resolved_reference=commit
    )
    h = Harness(tmp_path, package)
    h.run(tmp_path / "repo", build=True)
    assert h.verified[("demo", "1.0.0")].commit == commit
    # A cached git build, not built in this run, is not installed.
    with pytest.raises(RefusedError):
        h.run(tmp_path / "elsewhere-1.0.0-py3-none-any.whl")


def test_no_checkout_has_no_head(tmp_path: Path) -> None:
    # Not a git work tree, and a repository with no commit yet: no commit to compare.
    (tmp_path / "plain").mkdir()
    assert checkout_head(tmp_path / "plain") == ""
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    assert checkout_head(tmp_path / "empty") == ""
