"""The target interpreter cannot lie to the probe, hang it, or poison its cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.probe import _cache_path
from poetry_lockguard.env.probe import _timeout
from poetry_lockguard.env.probe import probe_interpreter
from poetry_lockguard.env.probe import sees_outside_site
from poetry_lockguard.errors import EnvironmentInspectionError
from tests.support.interpreters import find_python
from tests.support.interpreters import missing


if TYPE_CHECKING:
    from collections.abc import Callable

PYTHON39 = find_python("3.9")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "lockguard-cache"
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(cache))
    monkeypatch.delenv("POETRY_LOCKGUARD_NO_CACHE", raising=False)
    return cache


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True
    )
    return tmp_path / "venv"


def test_pth_file_of_the_target_does_not_run(venv: Path, tmp_path: Path) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    marker = tmp_path / "ran"
    (site / "evil.pth").write_text(
        f"import sys; open({str(marker)!r}, 'w').close(); sys.platform = 'faked'\n"
    )
    found = probe_interpreter(venv / "bin" / "python", with_tags=True)
    assert not marker.exists()
    assert found.marker_env["sys_platform"] == sys.platform
    assert found.site_dirs == (site,)
    assert found.prefix == venv
    assert found.tags


def test_cache_location_comes_from_the_environment(venv: Path, private_cache: Path) -> None:
    python = venv / "bin" / "python"
    cache = _cache_path(python, False)
    assert cache is not None and cache.parent == private_cache / "probe"
    probe_interpreter(python)
    assert cache.is_file()


def _fake_python(tmp_path: Path, script: str) -> Path:
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\n{script}\n")
    python.chmod(0o755)
    return python


@pytest.mark.parametrize(
    "script",
    [
        "sleep 60",
        # A child left holding stdout: waiting for the pipes' end would take 60 s.
        "sleep 60 & exec sleep 60",
        "trap '' TERM; sleep 60",
    ],
    ids=["sleeps", "child holds the pipes", "ignores SIGTERM"],
)
def test_stuck_interpreter_is_one_error_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_PROBE_TIMEOUT", "2")
    python = _fake_python(tmp_path, script)
    start = time.monotonic()
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert time.monotonic() - start < 5
    assert str(error.value) == (
        f"{python}: the interpreter did not report its environment within 2 s (stopped;"
        " POETRY_LOCKGUARD_PROBE_TIMEOUT sets the limit)"
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda python: None, "interpreter not found"),
        (lambda python: python.write_text("#!/bin/sh\n"), "interpreter is not executable"),
        (
            lambda python: (python.write_bytes(b"\x7fELF junk"), python.chmod(0o755)),
            "cannot run interpreter ([Errno 8] Exec format error: '{python}')",
        ),
        (
            lambda python: (python.write_text("#!/bin/sh\necho hello\n"), python.chmod(0o755)),
            "interpreter printed something that is not its environment",
        ),
    ],
    ids=["absent", "not executable", "not a program", "not the probe's answer"],
)
def test_an_interpreter_that_cannot_answer_is_one_error(
    tmp_path: Path, make: Callable[[Path], object], problem: str
) -> None:
    python = tmp_path / "python"
    make(python)
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == f"{python}: {problem.format(python=python)}"


@pytest.mark.parametrize(
    "make",
    [lambda cfg: cfg.write_bytes(b"include-system-site-packages = \xff\n"), os.mkfifo],
    ids=["not UTF-8", "FIFO"],
)
def test_an_unreadable_pyvenv_cfg_may_see_outside_site(
    tmp_path: Path, make: Callable[[Path], object]
) -> None:
    (tmp_path / "bin").mkdir()
    make(tmp_path / "pyvenv.cfg")
    assert sees_outside_site(tmp_path / "bin" / "python") is True


@pytest.mark.parametrize(("value", "seconds"), [("3.5", 3.5), ("soon", 10.0), ("-1", 10.0)])
def test_probe_timeout_from_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, seconds: float
) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_PROBE_TIMEOUT", value)
    assert _timeout() == seconds


def test_a_cache_that_cannot_be_written_is_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-directory").write_text("")
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path / "not-a-directory"))
    python = Path(sys.executable)
    assert probe_interpreter(python) == probe_interpreter(python)
    assert (tmp_path / "not-a-directory").read_text() == ""


def test_tags_computed_here_equal_the_interpreters_own(venv: Path) -> None:
    """The oracle: for this interpreter, target_tags gives what sys_tags() gives."""
    from packaging.tags import sys_tags

    from poetry_lockguard.env.probe import target_tags

    probed = probe_interpreter(venv / "bin" / "python", with_tags=True)
    data = {
        "version_info": list(sys.version_info[:3]),
        "marker_env": {"implementation_name": sys.implementation.name},
        "abi_flags": [],
    }
    assert target_tags(data) == [str(t) for t in sys_tags()]
    assert list(probed.tags) == [str(t) for t in sys_tags()]


@pytest.mark.parametrize(
    ("implementation", "flags", "first", "also"),
    [
        ("cpython", ["d"], "cp39-cp39d-", "cp39-cp39-"),  # a debug build takes release wheels
        ("cpython", ["d", "t"], "cp313-cp313td-", "cp313-cp313t-"),  # "t" before "d"
        ("pypy", [], "pp39-pypy39_pp73-", "pp3-none-any"),  # as sys_tags() on PyPy 7.3
    ],
)
def test_tags_computed_here_follow_the_targets_abi(
    implementation: str, flags: list[str], first: str, also: str
) -> None:
    from poetry_lockguard.env.probe import target_tags

    minor = 13 if "t" in flags else 9
    data = {
        "version_info": [3, minor, 0],
        "marker_env": {"implementation_name": implementation, "implementation_version": "7.3.16"},
        "abi_flags": flags,
    }
    found = target_tags(data)
    assert found[0].startswith(first), found[:3]
    assert any(tag.startswith(also) for tag in found), found


@pytest.mark.skipif(PYTHON39 is None, reason=missing("3.9"))
def test_tags_of_a_python_this_packaging_does_not_run_on(tmp_path: Path) -> None:
    """packaging 26 needs Python 3.10: the tags of a 3.9 target are computed here."""
    assert PYTHON39 is not None
    subprocess.run([PYTHON39, "-m", "venv", "--without-pip", str(tmp_path / "py39")], check=True)
    probed = probe_interpreter(tmp_path / "py39" / "bin" / "python", with_tags=True)
    assert probed.version.startswith("3.9.")
    assert probed.tags[0].startswith("cp39-cp39-")
    assert "py3-none-any" in probed.tags
    assert not any("cp311" in tag for tag in probed.tags)
