"""Locks with two meanings are refused, and reported lines always point at the entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.reader import read_lock


if TYPE_CHECKING:
    from pathlib import Path

HEAD = '[metadata]\nlock-version = "2.1"\npython-versions = "*"\ncontent-hash = "x"\n\n'


def _package(name: str, version: str, files: str = "[]", header: str = "[[package]]") -> str:
    return f'{header}\nname = "{name}"\nversion = "{version}"\nfiles = {files}\n\n'


def _read(tmp_path: Path, text: str) -> list[tuple[str, int | None]]:
    path = tmp_path / "poetry.lock"
    path.write_text(text)
    return [(p.name, p.line) for p in read_lock(path).packages]


@pytest.mark.parametrize(
    "header",
    [
        "[[package]] # comment",
        "[[ package ]]",
        "  [[package]]",
        '[["package"]]',
        "\t[[ 'package' ]]  # x",
    ],
)
def test_valid_headers_do_not_shift_lines(tmp_path: Path, header: str) -> None:
    text = _package("a", "1") + _package("b", "1", header=header) + _package("c", "1") + HEAD
    assert _read(tmp_path, text) == [("a", 1), ("b", 6), ("c", 11)]


def test_header_inside_a_multiline_string_is_not_an_entry(tmp_path: Path) -> None:
    text = (
        _package("a", "1")
        + '[[package]]\nname = "b"\nversion = "1"\ndescription = """\n[[package]]\n"""\nfiles = []\n\n'
        + "[[package]]\nname = \"c\"\nversion = \"1\"\nx = '''\n[[package]]'''\nfiles = []\n\n"
        + HEAD
    )
    assert _read(tmp_path, text) == [("a", 1), ("b", 6), ("c", 14)]


def test_crlf_lines(tmp_path: Path) -> None:
    text = (_package("a", "1") + _package("b", "1", header="[[package]] # c") + HEAD).replace(
        "\n", "\r\n"
    )
    path = tmp_path / "poetry.lock"
    path.write_bytes(text.encode())
    assert [(p.name, p.line) for p in read_lock(path).packages] == [("a", 1), ("b", 6)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _package("a", "1") + _package("b", "1") + _package("a", "1.0") + HEAD,
            "poetry.lock:11: package 'a' '1.0' is locked twice (also at line 1)",
        ),
        (
            _package(
                "a",
                "1",
                '[{file = "a.whl", hash = "sha256:00"}, {file = "a.whl", hash = "sha256:11"}]',
            )
            + HEAD,
            "poetry.lock:1: files of 'a' list 'a.whl' twice with different hashes",
        ),
        (
            _package("a", "1")
            + HEAD.replace('lock-version = "2.1"', 'lock-version = "1.1"')
            + '[metadata.files]\nfoo_bar = []\nfoo-bar = [{file = "x", hash = "sha256:00"}]\n',
            "poetry.lock: [metadata.files] lists 'foo-bar' twice (as 'foo_bar' and 'foo-bar')",
        ),
        (
            _package("a", "1")
            + HEAD.replace('lock-version = "2.1"', 'lock-version = "1.1"')
            + '[metadata.files]\na = []\n"a" = []\n',
            "poetry.lock: invalid TOML: Cannot overwrite a value",
        ),
    ],
    ids=[
        "duplicate package",
        "one file two hashes",
        "legacy files normalized twice",
        "legacy files duplicate key",
    ],
)
def test_two_meanings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "poetry.lock"
    path.write_text(text)
    with pytest.raises(LockFileError) as error:
        read_lock(path)
    assert str(error.value).startswith(message), str(error.value)


def test_same_name_and_version_from_two_sources_is_not_a_duplicate(tmp_path: Path) -> None:
    text = (
        _package("a", "1")
        + '[[package]]\nname = "a"\nversion = "1"\nfiles = []\n\n[package.source]\ntype = "legacy"\nurl = "https://x"\nreference = "x"\n\n'
        + HEAD
    )
    assert _read(tmp_path, text) == [("a", 1), ("a", 6)]
