"""The zipapp's ``__main__.py`` (standalone/zipapp_main.py) in process, on a zipapp the
real builder writes: the extraction directory is used only when it holds exactly what
the archive lists, a cache that cannot be written falls back to a private copy, and an
old Python gets one line. The runs of the built zipapp on 3.9 and 3.11 are in
test_zipapp.py."""

from __future__ import annotations

import json
import os
import sys
import zipfile

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.commands.zipapp import MANIFEST
from poetry_lockguard.commands.zipapp import build_zipapp
from poetry_lockguard.standalone import zipapp_main


if TYPE_CHECKING:
    from pathlib import Path

    from pytest_mock import MockerFixture


@pytest.fixture(scope="module")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zipapp(tmp_path_factory.mktemp("zipapp") / "lockguard.pyz").path


def _manifest(pyz: Path) -> tuple[str, dict[str, str]]:
    with zipfile.ZipFile(pyz) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert archive.read("__main__.py") == zipapp_main.__loader__.get_data(  # type: ignore[union-attr]
            zipapp_main.__file__
        )
    return manifest["key"], manifest["files"]


def test_the_archive_lists_every_vendored_file_with_its_sha256(pyz: Path) -> None:
    key, files = _manifest(pyz)
    assert key.startswith("core-") and len(key) == len("core-") + 32
    assert "poetry/core/factory.py" in files
    assert all(name.startswith("poetry/") for name in files)
    assert all(len(digest) == 64 for digest in files.values())


def test_extraction_is_verified_and_reused(pyz: Path, tmp_path: Path) -> None:
    key, files = _manifest(pyz)
    target = zipapp_main._extract(str(pyz), str(tmp_path), key, files)
    assert target == str(tmp_path / key)
    assert zipapp_main._verified(target, files)
    inode = os.stat(target).st_ino
    assert zipapp_main._extract(str(pyz), str(tmp_path), key, files) == target
    assert os.stat(target).st_ino == inode  # used as it is, not extracted again


def _plant(target: Path) -> None:
    (target / "poetry_lockguard").mkdir()
    (target / "poetry_lockguard" / "__init__.py").write_text("print('planted')\n")


def _edit(target: Path) -> None:
    with (target / "poetry" / "core" / "factory.py").open("a") as f:
        f.write("print('planted')\n")


def _link(target: Path) -> None:
    path = target / "poetry" / "core" / "factory.py"
    copy = target.parent / "factory.py"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)


def _remove(target: Path) -> None:
    (target / "poetry" / "core" / "factory.py").unlink()


def _open_to_the_group(target: Path) -> None:
    target.chmod(0o775)


@pytest.mark.parametrize("damage", [_plant, _edit, _link, _remove, _open_to_the_group])
def test_a_damaged_extraction_is_set_aside_and_made_again(
    pyz: Path, tmp_path: Path, damage: object
) -> None:
    key, files = _manifest(pyz)
    target = zipapp_main._extract(str(pyz), str(tmp_path), key, files)
    assert target is not None
    damage(tmp_path / key)  # type: ignore[operator]
    assert not zipapp_main._verified(target, files)
    assert zipapp_main._extract(str(pyz), str(tmp_path), key, files) == target
    assert zipapp_main._verified(target, files)
    assert not (tmp_path / key / "poetry_lockguard").exists()


def test_the_cache_directory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", "/c/new")
    monkeypatch.setenv("LOCKGUARD_CACHE_DIR", "/c/old")
    assert zipapp_main._cache_base() == "/c/new/zipapp"
    monkeypatch.delenv("POETRY_LOCKGUARD_CACHE_DIR")
    assert zipapp_main._cache_base() == "/c/old/zipapp"
    monkeypatch.delenv("LOCKGUARD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x")
    assert zipapp_main._cache_base() == "/x/poetry-lockguard/zipapp"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/h")
    assert zipapp_main._cache_base() == "/h/.cache/poetry-lockguard/zipapp"


def test_set_up_puts_the_verified_copy_first(
    pyz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = _manifest(pyz)
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    zipapp_main.set_up(str(pyz))
    extracted = str(tmp_path / "zipapp" / key)
    assert sys.path[:2] == [os.path.join(extracted, "poetry", "core", "_vendor"), extracted]
    assert sys.dont_write_bytecode is True


def test_set_up_without_a_writable_cache_uses_a_private_copy(
    pyz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(blocked))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    removals = mocker.patch("atexit.register")
    zipapp_main.set_up(str(pyz))
    private = os.path.dirname(sys.path[1])
    assert os.path.basename(private).startswith("lockguard-")
    removals.assert_called_once()
    assert removals.call_args.args[1] == private
    import shutil

    shutil.rmtree(private)


def test_set_up_runs_from_the_archive_when_nothing_can_be_extracted(
    pyz: Path, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    mocker.patch.object(zipapp_main, "_extract", return_value=None)
    mocker.patch("atexit.register")
    monkeypatch.setattr(sys, "path", ["first", *sys.path])
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    zipapp_main.set_up(str(pyz))
    assert sys.path[:2] == ["first", os.path.join(str(pyz), "poetry", "core", "_vendor")]


def test_an_old_python_gets_one_line(
    mocker: MockerFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    mocker.patch.object(zipapp_main, "MINIMUM_PYTHON", (99, 1))
    assert zipapp_main.run() == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"lockguard: this zipapp needs Python 99.1 or newer, not {sys.version.split()[0]}\n"
    )
