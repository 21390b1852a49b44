"""poetry.lock entries Poetry never writes: each is one LockFileError naming the entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.lockfile import package_hash_finding
from poetry_lockguard.config import Policy
from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.reader import _package_lines
from poetry_lockguard.lock.reader import read_lock


if TYPE_CHECKING:
    from pathlib import Path

METADATA = '\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.9"\ncontent-hash = "x"\n'
HEAD = '[[package]]\nname = "alpha"\nversion = "1.0"\n'


@pytest.mark.parametrize(
    ("package", "message"),
    [
        ("package = [1]\n", "poetry.lock: package #1: [[package]] is not a table"),
        (
            HEAD + "markers = 3\n",
            "poetry.lock:1: markers of 'alpha' is neither a string nor a table",
        ),
        (
            HEAD + "[package.dependencies]\nbeta = 3\n",
            "poetry.lock:1: dependency 'beta' is neither a string nor a table",
        ),
        (HEAD + "files = [3]\n", "poetry.lock:1: a files entry of 'alpha' is not a table"),
        (
            HEAD + 'files = [{file = "a.whl", hash = 3}]\n',
            "poetry.lock:1: a files entry of 'alpha' is not strings",
        ),
        (HEAD + "python-versions = 3\n", "poetry.lock:1: python-versions is not a string"),
        (HEAD + 'groups = "main"\n', "poetry.lock:1: groups is not an array of strings"),
    ],
)
def test_a_malformed_entry_is_named(tmp_path: Path, package: str, message: str) -> None:
    (tmp_path / "poetry.lock").write_text(package + METADATA)
    with pytest.raises(LockFileError) as error:
        read_lock(tmp_path / "poetry.lock")
    assert str(error.value) == message


def test_lines_are_dropped_when_headers_and_entries_disagree(tmp_path: Path) -> None:
    # An inline array of tables adds entries without a header line: no line is given
    # rather than one that may point at the wrong entry.
    lock = tmp_path / "poetry.lock"
    lock.write_text(
        'package = [{name = "alpha", version = "1.0"}, {name = "beta", version = "2.0"}]\n'
        "# [[package]] in a comment is no header\n" + METADATA
    )
    assert [(p.name, p.line) for p in read_lock(lock).packages] == [("alpha", None), ("beta", None)]


def test_package_lines_skip_multi_line_strings_of_every_shape(tmp_path: Path) -> None:
    text = (
        b'[[package]]\nname = "a"\ndescription = """one line""" # closes at once\n'
        b'notes = """escaped \\""" quote\n[[package]]\nstill inside\n"""\n'
        b"quoted = '''ends with quotes'''''\n"
        b"[[package]]\n"
    )
    assert _package_lines(text) == [1, 9]


LEGACY_FILES = (
    '[metadata.files]\nalpha = [\n    {file = "alpha-1.0-py3-none-any.whl", hash = "sha256:aa"},\n'
    '    {file = "alpha-1.0.tar.gz", hash = "sha256:bb"},\n]\n'
)


@pytest.mark.parametrize(
    ("source", "files", "code"),
    [
        ("", None, None),
        ('type = "legacy"\nurl = "https://example.invalid/simple"\nreference = "x"\n', None, None),
        ('type = "url"\nurl = "https://example.invalid/alpha-1.0.tar.gz"\n', [], "unhashed"),
        ('type = "git"\nurl = "https://example.invalid/alpha.git"\n', [], "unpinned-vcs"),
        ('type = "directory"\nurl = "alpha"\n', [], None),
        ('type = "file"\nurl = "dist/alpha-1.0.tar.gz"\n', ["alpha-1.0.tar.gz"], None),
        # Spelled otherwise, Poetry's locker applies every hash, and so does lockguard.
        ('type = "URL"\nurl = "https://example.invalid/alpha-1.0.tar.gz"\n', None, None),
    ],
    ids=["registry", "legacy", "url", "git", "directory", "file", "URL"],
)
def test_lock_1_1_files_apply_as_poetry_applies_them(
    tmp_path: Path, source: str, files: list[str] | None, code: str | None
) -> None:
    """Poetry's locker ignores [metadata.files] for url, git and directory sources and keeps
    only the named file of a file source: such a package is installed without a hash check."""
    text = '[[package]]\nname = "alpha"\nversion = "1.0"\noptional = false\n'
    text += "python-versions = '*'\n"
    if source:
        text += "\n[package.source]\n" + source
    text += METADATA.replace('"2.1"', '"1.1"') + LEGACY_FILES
    (tmp_path / "poetry.lock").write_text(text)
    (package,) = read_lock(tmp_path / "poetry.lock").packages
    every = ["alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz"]
    assert [f.name for f in package.files] == (every if files is None else files)
    found = package_hash_finding(package, Policy())
    assert (found and found.code) == code
