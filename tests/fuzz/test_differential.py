"""Differential fuzzing where a reference exists: the fast TOML reader against tomllib,
the marker fast path against poetry-core. Where the fast path answers, it must give
the reference's answer; where it is unsure it must answer None (fall back)."""

from __future__ import annotations

import sys
import tempfile

from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from hypothesis import given
from poetry.core.version.markers import parse_marker

from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.fast_toml import parse_lock_toml
from poetry_lockguard.lock.markers import evaluate_marker
from poetry_lockguard.lock.model import Lock
from poetry_lockguard.lock.reader import read_lock
from tests.fuzz.strategies import DIFFERENTIAL
from tests.fuzz.strategies import lock_text
from tests.fuzz.strategies import marker_environment
from tests.fuzz.strategies import markers
from tests.fuzz.strategies import toml_document


if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def _tomllib(text: str) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = tomllib.loads(text)
        return document
    except tomllib.TOMLDecodeError:
        return None


def _agrees_with_tomllib(text: str) -> None:
    fast = parse_lock_toml(text)
    if fast is not None:
        reference = _tomllib(text)
        assert reference is not None, f"fast reader accepted invalid TOML: {text!r}"
        assert fast == reference, text


@DIFFERENTIAL
@given(lock_text())
def test_fast_toml_agrees_with_tomllib_on_locks(text: str) -> None:
    _agrees_with_tomllib(text)


@DIFFERENTIAL
@given(toml_document())
def test_fast_toml_agrees_with_tomllib_on_any_toml(text: str) -> None:
    _agrees_with_tomllib(text)


def _reference(marker: str, env: dict[str, Any]) -> bool | None:
    try:
        return bool(parse_marker(marker).validate(env))
    except Exception:  # noqa: BLE001 - poetry-core refuses it: the fast path must too
        return None


#: Disagreements the fuzzing found (the fast path answered, poetry-core differed).
FOUND = [
    # poetry-core answers False to `extra != ""` whatever the extras; the fast path True.
    ('extra != ""', {"fast-path"}),
    ("( extra!= '' )", {"fast_path", "Fast"}),
    # poetry-core refuses an extra that is not a valid name; the fast path answered.
    ('( extra == "a b")', {"a b"}),
    ('extra == "a b" and extra == "a b"', set()),
    # PEP 508 whitespace is a space or a tab: poetry-core refuses a marker across lines.
    ("python_version >= '3'\nand python_version < '4'", set()),
    ('python_version == "3.11\n"', set()),
]


@pytest.mark.parametrize(("marker", "extras"), FOUND)
def test_found_disagreements_fall_back(marker: str, extras: set[str]) -> None:
    env = {"python_version": "3.11", "python_full_version": "3.11.7", "extra": extras}
    assert evaluate_marker(marker, env) is None


@DIFFERENTIAL
@given(markers, marker_environment())
def test_marker_fast_path_agrees_with_poetry_core(marker: str, env: dict[str, Any]) -> None:
    fast = evaluate_marker(marker, env)
    if fast is not None:
        assert fast == _reference(marker, env), (marker, env)


def _read(path: Path) -> object:
    try:
        return read_lock(path)
    except LockFileError as e:
        return str(e)


@DIFFERENTIAL
@given(lock_text())
def test_lock_reader_reads_what_it_reads_through_tomllib(text: str) -> None:
    # The whole reader (entries, files, sources, the lines of the entries, the
    # refusals) on the fast path and with tomllib alone: the same Lock or error.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "poetry.lock")
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        fast = _read(path)
        with mock.patch("poetry_lockguard.lock.fast_toml.parse_lock_toml", return_value=None):
            reference = _read(path)
    assert fast == reference, text
    if isinstance(fast, Lock):
        lines = text.split("\n")
        for package in fast.packages:
            if package.line is not None:  # a line is the entry's header, or none at all
                header = lines[package.line - 1].split("#")[0].replace(" ", "").replace("\t", "")
                assert header in ("[[package]]", '[["package"]]', "[['package']]"), (package, text)
