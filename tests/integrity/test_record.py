"""RECORD parsing and file verification in-process: the cases a real install rarely shows."""

from __future__ import annotations

import os
import socket

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.record import MAX_LINE
from poetry_lockguard.env.record import RecordEntry
from poetry_lockguard.env.record import RecordMissingError
from poetry_lockguard.env.record import read_record
from poetry_lockguard.env.safe_files import Locator
from poetry_lockguard.env.safe_files import _hash_file
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from collections.abc import Callable


def _record(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "RECORD"
    path.write_bytes(data)
    return path


def test_quoted_path_with_comma_and_blank_lines(tmp_path: Path) -> None:
    h = record_hash(b"x")
    own = f"{tmp_path.name}/RECORD"
    record = read_record(_record(tmp_path, f'"a,b.py",{h},1\n\n\r\nc.py,{h},\n{own},,\n'.encode()))
    assert [(e.path, e.size) for e in record.entries] == [("a,b.py", 1), ("c.py", None)]
    assert record.problems == ()
    assert record.skipped == 1


def test_rows_without_hash(tmp_path: Path) -> None:
    own = tmp_path.name
    rows = [
        f"{own}/RECORD,,",
        f"{own}/RECORD.jws,,",
        f"{own}/RECORD.p7s,,",
        "pkg/__pycache__/mod.cpython-311.pyc,,",
        "pkg/mod.cpython-311.pyc,,",
        "pkg/mod.py,,",
        "pkg/mod.pyc,,",
        "other-1.0.dist-info/RECORD,,",
        "pkg/__pycache__/x.py,,",
    ]
    record = read_record(_record(tmp_path, "\n".join(rows).encode()))
    assert record.skipped == 5
    assert record.unhashed == (
        (6, "pkg/mod.py"),
        (7, "pkg/mod.pyc"),
        (8, "other-1.0.dist-info/RECORD"),
        (9, "pkg/__pycache__/x.py"),
    )


def test_every_bad_row_is_a_problem_and_good_rows_survive(tmp_path: Path) -> None:
    h = record_hash(b"x")
    rows = [
        f"good.py,{h},1",
        f"/abs.py,{h},1",
        f"C:\\win.py,{h},1",
        "weak.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0",
        "sha1.py,sha1=2jmj7l5rSw0yVb_vlWAYkK_YBwk,0",
        "odd.py,rot13=abc,1",
        "short.py,sha256=AAAA,1",
        "nohash.py,sha256,1",
        f"size.py,{h},x",
        f"neg.py,{h},-1",
        "two,fields",
        f"good.py,{h},1",
        f"nul\x00.py,{h},1",
        f'"unterminated,{h},1',
        f'"a.py",b\rc.py,{h},1',  # a bare CR in an unquoted field: not CSV
        f",{h},1",
    ]
    record = read_record(_record(tmp_path, "\n".join(rows).encode() + b"\n\xff\xfe\n"))
    # An absolute POSIX path is a row (the Locator refuses it unless inside the env).
    assert [e.path for e in record.entries] == ["good.py", "/abs.py"]
    assert len(record.problems) == len(rows) - 1  # every bad row + the non-UTF-8 line
    assert all(p.line > 0 for p in record.problems)
    messages = [p.message for p in record.problems]
    assert (
        f"line {len(rows) - 1} is not valid CSV (new-line character seen in unquoted field"
        " - do you need to open the file in universal-newline mode?)" in messages
    )
    assert f"line {len(rows)} has an empty path" in messages


def test_a_long_path_is_shortened_in_messages(tmp_path: Path) -> None:
    path = "a" * 150 + "/" + "b" * 150 + ".py"
    record = read_record(_record(tmp_path, f"{path},{record_hash(b'x')},-1\n".encode()))
    [problem] = record.problems
    assert (
        problem.message
        == f"line 1: {'a' * 98 + '...' + 'b' * 95 + '.py'!r} has an invalid size '-1'"
    )


def test_rows_past_the_limit_are_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("poetry_lockguard.env.record.MAX_ROWS", 2)
    h = record_hash(b"x")
    record = read_record(_record(tmp_path, "".join(f"{n}.py,{h},1\n" for n in range(5)).encode()))
    assert [e.path for e in record.entries] == ["0.py", "1.py"]
    assert [p.message for p in record.problems] == [
        "RECORD has more than 2 rows; the rest is ignored"
    ]


def test_long_line_is_skipped_without_keeping_it(tmp_path: Path) -> None:
    h = record_hash(b"x")
    data = b"a" * (MAX_LINE * 40) + b"," + h.encode() + b",1\n" + f"ok.py,{h},1\n".encode()
    record = read_record(_record(tmp_path, data))
    assert [e.path for e in record.entries] == ["ok.py"]
    assert [p.line for p in record.problems] == [1]
    assert "longer than" in record.problems[0].message


def test_locator_refuses_and_verifies(tmp_path: Path) -> None:
    env = tmp_path / "env"
    site = env / "lib" / "python3.x" / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (env / "bin").mkdir()
    (site / "pkg" / "m.py").write_bytes(b"x")
    (env / "bin" / "tool").write_bytes(b"x")
    (site / "pkg" / "up").symlink_to(env / "bin")
    (site / "pkg" / "link.py").symlink_to(site / "pkg" / "m.py")
    (site / "pkg" / "dangling.py").symlink_to(site / "pkg" / "nothing.py")
    os.mkfifo(site / "pkg" / "fifo")
    (site / "pkg" / "dir").mkdir()
    locator = Locator([env])
    h = record_hash(b"x").partition("=")[2]

    def state(path: str, digest: str = h, size: int | None = 1) -> tuple[str, str]:
        s = locator.verify(str(site), RecordEntry(path, "sha256", digest, size, 1))
        return s.status, s.problem

    assert state("pkg/m.py") == ("ok", "")
    assert state("../../../bin/tool") == ("ok", "")
    assert state("pkg/up/tool") == ("ok", "")  # a symlink that stays inside is followed
    assert state("pkg/link.py") == ("ok", "")
    assert state("pkg/dangling.py") == ("missing", "")
    assert state("pkg/m.py", size=2)[0] == "modified"
    assert state("pkg/m.py", digest=record_hash(b"y").partition("=")[2])[0] == "modified"
    assert state("pkg/gone.py")[0] == "missing"
    assert state("pkg/m.py/x")[0] == "missing"
    assert state("../../../../x")[1] == "leaves the environment (not opened)"
    assert state("pkg/fifo")[1] == "is a FIFO, not a regular file (not opened)"
    assert state("pkg/dir")[1] == "is a directory, not a regular file (not opened)"
    assert state("pkg/")[0] == "invalid"
    assert state("pkg/" + "n" * 300) == ("invalid", "cannot be read (File name too long)")
    # A failure while hashing is raised, and not remembered: the next row hashes again.
    for _ in range(2):
        with pytest.raises(ValueError, match="unsupported hash type rot13"):
            locator.verify(str(site), RecordEntry("pkg/m.py", "rot13", h, 1, 1))


def test_hashing_refuses_a_swapped_file_and_reads_a_growing_one_to_its_end(
    tmp_path: Path,
) -> None:
    # _hash_file gets what lstat said before the file was opened.
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(b"x")
    second.write_bytes(b"x")
    assert _hash_file(str(first), "sha256", os.lstat(second)) == (
        "",
        0,
        "changed while it was being checked",
    )
    # A socket passes no regular-file test, but this one is hashed as if lstat had
    # called it a file: it cannot be opened.
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "socket"))
        st = os.lstat(tmp_path / "socket")
        assert _hash_file(str(tmp_path / "socket"), "sha256", st) == (
            "",
            0,
            "cannot be read (No such device or address)",
        )
    # /proc files say size 0 and have content: a file that grew after fstat.
    status = "/proc/self/cmdline"
    data = Path(status).read_bytes()
    assert data
    assert _hash_file(status, "sha256", os.lstat(status)) == (
        record_hash(data).partition("=")[2],
        len(data),
        "",
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (os.mkfifo, "RECORD is a FIFO, not a regular file"),
        (os.mkdir, "RECORD is a directory, not a regular file"),
        (lambda p: os.symlink("/dev/zero", p), "RECORD is a symlink, not a regular file"),
    ],
)
def test_a_record_that_is_not_a_regular_file_is_never_read(
    tmp_path: Path, make: Callable[[Path], None], problem: str
) -> None:
    make(tmp_path / "RECORD")
    record = read_record(tmp_path / "RECORD")
    assert (record.entries, [p.message for p in record.problems]) == ((), [problem])


def test_a_missing_record_is_an_error_of_its_own(tmp_path: Path) -> None:
    with pytest.raises(RecordMissingError):
        read_record(tmp_path / "RECORD")
