"""The integrity check's own edges, in-process: distributions that are not directories,
where files may live, and the forked share's protocol with the process it waits for."""

from __future__ import annotations

import os
import threading

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.integrity import IntegrityCheck
from poetry_lockguard.checks.integrity import _ForkedShare
from poetry_lockguard.checks.integrity import _Job
from poetry_lockguard.checks.integrity import environment_roots
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.distributions import Distribution
from poetry_lockguard.env.probe import Interpreter
from poetry_lockguard.env.record import RecordEntry
from poetry_lockguard.env.safe_files import FileState
from poetry_lockguard.env.safe_files import Locator
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from pathlib import Path


def interpreter(prefix: Path, *site_dirs: Path) -> Interpreter:
    return Interpreter(
        executable=prefix / "bin" / "python",
        prefix=prefix,
        base_prefix=prefix,
        site_dirs=site_dirs,
        scripts=prefix / "bin",
        marker_env={},
        version="3.11.0",
    )


def test_a_dist_info_that_is_not_a_directory_has_no_record_to_trust(tmp_path: Path) -> None:
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (tmp_path / "elsewhere-1.0.dist-info").mkdir()
    (site / "linked-1.0.dist-info").symlink_to(tmp_path / "elsewhere-1.0.dist-info")
    (site / "flat-1.0.dist-info").write_text("")
    installed = [
        Distribution(name, "1.0", site / f"{name}-1.0.dist-info")
        for name in ("linked", "flat", "gone")
    ]
    check = IntegrityCheck(interpreter(tmp_path / "env", site), load_policy(None))
    result = check.run(installed, {})
    # The file is reported by the environment check (invalid-distribution); a
    # distribution that went away meanwhile has nothing left to verify.
    assert [(f.code, f.package, f.message) for f in result.findings] == [
        (
            "record-invalid",
            "linked",
            "linked 1.0: linked-1.0.dist-info is a symlink; its RECORD is not trusted",
        ),
    ]
    assert result.files_checked == 0


def test_files_may_live_in_site_directories_outside_any_lib_python(tmp_path: Path) -> None:
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    flat = tmp_path / "opt" / "site"
    assert environment_roots(interpreter(tmp_path / "env", site, flat)) == [
        tmp_path / "env",
        tmp_path / "env" / "bin",
        tmp_path / "env",
        flat,
    ]


@pytest.fixture
def share_jobs(tmp_path: Path) -> tuple[Locator, list[_Job]]:
    """Two files for a share: one as RECORD says, one edited."""
    (tmp_path / "a.py").write_bytes(b"x")
    (tmp_path / "b.py").write_bytes(b"y")
    digest = record_hash(b"x").partition("=")[2]
    dist = Distribution("pkg", "1.0", tmp_path / "pkg-1.0.dist-info")
    jobs = [
        _Job(dist, str(tmp_path), RecordEntry(name, "sha256", digest, 1, n))
        for n, name in enumerate(("a.py", "b.py"), 1)
    ]
    return Locator([tmp_path]), jobs


def spawn(argv: list[str]) -> tuple[int, int]:
    """(pid, fd): ``argv`` started in place of the forked child, its stdout the pipe."""
    read_fd, write_fd = os.pipe()
    actions = [(os.POSIX_SPAWN_DUP2, write_fd, 1), (os.POSIX_SPAWN_CLOSE, read_fd)]
    pid = os.posix_spawnp(argv[0], argv, dict(os.environ), file_actions=actions)
    os.close(write_fd)
    return pid, read_fd


@pytest.mark.parametrize(
    "child",
    [
        ["true"],  # exits without sending anything
        ["false"],  # fails
        ["printf", "garbage"],  # sends what marshal cannot read
        ["printf", "\\x5b\\x00\\x00\\x00\\x00"],  # an empty list: not one row a file
    ],
)
def test_a_share_that_does_not_deliver_is_verified_here(
    tmp_path: Path, share_jobs: tuple[Locator, list[_Job]], child: list[str]
) -> None:
    locator, jobs = share_jobs
    share = _ForkedShare(*spawn(child), locator, jobs, [0, 1])
    states = share.collect()
    assert [(i, s.status, s.path) for i, s in states] == [
        (0, "ok", str(tmp_path / "a.py")),
        (1, "modified", str(tmp_path / "b.py")),
    ]
    assert all(isinstance(s, FileState) for _, s in states)


def test_a_cancelled_share_is_stopped_and_reaped(
    share_jobs: tuple[Locator, list[_Job]],
) -> None:
    locator, jobs = share_jobs
    pid, read_fd = spawn(["sleep", "60"])
    share = _ForkedShare(pid, read_fd, locator, jobs, [0])
    share.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # killed, and reaped by cancel
    with pytest.raises(OSError):
        os.fstat(read_fd)
    share.cancel()  # twice is harmless


def test_no_share_is_forked_while_other_threads_run(
    share_jobs: tuple[Locator, list[_Job]],
) -> None:
    locator, jobs = share_jobs
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _ForkedShare.start(locator, jobs, [0]) is None
    finally:
        stop.set()
        other.join()
