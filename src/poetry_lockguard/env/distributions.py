"""Installed distributions, read straight from ``*.dist-info`` and ``*.egg-info``.

Everything here treats the environment as hostile. METADATA is read as the core
metadata spec says (an email header: lines end with ``\\n`` or ``\\r\\n`` only, a line
starting with whitespace continues the previous header, the first blank or
non-header line ends the header), not with ``str.splitlines()``, which also breaks
lines on form feeds, ``\\x1c`` and ``\\u2028`` and so would read another name than
Python's own ``importlib.metadata`` does. Anything two readers could read differently
(a bare carriage return that changes the answer, a second ``Name``, a directory name
that disagrees with ``Name``/``Version``) is reported, never silently resolved. Only
regular files are opened, and a metadata file that is a symlink out of its directory
is not followed.
"""

from __future__ import annotations

import os
import re

from pathlib import Path

from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular
from poetry_lockguard.versions import same_version


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any
    from typing import Final

    from poetry_lockguard.findings import Code

#: Header bytes read from METADATA: Name and Version come first in practice.
_HEADER_LIMIT = 64 * 1024

#: The largest direct_url.json / provenance_url.json read.
_JSON_LIMIT = 1024 * 1024

#: A header field name: printable ASCII without the colon (as Python's email parser).
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")

#: Line breaks as Python's email parser (and so importlib.metadata) splits them.
_EMAIL_LINE_BREAK = r"\r\n|\r|\n"  # compiled when first used (re caches it)


