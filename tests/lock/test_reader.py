"""poetry.lock entries Poetry never writes: each is one LockFileError naming the entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

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
