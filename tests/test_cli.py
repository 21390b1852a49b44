from __future__ import annotations

import contextlib
import io
import json
import sys

from typing import TYPE_CHECKING

import pytest

from hypothesis import given
from hypothesis import strategies as st

from poetry_lockguard.standalone.cli import build_parser
from poetry_lockguard.standalone.cli import fast_check_args
from tests.fuzz.strategies import DIFFERENTIAL
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "-C", "/srv/app", "--python", "/srv/app/.venv/bin/python"],
        ["check", "--project=/srv/app", "--format=sarif", "--integrity"],
        ["check", "--directory", "rel/dir", "--format", "json", "-q"],
        ["check", "-f", "sarif", "-C", "x"],
        [
            "check",
            "--with",
            "docs",
            "--with=test",
            "--without",
            "dev",
            "--only",
            "main",
            "-E",
            "socks",
            "--extras",
            "http2",
            "--all-groups",
            "--all-extras",
        ],
        ["check", "--lock-only", "--strict", "-v", "-vv", "--verbose"],
        ["check", "--with=", "--format", "text", "--format", "markdown", "-C", "a", "-C", "b"],
    ],
)
def test_plain_check_lines_parse_as_argparse_parses_them(argv: list[str]) -> None:
    fast = fast_check_args(argv)
    assert fast is not None
    assert vars(fast) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["compare", "reports/"],
        ["check", "--help"],
        ["check", "--integ"],  # argparse's abbreviation
        ["check", "-qv"],  # grouped short options
        ["check", "-Csrv"],  # value attached to a short option
        ["check", "--python", "-x"],  # argparse: expected one argument
        ["check", "-C"],
        ["check", "--format", "yaml"],  # argparse: invalid choice
        ["check", "--verbose=1"],
        ["check", "--strict=yes"],
        ["check", "extra-positional"],
        ["check", "--", "x"],
    ],
)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert fast_check_args(argv) is None


#: Words of a command line: every option of check (and abbreviations, groupings and
#: misspellings of them), values that look like options, and plain values.
_OPTIONS = [
    *("-C", "--directory", "--project", "--python", "--with", "--without", "--only"),
    *("-E", "--extras", "-f", "--format", "--wheelhouse", "--all-groups", "--all-extras"),
    *("--lock-only", "--integrity", "--strict", "-q", "--quiet", "-v", "-vv", "-vvv"),
    *("--verbose", "-h", "--help", "--integ", "--form", "--with-", "-qv", "-vq", "-Csrv"),
    *("-Ejson", "--", "-", "--nope", "-x", "--version", "check", "compare"),
]
_VALUES = ["", "srv", "a b", "json", "sarif", "yaml", "-1", "-x", "--", "=", "é", "x=y"]
_WORD = st.one_of(
    st.sampled_from(_OPTIONS),
    st.sampled_from(_VALUES),
    st.builds(lambda o, v: f"{o}={v}", st.sampled_from(_OPTIONS), st.sampled_from(_VALUES)),
    st.text(max_size=4),
)


@DIFFERENTIAL
@given(st.lists(_WORD, max_size=8), st.sampled_from(["check", "check", "compare", "-v", ""]))
def test_the_fast_path_declines_or_parses_as_argparse_parses(rest: list[str], first: str) -> None:
    argv = [first, *rest]
    fast = fast_check_args(argv)
    if fast is None:
        return  # argparse parses the line, or reports what is wrong with it
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            expected = build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"the fast path accepted {argv!r}, which argparse refuses")
    assert vars(fast) == vars(expected)


#: Modules a check never needs: argparse (the fast path parses a plain line) and shutil
#: (argparse's help formatter), tomllib (the fast reader reads these files), subprocess
#: (the probe's answer is cached after the first run), traceback (only for -vvv),
#: dataclasses and inspect (the models a check makes are small explicit classes), csv
#: (RECORD is not read), typing (the modules import it for type checkers only).
#: hashlib is imported: the content-hash, the fingerprint and the probe cache's key are
#: sha256 digests.
UNUSED = (
    "argparse",
    "tomllib",
    "subprocess",
    "traceback",
    "shutil",
    "dataclasses",
    "inspect",
    "csv",
    "typing",
)


def test_a_check_imports_nothing_it_does_not_use(project: PoetryProject) -> None:
    installed_project(project, ["beta>=1.0"])
    code = (
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "from poetry_lockguard.standalone.cli import main\n"
        f"code = main(['check', '-C', {str(project.path)!r}, '--format', 'json'])\n"
        "sys.stderr.write(json.dumps({'code': code,"
        f" 'loaded': sorted(set(sys.modules) - before & set({list(UNUSED)!r}))}}))\n"
    )
    project.run([sys.executable, "-c", code], check=True)  # the first run fills the cache
    result = project.run([sys.executable, "-c", code])
    outcome = json.loads(result.stderr.strip().splitlines()[-1])
    assert outcome == {"code": 0, "loaded": []}


def test_the_console_script_calls_itself_by_its_name() -> None:
    """``poetry-lockguard`` (the installed script) names itself in its usage and
    ``--version``; ``python -m poetry_lockguard`` names that."""
    import subprocess

    from pathlib import Path

    script = Path(sys.executable).parent / "poetry-lockguard"
    usage = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert usage.stdout.startswith("usage: poetry-lockguard [-h] [--version] COMMAND")
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == "poetry-lockguard 0.1.0\n"
    module = subprocess.run(
        [sys.executable, "-m", "poetry_lockguard", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert module.stdout == "python -m poetry_lockguard 0.1.0\n"


def test_format_has_the_short_option_the_plugin_has(project: PoetryProject) -> None:
    for argv in (["check", "-f", "json"], ["check", "-f", "json", "--integrity"]):
        result = project.main(*argv, "-C", str(project.path))
        assert result.returncode == 2, result.output  # no project here: still parsed
        assert "unrecognized" not in result.stderr
        assert json.loads(result.stdout)["ok"] is False
