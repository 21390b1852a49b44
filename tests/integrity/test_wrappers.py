"""Console-script wrappers and #! lines verified against the locked archive: what an
installer writes passes, anything that runs other code or another interpreter is
file-modified, on both entry points."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.anchored import _installed_header
from tests.integrity.support import run_both


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def _wrapper(project: PoetryProject) -> Path:
    return project.venv / "bin" / "lg-tool"


def utf7_cookie(project: PoetryProject, tmp_path: Path) -> None:
    # Python decodes the file as UTF-7, which turns "+AAo-" into a new line: the
    # comment becomes a call.
    lines = _wrapper(project).read_bytes().split(b"\n")
    body = [line for line in lines[1:] if not line.startswith(b"# -*- coding")]
    hidden = b"# +AAo-print('PWNED')"
    _wrapper(project).write_bytes(b"\n".join([lines[0], b"# -*- coding: utf-7 -*-", hidden, *body]))


def planted_interpreter(project: PoetryProject, tmp_path: Path) -> None:
    fake = project.venv / "bin" / "python3.11w"
    fake.write_text(f'#!/bin/sh\necho PWNED >&2\nexec {project.python} "$@"\n')
    fake.chmod(0o755)
    _rewrite_first_line(project, f"#!{fake}")


def trampoline_with_a_command(project: PoetryProject, tmp_path: Path) -> None:
    data = _wrapper(project).read_bytes()
    body = data.split(b"\n", 1)[1]
    python = f"{project.venv}/$(echo PWNED >&2;echo bin)/../bin/python".encode()
    _wrapper(project).write_bytes(
        b"#!/bin/sh\n'''exec' \"" + python + b'" "$0" "$@"\n\' \'\'\'\n' + body
    )


def link_in_the_path(project: PoetryProject, tmp_path: Path) -> None:
    elsewhere = tmp_path / "evilroot"
    (elsewhere / "d").mkdir(parents=True)
    (elsewhere / "bin").mkdir()
    (elsewhere / "bin" / "python").symlink_to(project.python)
    (project.venv / "x").symlink_to(elsewhere / "d")
    _rewrite_first_line(project, f"#!{project.venv}/x/../bin/python")


def _planted_beside(project: PoetryProject, suffix: str) -> str:
    """A program planted at ``bin/python`` + ``suffix``, which a #! line ending in
    ``suffix`` makes the kernel run; the #! line that names it."""
    fake = project.venv / "bin" / f"python{suffix}"
    fake.write_text(f'#!/bin/sh\necho PWNED >&2\nexec {project.python} "$@"\n')
    fake.chmod(0o755)
    return f"#!{project.python}{suffix}"


def form_feed_after_the_path(project: PoetryProject, tmp_path: Path) -> None:
    _rewrite_first_line(project, _planted_beside(project, "\f"))


def no_break_space_after_the_path(project: PoetryProject, tmp_path: Path) -> None:
    _rewrite_first_line(project, _planted_beside(project, "\xa0"))


def carriage_return_after_the_path(project: PoetryProject, tmp_path: Path) -> None:
    _rewrite_first_line(project, _planted_beside(project, "\r"))


def an_argument_after_the_path(project: PoetryProject, tmp_path: Path) -> None:
    _rewrite_first_line(project, f"#!{project.python} -X importtime")


def nested_thousands_deep(project: PoetryProject, tmp_path: Path) -> None:
    data = _wrapper(project).read_bytes()
    call = b"sys.exit(main" + b".a" * 20000 + b"())"
    _wrapper(project).write_bytes(data.replace(b"sys.exit(main())", call))
    assert call in _wrapper(project).read_bytes()


def _rewrite_first_line(project: PoetryProject, line: str) -> None:
    data = _wrapper(project).read_bytes()
    _wrapper(project).write_bytes(line.encode() + b"\n" + data.split(b"\n", 1)[1])


CASES: dict[str, Callable[[PoetryProject, Path], None]] = {
    "a coding cookie that hides code": utf7_cookie,
    "an interpreter planted in bin/": planted_interpreter,
    "a sh trampoline that runs a command": trampoline_with_a_command,
    "a #! path through a link out of the venv": link_in_the_path,
    "a form feed after the #! path": form_feed_after_the_path,
    "a no-break space after the #! path": no_break_space_after_the_path,
    "a carriage return after the #! path": carriage_return_after_the_path,
    "an argument after the #! path": an_argument_after_the_path,
    "an entry point nested thousands deep": nested_thousands_deep,
}

#: The cases that plant a program in bin/, and its name.
PLANTED: dict[Callable[[PoetryProject, Path], None], str] = {
    planted_interpreter: "python3.11w",
    form_feed_after_the_path: "python\f",
    no_break_space_after_the_path: "python\xa0",
    carriage_return_after_the_path: "python\r",
}


@pytest.mark.parametrize("tamper", CASES.values(), ids=CASES.keys())
def test_a_tampered_wrapper_is_file_modified(
    installed: PoetryProject, tmp_path: Path, tamper: Callable[[PoetryProject, Path], None]
) -> None:
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert (result.returncode, result.findings()) == (0, []), result.output
    tamper(installed, tmp_path)
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        # A program planted in bin/ is unowned besides; the wrapper that runs it is
        # modified.
        planted = PLANTED.get(tamper)
        expected = [("file-modified", "lg-tool")] + ([("unowned-file", None)] if planted else [])
        assert sorted(result.findings(), key=str) == sorted(expected, key=str), result.output
        paths = {f["code"]: f["path"] for f in result.json()["findings"]}
        assert paths["file-modified"] == str(_wrapper(installed))
        if planted:
            assert paths["unowned-file"] == str(installed.venv / "bin" / planted)


def test_a_header_is_found_only_where_an_installer_writes_headers(tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    include = str(tmp_path / "venv" / "include" / "site" / "python3.11")
    rows = ("../../../x/include/demo.h", "../../../include/site/python3.11/Demo/demo.h")
    assert _installed_header(rows, str(site), include, "demo", "demo.h") == os.path.join(
        include, "Demo", "demo.h"
    )
    assert _installed_header(rows[:1], str(site), include, "demo", "demo.h") is None
