"""A locked archive read as a wheel: what a sound wheel ships, and every way a wheel
whose sha256 matches the lock can still be unsound (archive-invalid)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import pytest

from poetry_lockguard.env.wheel import WheelError
from poetry_lockguard.env.wheel import read_wheel


def _row(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


DI = "demo-1.0.dist-info"
ENTRY_POINTS = b"[console_scripts]\ndemo = demo.cli:main\n\n[other]\nx = y:z\n"
SCRIPT = b"#!python\nprint('tool')\n"


def wheel(
    files: dict[str, bytes] | None = None,
    *,
    record: str | None = None,
    extra: dict[str, bytes] | None = None,
) -> io.BytesIO:
    """A wheel of ``files`` (default: a sound one) with a RECORD listing them, unless
    ``record`` is given; ``extra`` members are not listed."""
    files = (
        files
        if files is not None
        else {
            "demo/__init__.py": b"x = 1\n",
            f"{DI}/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n",
            f"{DI}/WHEEL": b"Wheel-Version: 1.0\nTag: py3-none-any\n",
            f"{DI}/entry_points.txt": ENTRY_POINTS,
            "demo-1.0.data/scripts/demo-tool": SCRIPT,
        }
    )
    rows = [_row(n, d) for n, d in files.items()] + [f"{DI}/RECORD,,"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in {**files, **(extra or {})}.items():
            archive.writestr(name, data)
        archive.writestr(f"{DI}/RECORD", record if record is not None else "\n".join(rows))
    buffer.seek(0)
    return buffer


def test_a_sound_wheel_gives_its_rows_entry_points_and_scripts() -> None:
    contents = read_wheel(wheel(), "demo", "the cache")
    assert contents.dist_info == DI and contents.data_dir == "demo-1.0.data"
    assert {e.path for e in contents.entries} >= {"demo/__init__.py", f"{DI}/METADATA"}
    assert [(p.name, p.module, p.attr) for p in contents.entry_points] == [
        ("demo", "demo.cli", "main")
    ]
    assert contents.scripts == {"demo-1.0.data/scripts/demo-tool": SCRIPT}


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


META = f"{DI}/METADATA"
BASE = {META: b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n"}


@pytest.mark.parametrize(
    ("archive", "problem"),
    [
        (io.BytesIO(b"not a zip"), "not a readable zip archive"),
        (wheel({**BASE, "../evil.py": b""}), "climbs out of the archive"),
        (wheel({**BASE, "/etc/evil": b""}), "is an absolute path"),
        (wheel({**BASE, "a\\b.py": b""}), "is not a portable path"),
        (_zip({"demo/x.py": b""}), "has 0 .dist-info directories for demo"),
        (_zip(BASE), "has no demo-1.0.dist-info/RECORD"),
        (wheel(BASE, record=f"{META},sha256=!!,1"), "RECORD "),
        (wheel(BASE, record=f"{META},,"), "without a hash"),
        (wheel(BASE, record=_row("demo/gone.py", b"x")), "which the archive lacks"),
        (
            wheel(BASE, record=_row(META, b"12345")),
            "the zip directory",
        ),
        (
            wheel({**BASE, "demo-1.0.data/elsewhere/x": b"x"}),
            "into unknown scheme 'elsewhere'",
        ),
        (wheel(BASE, extra={"demo/unlisted.py": b"x"}), "is not listed in its RECORD"),
        (
            wheel({**BASE, f"{DI}/entry_points.txt": b"[console_scripts]\nbroken\n"}),
            "is not `name = module:attr`",
        ),
        (
            wheel({**BASE, f"{DI}/entry_points.txt": b"\xff\xfe"}),
            "entry_points.txt is not valid UTF-8",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_an_unsound_wheel_is_one_error_naming_the_problem(
    archive: io.BytesIO, problem: str
) -> None:
    with pytest.raises(WheelError) as error:
        read_wheel(archive, "demo", "the cache")
    assert problem in str(error.value)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_member_listed_twice_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(META, BASE[META])
        archive.writestr(META, BASE[META])
    buffer.seek(0)
    with pytest.raises(WheelError, match="twice"):
        read_wheel(buffer, "demo", "the cache")
