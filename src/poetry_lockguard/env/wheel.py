"""A wheel read from its zip directory without unpacking it.

What a check compares installed files with: the archive's own RECORD (checked against
the zip directory: every member listed, every listed file a member of that size), its
console-script entry points, and the scripts an installer rewrites. Nothing else is
decompressed, and what is decompressed is read with a bound, so a zip bomb costs
nothing. A wheel that cannot be read this way raises WheelError with the reason.
"""

from __future__ import annotations

import re
import zipfile

from dataclasses import dataclass
from typing import TYPE_CHECKING

from poetry_lockguard.env.record import parse_record
from poetry_lockguard.names import canonicalize_name


if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

    from poetry_lockguard.env.record import RecordEntry

#: The most members a wheel may have (the largest real wheels have tens of thousands).
MAX_MEMBERS = 500_000
#: The largest RECORD and entry_points.txt read from an archive.
MAX_METADATA = 32 * 1024 * 1024
#: The largest script read to compare it with its installed, rewritten copy.
MAX_SCRIPT = 16 * 1024 * 1024
#: The schemes a wheel's ``.data`` directory may install into (the wheel spec).
SCHEMES = frozenset({"purelib", "platlib", "scripts", "headers", "data"})
_SIGNATURES = ("RECORD", "RECORD.jws", "RECORD.p7s")
_ENTRY_POINT = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*([\w.]+)\s*(?::\s*([\w.]+))?\s*(\[.*\])?\s*$")


class WheelError(Exception):
    """The archive cannot be read as a wheel, or its RECORD and its members disagree."""


@dataclass(frozen=True)
class EntryPoint:
    """A console or GUI script: ``name = module:attr``."""

    name: str
    module: str
    attr: str


@dataclass(frozen=True)
class WheelContents:
    """What a wheel ships: its RECORD rows, entry points and rewritable scripts."""

    where: str
    dist_info: str
    data_dir: str
    entries: tuple[RecordEntry, ...]
    entry_points: tuple[EntryPoint, ...]
    #: ``.data/scripts/`` members whose first line an installer rewrites (``#!python``).
    scripts: dict[str, bytes]


def read_wheel(source: Path | BinaryIO, name: str, where: str) -> WheelContents:
    """Read the wheel in ``source`` (a path or an open file) of distribution ``name``
    (canonical); ``where`` names it in messages."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile, ValueError) as e:
        raise WheelError(f"not a readable zip archive ({e})") from e
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise WheelError(f"has more than {MAX_MEMBERS} members")
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            member = info.filename
            problem = _unsafe(member)
            if problem:
                raise WheelError(f"member {member!r} {problem}")
            if member in members:
                raise WheelError(f"lists member {member!r} twice")
            members[member] = info
        dist_info = _dist_info(members, name)
        data_dir = dist_info[: -len(".dist-info")] + ".data"
        record_bytes = _read(archive, members, f"{dist_info}/RECORD", MAX_METADATA)
        if record_bytes is None:
            raise WheelError(f"has no {dist_info}/RECORD")
        record = parse_record(record_bytes, dist_info)
        if record.problems:
            raise WheelError(f"RECORD {record.problems[0].message}")
        listed = {e.path for e in record.entries}
        for number, unhashed in record.unhashed:
            raise WheelError(f"RECORD line {number} lists {unhashed!r} without a hash")
        for entry in record.entries:
            info_or_none = members.get(entry.path)
            if info_or_none is None or info_or_none.is_dir():
                raise WheelError(f"RECORD lists {entry.path!r}, which the archive lacks")
            if entry.size is not None and entry.size != info_or_none.file_size:
                raise WheelError(
                    f"RECORD gives {entry.path!r} {entry.size} bytes, the zip directory"
                    f" {info_or_none.file_size}"
                )
            if entry.path.startswith(data_dir + "/"):
                scheme = entry.path[len(data_dir) + 1 :].split("/", 1)[0]
                if scheme not in SCHEMES:
                    raise WheelError(f"installs {entry.path!r} into unknown scheme {scheme!r}")
        for member, info in members.items():
            if info.is_dir() or member in listed:
                continue
            if member in {f"{dist_info}/{s}" for s in _SIGNATURES}:
                continue
            raise WheelError(f"member {member!r} is not listed in its RECORD")
        entry_points = _entry_points(archive, members, dist_info)
        scripts: dict[str, bytes] = {}
        for entry in record.entries:
            if entry.path.startswith(f"{data_dir}/scripts/"):
                head = archive.open(members[entry.path]).read(8)
                if head.startswith(b"#!python"):
                    data = _read(archive, members, entry.path, MAX_SCRIPT)
                    assert data is not None
                    scripts[entry.path] = data
    return WheelContents(
        where=where,
        dist_info=dist_info,
        data_dir=data_dir,
        entries=record.entries,
        entry_points=entry_points,
        scripts=scripts,
    )


def _unsafe(member: str) -> str:
    if not member or "\x00" in member or "\\" in member:
        return "is not a portable path"
    if member.startswith("/") or re.match(r"^[A-Za-z]:", member):
        return "is an absolute path"
    if ".." in member.split("/"):
        return "climbs out of the archive (..)"
    return ""


def _dist_info(members: dict[str, zipfile.ZipInfo], name: str) -> str:
    tops = {m.split("/", 1)[0] for m in members if "/" in m}
    found = sorted(t for t in tops if t.endswith(".dist-info"))
    ours = [
        t
        for t in found
        if str(canonicalize_name(t[: -len(".dist-info")].rpartition("-")[0])) == name
    ]
    if len(ours) != 1:
        raise WheelError(
            f"has {len(ours)} .dist-info directories for {name} (found: {', '.join(found) or 'none'})"
        )
    return ours[0]


def _read(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], member: str, limit: int
) -> bytes | None:
    info = members.get(member)
    if info is None:
        return None
    if info.file_size > limit:
        raise WheelError(f"{member} is larger than {limit} bytes")
    try:
        with archive.open(info) as f:
            data = f.read(limit + 1)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as e:
        raise WheelError(f"{member} cannot be read ({e})") from e
    if len(data) > limit:
        raise WheelError(f"{member} is larger than {limit} bytes")
    return data


def _entry_points(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], dist_info: str
) -> tuple[EntryPoint, ...]:
    data = _read(archive, members, f"{dist_info}/entry_points.txt", MAX_METADATA)
    if data is None:
        return ()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise WheelError("entry_points.txt is not valid UTF-8") from e
    points: list[EntryPoint] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        if section not in ("console_scripts", "gui_scripts"):
            continue
        match = _ENTRY_POINT.match(line)
        if match is None or not match.group(3):
            raise WheelError(f"entry_points.txt: {stripped!r} is not `name = module:attr`")
        name = match.group(1)
        if any(c in name for c in "/\\\0") or name.startswith(".") or not name.isprintable():
            # An installer writes ``scripts/<name>``: a name that is a path is not one.
            raise WheelError(f"entry_points.txt: the script name {name!r} is not a file name")
        points.append(EntryPoint(name, match.group(2), match.group(3)))
    return tuple(points)
