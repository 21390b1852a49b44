"""Archive verification without a Poetry run: hashes of algorithms this Python lacks,
a local file dependency that fails, a git package without a pinned source, and locked
wheel names that are not wheel names."""

from __future__ import annotations

import hashlib

from typing import TYPE_CHECKING

from cleo.io.null_io import NullIO
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.installation.executor import Executor
from poetry.repositories import RepositoryPool
from poetry.utils.env import MockEnv

from poetry_lockguard.plugin.install_guard.verify import ArtifactVerifier
from poetry_lockguard.plugin.install_guard.verify import check_archive
from poetry_lockguard.plugin.poetry_api import ExecutorInternals


if TYPE_CHECKING:
    from pathlib import Path


def verifier(tmp_path: Path) -> ArtifactVerifier:
    config = Config()
    config.merge({"cache-dir": str(tmp_path / "cache")})
    return ArtifactVerifier(
        ExecutorInternals(Executor(MockEnv(), RepositoryPool(), config, NullIO()))
    )


def test_a_hash_of_an_algorithm_this_python_lacks_is_never_a_match(tmp_path: Path) -> None:
    archive = tmp_path / "alpha-1.0-py3-none-any.whl"
    archive.write_bytes(b"wheel")
    good = hashlib.sha256(b"wheel").hexdigest()
    package = Package("alpha", "1.0")
    package.files = [
        {"file": archive.name, "hash": "rot13:abc"},
        {"file": archive.name, "hash": f"sha256:{good}"},
    ]
    assert check_archive(package, archive) == (None, good)
    package.files = [{"file": archive.name, "hash": "rot13:abc"}]
    found, sha256 = check_archive(package, archive)
    assert found is not None and sha256 == good
    assert (found.code, found.expected, found.found) == (
        "hash-mismatch",
        "rot13:abc",
        f"sha256:{good}",
    )


def test_a_local_file_that_fails_is_refused_and_left_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "dist" / "alpha-1.0-py3-none-any.whl"
    archive.parent.mkdir()
    archive.write_bytes(b"wheel")
    package = Package("alpha", "1.0", source_type="file", source_url="dist/" + archive.name)
    package.root_dir = tmp_path
    package.files = [{"file": archive.name, "hash": "sha256:" + "0" * 64}]
    git = Package("gamma", "1.0", source_type="git", source_url="")
    result = verifier(tmp_path).verify([package, git])
    assert [(f.code, f.package) for f in result.findings] == [("hash-mismatch", "alpha")]
    assert result.verified == {}
    assert archive.read_bytes() == b"wheel"  # the user's own file is never deleted


def test_a_locked_wheel_name_that_is_no_wheel_name_is_not_compatible(tmp_path: Path) -> None:
    package = Package("alpha", "1.0")
    package.files = [
        {"file": "alpha.whl", "hash": "sha256:0"},
        {"file": "alpha-1.0-py3-none-any.whl", "hash": "sha256:0"},
        {"file": "alpha-1.0.tar.gz", "hash": "sha256:0"},
    ]
    assert verifier(tmp_path)._compatible_locked_wheels(package) == ["alpha-1.0-py3-none-any.whl"]
