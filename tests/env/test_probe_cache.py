"""The probe's answer is cached per exact interpreter, and never trusted when damaged."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.probe import _cache_path
from poetry_lockguard.env.probe import probe_interpreter


if TYPE_CHECKING:
    from pathlib import Path

    from pytest_mock import MockerFixture


@pytest.fixture
def venv_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("POETRY_LOCKGUARD_NO_CACHE", raising=False)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True
    )
    return tmp_path / "venv" / "bin" / "python"


def test_second_probe_reads_the_cache(venv_python: Path, mocker: MockerFixture) -> None:
    first = probe_interpreter(venv_python)
    cache = _cache_path(venv_python, False)
    assert cache is not None and cache.is_file()
    popen = mocker.patch("subprocess.Popen", side_effect=AssertionError("probed again"))
    second = probe_interpreter(venv_python)
    assert popen.call_count == 0
    assert second == first


def test_damaged_cache_is_probed_again(venv_python: Path) -> None:
    probe_interpreter(venv_python)
    cache = _cache_path(venv_python, False)
    assert cache is not None
    cache.write_bytes(marshal.dumps({"marker_env": {}})[:-3])
    again = probe_interpreter(venv_python)
    assert again.marker_env["python_full_version"] == ".".join(map(str, sys.version_info[:3]))
    assert marshal.loads(cache.read_bytes())["marker_env"] == again.marker_env


def test_recreated_venv_gets_a_new_key(venv_python: Path) -> None:
    before = _cache_path(venv_python, False)
    cfg = venv_python.parent.parent / "pyvenv.cfg"
    st = cfg.stat()
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert _cache_path(venv_python, False) != before
    assert _cache_path(venv_python, True) != _cache_path(venv_python, False)


def test_cache_can_be_turned_off(venv_python: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_NO_CACHE", "1")
    assert _cache_path(venv_python, False) is None
    probe_interpreter(venv_python)
    assert not (venv_python.parent.parent.parent / "cache").exists()
