"""The target interpreter cannot lie to the probe, hang it, or poison its cache."""

from __future__ import annotations

import subprocess
import sys
import time

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.probe import _cache_path
from poetry_lockguard.env.probe import probe_interpreter
from poetry_lockguard.errors import EnvironmentInspectionError


if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "lockguard-cache"
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(cache))
    monkeypatch.delenv("POETRY_LOCKGUARD_NO_CACHE", raising=False)
    return cache


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
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
