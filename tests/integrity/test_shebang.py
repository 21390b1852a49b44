"""The #! line of an installed script as the kernel reads it: only spaces and tabs
around the path are dropped, and the path ends at the first space, tab or NUL; any
other byte after it (a form feed, a no-break space, a carriage return) names another
file, one an attacker can plant beside the interpreter."""

from __future__ import annotations

import os
import sys

from pathlib import Path

import pytest

from poetry_lockguard.checks.anchored import _rewritten_script
from poetry_lockguard.checks.anchored import _shebang_end
from poetry_lockguard.env.probe import Interpreter


SHIPPED = b"#!python\nprint('tool')\n"


@pytest.fixture
def interpreter(tmp_path: Path) -> Interpreter:
    scripts = tmp_path / "venv" / "bin"
    scripts.mkdir(parents=True)
    (scripts / "python").symlink_to(sys.executable)
    return Interpreter(
        executable=scripts / "python",
        prefix=tmp_path / "venv",
        base_prefix=Path(sys.base_prefix),
        site_dirs=(),
        scripts=scripts,
        marker_env={},
        version="3.11.0",
    )


@pytest.mark.parametrize(
    ("ending", "problem"),
    [
        (b"", ""),
        (b"  \t", ""),  # trailing spaces and tabs: the kernel drops them
        (b"\x0c", "runs '{python}\\x0c', not this environment's interpreter"),
        (b"\xc2\xa0", "runs '{python}\\xa0', not this environment's interpreter"),
        (b"\r", "runs '{python}\\r', not this environment's interpreter"),
        (b"\x0b", "runs '{python}\\x0b', not this environment's interpreter"),
        (b"\xff", "runs b'{python}\\xff', not this environment's interpreter"),
        (b" -E", "runs '{python} -E' with arguments, which no installer writes"),
        (b"\0junk", "runs '{python}\\x00junk' with arguments, which no installer writes"),
    ],
    ids=[
        "newline",
        "spaces and tabs",
        "form feed",
        "no-break space",
        "carriage return",
        "vertical tab",
        "not UTF-8",
        "an argument",
        "a NUL",
    ],
)
def test_a_rewritten_script_names_the_interpreter_byte_for_byte(
    interpreter: Interpreter, tmp_path: Path, ending: bytes, problem: str
) -> None:
    python = str(interpreter.executable)
    planted = os.fsdecode(os.fsencode(python) + ending.split(b" ")[0].split(b"\0")[0])
    if planted != python and ending.strip(b" \t"):
        Path(planted).symlink_to(sys.executable)  # the file that line makes the kernel run
    script = tmp_path / "tool"
    script.write_bytes(b"#!" + os.fsencode(python) + ending + b"\n" + SHIPPED.split(b"\n", 1)[1])
    assert _rewritten_script(str(script), SHIPPED, interpreter) == problem.format(python=python)


def test_leading_blanks_and_a_sh_trampoline(interpreter: Interpreter) -> None:
    python = os.fsencode(str(interpreter.executable))
    assert _shebang_end(b"#! \t" + python + b"\nbody", interpreter) == len(python) + 5
    trampoline = b"#!/bin/sh\n'''exec' \"" + python + b'" "$0" "$@"\n\' \'\'\'\n'
    assert _shebang_end(trampoline + b"body", interpreter) == len(trampoline)
    # /bin/sh\r is another program than /bin/sh
    assert _shebang_end(trampoline.replace(b"sh\n", b"sh\r\n", 1), interpreter) == (
        "runs '/bin/sh\\r', not this environment's interpreter"
    )