class Distribution:
    """One installed distribution; ``problem`` says why it cannot be trusted.

    ``problem_code`` is the finding code for the problem: ``invalid-distribution``
    (unreadable metadata) or ``metadata-mismatch`` (the directory name and METADATA
    name different packages or versions).
    """

    __slots__ = ("display_name", "name", "origin", "path", "problem", "problem_code", "version")

    name: Final[str]
    version: Final[str]
    path: Final[Path]
    display_name: Final[str]
    problem: Final[str]
    problem_code: Final[Code]
    #: Where it lives when outside the environment ("the user site", "the base
    #: interpreter's site-packages"); "" for the environment's own site directories.
    origin: Final[str]

    def __init__(
        self,
        name: str,
        version: str,
        path: Path,
        display_name: str = "",
        problem: str = "",
        problem_code: Code = "invalid-distribution",
        origin: str = "",
    ) -> None:
        self.name = name
        self.version = version
        self.path = path
        self.display_name = display_name
        self.problem = problem
        self.problem_code = problem_code
        self.origin = origin

    @property
    def location(self) -> str:
        """`` (in the user site /path)`` for a distribution outside the environment,
        "" for one inside it: what findings about it append to their message."""
        return f" (in {self.origin} {self.path.parent})" if self.origin else ""

    @property
    def is_egg_info(self) -> bool:
        """True for a setuptools ``.egg-info`` (which has no RECORD), in any case."""
        return self.path.name.lower().endswith(".egg-info")

    @property
    def is_dist_info(self) -> bool:
        """True for a wheel's ``.dist-info``, in any case (``.DIST-INFO`` is one too:
        importlib.metadata and pip match the suffix case-insensitively)."""
        return self.path.name.lower().endswith(".dist-info")

    def provenance(self) -> dict[str, Any] | None:
        """The parsed ``provenance_url.json`` receipt (PEP 710), None when absent."""
        return self.read_json("provenance_url.json")[0]

    def installer(self) -> str:
        """The first line of the dist-info's ``INSTALLER`` (``pip``, ``Poetry 2.1.0``,
        ``uv``), "" when absent or unreadable."""
        if not self.is_dist_info:
            return ""
        try:
            data = read_regular(str(self.path / "INSTALLER"), 256, within=str(self.path))
        except (OSError, UnsafeFileError):
            return ""
        return data.decode("utf-8", "replace").partition("\n")[0].strip()

    def read_json(self, name: str) -> tuple[dict[str, Any] | None, str]:
        """(the parsed JSON object ``name`` of this dist-info, a problem or "").

        Absent is (None, ""); a file that is not a regular file, a symlink out of the
        dist-info, unreadable or not a JSON object is (None, why).
        """
        if not self.is_dist_info:
            return None, ""
        try:
            data = read_regular(str(self.path / name), _JSON_LIMIT, within=str(self.path))
        except (FileNotFoundError, NotADirectoryError):
            return None, ""
        except UnsafeFileError as e:
            return None, f"{name} {e}"
        except OSError as e:
            return None, f"{name} cannot be read ({e.strerror})"
        import json  # only when a dist-info has one: most have none

        try:
            parsed = json.loads(data)
        except ValueError:
            return None, f"{name} is not valid JSON"
        if not isinstance(parsed, dict):
            return None, f"{name} is not a JSON object"
        return parsed, ""

    def _fields(self) -> tuple[object, ...]:
        return (
            self.name,
            self.version,
            self.path,
            self.display_name,
            self.problem,
            self.problem_code,
            self.origin,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Distribution(name={self.name!r}, version={self.version!r}, "
            f"path={self.path!r}, display_name={self.display_name!r}, "
            f"problem={self.problem!r}, problem_code={self.problem_code!r}, "
            f"origin={self.origin!r})"
        )


def scan_distributions(
    site_dirs: tuple[Path, ...], origins: Mapping[Path, str] | None = None
) -> list[Distribution]:
    """Every distribution in ``site_dirs``, in directory order then by name.

    A directory entry is a distribution when its name ends in ``.dist-info`` or
    ``.egg-info`` in any case, as importlib.metadata (every CPython from 3.9) and pip
    match it on every platform: ``Alpha-1.0.DIST-INFO`` is imported, so it is checked.

    A broken one comes back with a ``problem``. The order is deterministic (sorted
    within each directory, directories in the order given, which is ``sys.path``'s),
    so that duplicates are always reported the same way, and the first of a name is
    the one Python imports. ``origins`` names the directories outside the environment
    (see ``Interpreter.origins``); their distributions carry it as ``origin``.
    """
    found: list[Distribution] = []
    for site in site_dirs:
        start = len(found)
        try:
            entries = os.scandir(site)
        except OSError:
            continue
        with entries:
            names = sorted(
                (entry.name, entry.path)
                for entry in entries
                if entry.name.lower().endswith((".dist-info", ".egg-info"))
            )
        for name, path in names:
            if name.lower().endswith(".dist-info"):
                found.append(_read_dist(Path(path), "METADATA"))
            elif os.path.isdir(path):
                found.append(_read_dist(Path(path), "PKG-INFO"))
            elif os.path.isfile(path):
                # A distutils install: the .egg-info file is the metadata itself.
                found.append(_read_dist(Path(path), ""))
        origin = (origins or {}).get(site, "")
        if origin:
            found[start:] = [
                Distribution(
                    d.name, d.version, d.path, d.display_name, d.problem, d.problem_code, origin
                )
                for d in found[start:]
            ]
    return found


def requirement_names(dist: Distribution) -> set[str]:
    """The names ``dist``'s METADATA requires (``Requires-Dist``, every marker taken as
    possibly true); empty where METADATA cannot be read."""
    try:
        text = read_regular(str(dist.path / "METADATA"), _HEADER_LIMIT, within=str(dist.path))
    except (OSError, UnsafeFileError):
        return set()
    names = set()
    for line in text.decode("utf-8", "replace").splitlines():
        if not line.strip():
            break  # the body (the description) starts after the first blank line
        field, _, value = line.partition(":")
        if field.strip().lower() == "requires-dist":
            name = ""
            for char in value.strip():
                if not (char.isalnum() or char in "-_."):
                    break
                name += char
            if name:
                names.add(str(canonicalize_name(name)))
    return names


def entry_point_groups(dist: Distribution) -> set[str]:
    """The entry-point groups ``dist`` declares (``entry_points.txt``)."""
    try:
        text = read_regular(
            str(dist.path / "entry_points.txt"), _HEADER_LIMIT, within=str(dist.path)
        )
    except (OSError, UnsafeFileError):
        return set()
    return {
        line.strip()[1:-1].strip()
        for line in text.decode("utf-8", "replace").splitlines()
        if line.strip().startswith("[") and line.strip().endswith("]")
    }


def _read_dist(path: Path, metadata_name: str) -> Distribution:
    stem = path.name.rsplit(".", 1)[0]
    dir_name, _, dir_version = stem.partition("-")
    dir_version = dir_version.split("-")[0]
    fallback = Distribution(
        name=str(canonicalize_name(dir_name)),
        version=dir_version,
        path=path,
        display_name=dir_name,
    )
    shown = metadata_name or path.name
    metadata = str(path / metadata_name) if metadata_name else str(path)
    within = str(path) if metadata_name else str(path.parent)
    try:
        head = read_regular(metadata, _HEADER_LIMIT, within=within)
    except FileNotFoundError:
        return _broken(fallback, f"{shown} is missing")
    except NotADirectoryError:
        return _broken(fallback, "is not a directory")
    except UnsafeFileError as e:
        return _broken(fallback, f"{shown} {e}")
    except OSError as e:
        return _broken(fallback, f"{shown} cannot be read ({e.strerror})")
    truncated = len(head) >= _HEADER_LIMIT
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if not truncated or e.start < len(head) - 4:
            return _broken(fallback, f"{shown} is not valid UTF-8")
        text = head[: e.start].decode("utf-8")
    fields, problem = read_metadata_header(text, truncated=truncated)
    if problem:
        return _broken(fallback, f"{shown} {problem}")
    name, version = fields
    dist = Distribution(
        name=str(canonicalize_name(name)), version=version, path=path, display_name=name
    )
    mismatch = _directory_mismatch(stem, name, version)
    if mismatch:
        return _broken(dist, mismatch, "metadata-mismatch")
    return dist


def read_metadata_header(text: str, *, truncated: bool = False) -> tuple[tuple[str, str], str]:
    """((Name, Version), "") from a core metadata header, or (("", ""), the problem).

    Lines end with ``\\n`` (or ``\\r\\n``) only. A header that Python's email parser
    (which also breaks lines on a bare ``\\r``) reads with another Name or Version is
    a problem, as is a second Name or Version, or a missing one.
    """
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if truncated:
        lines.pop()  # the last line may be cut
    fields, problem = _header_fields(lines, truncated=truncated)
    if problem:
        return ("", ""), problem
    if "\r" in text:
        other, other_problem = _header_fields(
            re.split(_EMAIL_LINE_BREAK, text)[:-1]
            if truncated
            else re.split(_EMAIL_LINE_BREAK, text),
            truncated=truncated,
        )
        if other != fields or other_problem:
            return ("", ""), (
                "has a bare carriage return that makes readers disagree on its Name or Version"
            )
    return fields, ""


def _header_fields(lines: list[str], *, truncated: bool) -> tuple[tuple[str, str], str]:
    values: dict[str, list[str]] = {"name": [], "version": []}
    current: list[str] | None = None
    complete = False
    for line in lines:
        if not line:
            complete = True
            break
        if line[0] in " \t":
            # A continuation: unfolded into the previous header's value.
            if current is not None:
                current[-1] += line
            continue
        key, sep, value = line.partition(":")
        if not sep or not _FIELD_NAME.fullmatch(key):
            complete = True  # the email parser ends the header here
            break
        key = key.lower()
        if key in values:
            values[key].append(value)
            current = values[key]
        else:
            current = None
    for key, label in (("name", "Name"), ("version", "Version")):
        if len(values[key]) > 1:
            return ("", ""), f"has {len(values[key])} {label} headers"
    if truncated and not complete and current is not None:
        return ("", ""), f"has a header longer than {_HEADER_LIMIT} bytes"
    name = values["name"][0].strip() if values["name"] else ""
    version = values["version"][0].strip() if values["version"] else ""
    if not name or not version:
        return ("", ""), "has no Name or Version"
    return (name, version), ""


def _directory_mismatch(stem: str, name: str, version: str) -> str:
    """Why the directory name ``stem`` names another package or version, or ""."""
    wanted = canonicalize_name(name)
    rest: str | None = None
    if canonicalize_name(stem) == wanted:
        rest = ""
    else:
        # ``name-version`` (dist-info) or ``name-version-pyX.Y`` (egg-info); old
        # installers did not escape a "-" in the name, so try every split.
        for i, char in enumerate(stem):
            if char == "-" and canonicalize_name(stem[:i]) == wanted:
                rest = stem[i + 1 :]
                break
    shown = f"{name} {version}"
    if rest is None:
        return f"the directory name says {stem!r}, METADATA says {shown}"
    dir_version = rest.split("-")[0]
    if dir_version and not same_version(dir_version.replace("_", "-"), version):
        return f"the directory name says version {dir_version!r}, METADATA says {shown}"
    return ""


def _broken(dist: Distribution, problem: str, code: Code = "invalid-distribution") -> Distribution:
    return Distribution(
        dist.name, dist.version, dist.path, dist.display_name, problem, code, dist.origin
    )
