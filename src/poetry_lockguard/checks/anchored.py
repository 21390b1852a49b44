"""Anchored integrity: installed files traced to the archive poetry.lock pins.

For a locked package installed from a wheel, the wheel is found (env/archives.py), its
sha256 checked against poetry.lock and its own RECORD read (env/wheel.py). The files it
ships are then verified against that RECORD, not against the RECORD beside the
installed files, which whoever wrote the environment also wrote. What an installer
writes itself is checked against what the install rules say it writes: scripts whose
``#!python`` line is rewritten to name the environment's interpreter, console-script
wrappers that only import and call the archive's entry point, and the installer's own
metadata files. A file the installed RECORD lists beyond that is
``file-not-in-archive``. Where no archive is found, the check falls back to the
installed RECORD and says so: ``unanchored``.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import os
import re

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard.env.archives import ArchiveDir
from poetry_lockguard.env.archives import ArchiveSources
from poetry_lockguard.env.archives import open_hashed
from poetry_lockguard.env.archives import open_verified
from poetry_lockguard.env.bytecode import cached_source
from poetry_lockguard.env.record import RecordEntry
from poetry_lockguard.env.wheel import EntryPoint
from poetry_lockguard.env.wheel import WheelContents
from poetry_lockguard.env.wheel import WheelError
from poetry_lockguard.env.wheel import read_wheel
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import BinaryIO

    from poetry_lockguard.config import Policy
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedFile
    from poetry_lockguard.lock.model import LockedPackage

#: Files an installer writes into the dist-info itself (pip, uv, Poetry; the receipt).
INSTALLER_FILES = frozenset(
    {
        "INSTALLER",
        "REQUESTED",
        "RECORD",
        "direct_url.json",
        "provenance_url.json",
        "uv_cache.json",
    }
)
#: The largest installed script or wrapper read to compare it.
_MAX_SCRIPT = 16 * 1024 * 1024
_WRAPPER_LIMIT = 64 * 1024
#: A PEP 263 coding cookie naming anything but UTF-8.
_CODING = re.compile(
    rb"^[ \t\f]*#.*?coding[:=][ \t]*(?!utf-?8\b)[-\w.]+", re.IGNORECASE | re.MULTILINE
)
_PYTHON_NAME = re.compile(r"python(?:[0-9]+(?:\.[0-9]+)*)?w?(?:\.exe)?")
#: ``#!/bin/sh`` + ``'''exec' "PYTHON" "$0" "$@"`` + `` ' '''``: the form installers
#: use when the interpreter's path is too long or has spaces for a ``#!`` line.
_SH_TRAMPOLINE = re.compile(
    rb"#!/bin/sh\n'''exec' (?P<q>[\"'])(?P<python>[^\"'\r\n]+)(?P=q) \"\$0\" \"\$@\"\r?\n"
    rb"' '''\r?\n"
)


@dataclass(frozen=True)
class Anchor:
    """The locked archive an installed distribution is verified against."""

    wheel: WheelContents
    file_name: str
    label: str
    #: The archive's sha256 (hex), the one poetry.lock lists for it.
    sha256: str = ""
    #: A seed wheel of the interpreter or the venv tool (the lock does not pin it).
    seed: bool = False


@dataclass(frozen=True)
class AnchoredFiles:
    """What one anchored distribution must hold.

    ``entries`` are the archive's RECORD rows with paths relative to the site
    directory (as an installed RECORD writes them), ready to hash; ``findings`` what
    was found while building them (scripts and wrappers are verified on the way).
    """

    entries: tuple[RecordEntry, ...]
    findings: tuple[Finding, ...]


def archive_sources(
    project_dir: Path,
    cache_dir: Path | None,
    wheelhouses: tuple[Path, ...],
    policy: Policy,
    seed_dirs: list[tuple[str, str]] | None = None,
) -> ArchiveSources:
    """Poetry's artifact cache, then the wheelhouses given, then the configured ones,
    then the interpreter's seed wheels (``seed_dirs``; a locked pip or setuptools the
    venv was seeded with is found there). Raises LockguardError for a wheelhouse that
    is not a directory: a typo would otherwise leave every package unanchored without
    a word about why."""
    from poetry_lockguard.errors import LockguardError

    dirs: list[ArchiveDir] = []
    if cache_dir is not None:
        dirs.append(ArchiveDir(cache_dir / "artifacts", "Poetry's artifact cache", True))
    named = [(path, f"--wheelhouse {path}") for path in wheelhouses] + [
        (project_dir / p, f"pyproject.toml: [tool.lockguard] wheelhouse {p!r}")
        for p in policy.wheelhouse
    ]
    for path, where in named:
        if not path.is_dir():
            raise LockguardError(f"{where}: {path} is not a directory")
        dirs.append(ArchiveDir(path, f"the wheelhouse {path}", False))
    for directory, label in seed_dirs or ():
        dirs.append(ArchiveDir(Path(directory), f"{label} ({directory})", False, seed=True))
    return ArchiveSources(dirs)


def find_seed_anchor(
    dist: Distribution, sources: ArchiveSources, tags: tuple[str, ...]
) -> Anchor | Finding | None:
    """The seed wheel ``dist`` (a package poetry.lock does not lock at its version) was
    installed from, when the interpreter or the venv tool ships one of its name and
    version: the wheel is trusted for where it is (the standard library, the venv
    tool), not for a hash in the lock. None when there is none; ``archive-invalid``
    when the one there cannot be read."""
    from poetry_lockguard.versions import same_version

    label = f"{dist.display_name or dist.name} {dist.version}".strip()
    found: list[tuple[int, str, str, str]] = []
    rank = {tag: i for i, tag in enumerate(tags)}
    for directory in sources.directories:
        if not directory.seed:
            continue
        try:
            names = sorted(os.listdir(directory.path))
        except OSError:
            continue
        for name in names:
            parts = name[: -len(".whl")].split("-") if name.endswith(".whl") else []
            if len(parts) < 5 or canonicalize_name(parts[0]) != dist.name:
                continue
            if not same_version(parts[1], dist.version):
                continue
            best = min((rank[t] for t in _wheel_tags(name) if t in rank), default=None)
            if tags and best is None:
                continue
            found.append((best or 0, name, str(directory.path / name), directory.label))
    for _, name, path, where in sorted(found, key=lambda f: (f[0], f[1])):
        hashed = open_hashed(path)
        if hashed is None:
            continue
        opened, digest = hashed
        wheel = _read_archive(opened, dist.name, path, f"{label}: the seed wheel {name} ({where})")
        if not isinstance(wheel, WheelContents):
            return wheel
        return Anchor(wheel, name, where, digest, seed=True)
    return None


def find_anchor(
    dist: Distribution,
    package: LockedPackage,
    sources: ArchiveSources,
    tags: tuple[str, ...],
    policy: Policy,
) -> Anchor | Finding | None:
    """The locked archive to verify ``dist`` against, or why there is none: an
    ``unanchored`` finding (a warning, an error with ``require-anchored``), or
    ``archive-invalid`` when the locked archive itself cannot be read; None when no
    locked wheel fits the environment (it was built from the sdist: nothing but its
    build's RECORD can say which files it installed)."""
    label = f"{dist.display_name or dist.name} {dist.version}".strip()

    def unanchored(why: str) -> Finding:
        return finding(
            "unanchored",
            dist.name,
            f"{label}: verified against its installed RECORD only: {why}",
            path=str(dist.path),
            severity=Severity.ERROR if policy.require_anchored else None,
        )

    wheels = [f for f in package.files if f.name.endswith(".whl") and f.algorithm == "sha256"]
    ranked = _compatible(wheels, tags)
    if not ranked:
        # Built from its sdist: the receipt anchors the sdist (`source-built`), and the
        # files are what that build wrote, verified against the RECORD it wrote.
        return None
    installed_wheel = _file_digest(dist.path / "WHEEL")
    fallback: Anchor | None = None
    wrong: list[str] = []
    for locked in ranked:
        for path, where in sources.candidates(locked.name):
            opened = open_verified(path, locked.digest)
            if opened is None:
                wrong.append(path)
                continue
            wheel = _read_archive(
                opened, dist.name, path, f"{label}: the locked archive {locked.name} ({where})"
            )
            if not isinstance(wheel, WheelContents):
                return wheel
            anchor = Anchor(wheel, locked.name, where, locked.digest)
            listed = next((e for e in wheel.entries if e.path == f"{wheel.dist_info}/WHEEL"), None)
            if listed is not None and listed.digest == installed_wheel:
                return anchor
            fallback = fallback or anchor
            break
    if fallback is not None:
        return fallback
    labels = [d.label for d in sources.directories if not d.seed]
    if any(d.seed for d in sources.directories):
        labels.append("the interpreter's seed wheels")
    where = ", ".join(labels) or "no archive directory"
    why = f"none of the {len(ranked)} locked wheel(s) it could be installed from is in {where}"
    if wrong:
        why += f" ({wrong[0]} has another sha256 than poetry.lock)"
    if dist.name in sources.problems:
        why += f"; {sources.problems[dist.name]}"
    return unanchored(why)


def _read_archive(opened: BinaryIO, name: str, path: str, what: str) -> WheelContents | Finding:
    """The wheel read from ``opened`` (closed after), or ``archive-invalid`` saying why
    ``what`` cannot be read."""
    with opened:
        try:
            return read_wheel(opened, name, path)
        except WheelError as e:
            return finding("archive-invalid", name, f"{what} {e}", path=path)


def missing_archives(
    installed: list[Distribution],
    required: Mapping[str, LockedPackage],
    sources: ArchiveSources,
    tags: tuple[str, ...],
) -> list[tuple[LockedPackage, LockedFile]]:
    """The locked wheel to fetch for each installed package that poetry.lock pins at its
    installed version and none of whose locked wheels for this interpreter is in
    ``sources`` with its locked sha256: the one an installer would choose (best tag)."""
    from poetry_lockguard.versions import same_version

    wanted: dict[str, tuple[LockedPackage, LockedFile]] = {}
    for dist in installed:
        package = required.get(dist.name)
        if (
            package is None
            or dist.name in wanted
            or not same_version(package.version, dist.version)
        ):
            continue
        if package.source.type not in ("", "legacy", "url"):
            continue
        wheels = [f for f in package.files if f.name.endswith(".whl") and f.algorithm == "sha256"]
        ranked = _compatible(wheels, tags)
        if ranked and not any(_held(sources, locked) for locked in ranked):
            wanted[dist.name] = (package, ranked[0])
    return [wanted[name] for name in sorted(wanted)]


def _held(sources: ArchiveSources, locked: LockedFile) -> bool:
    for path, _ in sources.candidates(locked.name):
        opened = open_verified(path, locked.digest)
        if opened is not None:
            opened.close()
            return True
    return False


def anchored_files(
    dist: Distribution,
    anchor: Anchor,
    interpreter: Interpreter,
    site_dir: str,
    installed_rows: tuple[str, ...],
    installed_entries: tuple[RecordEntry, ...] = (),
) -> AnchoredFiles:
    """The archive's files as ``dist`` must hold them, and the findings of the files an
    installer writes itself; ``installed_rows`` are the paths of the installed RECORD,
    ``installed_entries`` its hashed rows (each compared with the archive's own row)."""
    wheel = anchor.wheel
    label = f"{dist.display_name or dist.name} {dist.version}".strip()
    scripts_dir = str(interpreter.scripts)
    entries: list[RecordEntry] = []
    findings: list[Finding] = []
    expected: set[str] = set()
    shipped: dict[str, RecordEntry] = {}
    sources: set[str] = set()
    for entry in wheel.entries:
        member = entry.path
        if member == f"{wheel.dist_info}/RECORD":
            continue
        target = _member_target(member, wheel, dist.name, interpreter, site_dir, installed_rows)
        expected.add(target)
        if target.endswith(".py"):
            sources.add(target)
        if member in wheel.scripts:
            problem = _rewritten_script(target, wheel.scripts[member], interpreter)
            if problem:
                findings.append(_modified(dist.name, label, target, anchor, problem))
            continue
        relative = relative_path(target, site_dir)
        entries.append(RecordEntry(relative, entry.algorithm, entry.digest, entry.size, entry.line))
        shipped[target] = entry
    for listed in installed_entries:
        locked = shipped.get(os.path.normpath(os.path.join(site_dir, listed.path)))
        if locked is None or (
            (listed.algorithm, listed.digest) == (locked.algorithm, locked.digest)
            and listed.size in (None, locked.size)
        ):
            continue
        findings.append(
            finding(
                "record-invalid",
                dist.name,
                f"{label}: RECORD line {listed.line}: the row of {listed.path} is not the locked"
                f" archive's ({anchor.file_name}, {anchor.label}: {locked.algorithm}="
                f"{locked.digest}, {locked.size} bytes)",
                expected=f"{locked.algorithm}={locked.digest} size={locked.size}",
                found=f"{listed.algorithm}={listed.digest} size={listed.size}",
                path=os.path.join(site_dir, listed.path),
            )
        )
    rows = {os.path.normpath(os.path.join(site_dir, row)) for row in installed_rows}
    for point, required in _wrappers(dist.name, wheel.entry_points, interpreter):
        target = os.path.normpath(os.path.join(scripts_dir, point.name))
        expected.add(target)
        if not required and target not in rows and not os.path.lexists(target):
            continue
        problem = _wrapper_problem(target, point, interpreter)
        if problem:
            findings.append(_modified(dist.name, label, target, anchor, problem))
    dist_info = os.path.join(site_dir, wheel.dist_info)
    # virtualenv's seeder marks what it installed with ``<name>-<version>.virtualenv``.
    marker = os.path.join(site_dir, wheel.dist_info[: -len(".dist-info")] + ".virtualenv")
    for row in installed_rows:
        target = os.path.normpath(os.path.join(site_dir, row))
        if target in expected or target == marker:
            continue
        if os.path.dirname(target) == dist_info and os.path.basename(target) in INSTALLER_FILES:
            continue
        if _is_bytecode_of(target, sources) or _is_cache_dir(target):
            continue
        findings.append(
            finding(
                "file-not-in-archive",
                dist.name,
                f"{label}: {row} is listed in the installed RECORD, but the locked archive"
                f" {anchor.file_name} ({anchor.label}) does not ship it",
                path=target,
            )
        )
    return AnchoredFiles(tuple(entries), tuple(findings))


def _member_target(
    member: str,
    wheel: WheelContents,
    name: str,
    interpreter: Interpreter,
    site_dir: str,
    installed_rows: tuple[str, ...],
) -> str:
    """Where installing ``wheel`` puts ``member``: its ``.data/`` schemes (scripts, data,
    headers where the installed RECORD says) or the site directory."""
    data = wheel.data_dir + "/"
    if not member.startswith(data):
        return os.path.normpath(os.path.join(site_dir, member))
    prefix = str(interpreter.prefix)
    scheme, _, rest = member[len(data) :].partition("/")
    base = {"scripts": str(interpreter.scripts), "data": prefix}.get(scheme, site_dir)
    if scheme == "headers":
        include = os.path.join(prefix, "include", "site", _python_dir(interpreter))
        base = os.path.join(include, name)
        rest = _installed_header(installed_rows, site_dir, include, name, rest) or rest
    return os.path.normpath(os.path.join(base, rest))


def archive_paths(
    dist: Distribution,
    anchor: Anchor,
    interpreter: Interpreter,
    site_dir: str,
    installed_rows: tuple[str, ...] = (),
) -> set[str]:
    """Every absolute path installing ``anchor``'s archive writes for ``dist``: its
    members where the install scheme puts them (its scripts included) and the
    console-script wrappers of its entry points (pip's versioned names too); their
    byte-code and the metadata directory are the caller's."""
    wheel = anchor.wheel
    scripts_dir = str(interpreter.scripts)
    paths = {
        _member_target(e.path, wheel, dist.name, interpreter, site_dir, installed_rows)
        for e in wheel.entries
    }
    for point, _ in _wrappers(dist.name, wheel.entry_points, interpreter):
        paths.add(os.path.normpath(os.path.join(scripts_dir, point.name)))
    return paths


def relative_path(path: str, base: str) -> str:
    """``os.path.relpath(path, base)`` for normalized absolute paths, by slicing where
    ``path`` lies under ``base`` (the common case, tens of thousands of times a check)."""
    if path.startswith(base) and path[len(base) : len(base) + 1] == os.sep:
        return path[len(base) + 1 :]
    return os.path.relpath(path, base)


def _modified(name: str, label: str, path: str, anchor: Anchor, problem: str) -> Finding:
    if problem == _NOT_INSTALLED:
        return finding(
            "file-missing",
            name,
            f"{label}: {path} ships in the locked archive ({anchor.file_name}, {anchor.label})"
            " but is not installed",
            path=path,
        )
    return finding(
        "file-modified",
        name,
        f"{label}: {path} {problem} (locked archive {anchor.file_name}, {anchor.label})",
        path=path,
    )


def _compatible(wheels: list[LockedFile], tags: tuple[str, ...]) -> list[LockedFile]:
    """The wheels ``tags`` admit, best first (all of them when tags are unknown)."""
    if not tags:
        return list(wheels)
    rank = {tag: i for i, tag in enumerate(tags)}
    scored = []
    for wheel in wheels:
        best = min((rank[t] for t in _wheel_tags(wheel.name) if t in rank), default=None)
        if best is not None:
            scored.append((best, wheel.name, wheel))
    return [w for _, _, w in sorted(scored, key=lambda s: (s[0], s[1]))]


def _wheel_tags(file_name: str) -> set[str]:
    parts = file_name[: -len(".whl")].split("-")
    if len(parts) < 5:
        return set()
    pythons, abis, platforms = parts[-3], parts[-2], parts[-1]
    return {
        f"{p}-{a}-{pl}"
        for p in pythons.split(".")
        for a in abis.split(".")
        for pl in platforms.split(".")
    }


def _file_digest(path: Path) -> str:
    try:
        data = read_regular(str(path), _WRAPPER_LIMIT)
    except (OSError, UnsafeFileError):
        return ""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _python_dir(interpreter: Interpreter) -> str:
    return "python" + ".".join(interpreter.version.split(".")[:2])


def _installed_header(
    rows: tuple[str, ...], site_dir: str, include: str, name: str, rest: str
) -> str | None:
    """Where the installed RECORD puts header ``rest``: ``include/<NAME>/rest`` with
    NAME the distribution's name as the installer spelled it (pip keeps the project's
    spelling); a row anywhere else is not where an installer writes headers."""
    for row in rows:
        target = os.path.normpath(os.path.join(site_dir, row))
        relative = os.path.relpath(target, include).split(os.sep)
        if (
            len(relative) >= 2
            and relative[0] not in (".", "..")
            and canonicalize_name(relative[0]) == name
            and "/".join(relative[1:]) == rest
        ):
            return target
    return None


def _is_bytecode_of(path: str, sources: set[str]) -> bool:
    """Whether ``path`` is ``__pycache__/<stem>.<tag>[.opt-N].pyc`` of one of
    ``sources`` (what the import system writes, verified by the ownership walk), or an
    absent ``<stem>.<tag>.pyc`` beside it (where virtualenv's seeder lists the
    byte-code it writes into ``__pycache__``)."""
    cached = cached_source(path)
    if cached is not None:
        return cached[0] in sources
    directory, name = os.path.split(path)
    stem, dot, tag = name[: -len(".pyc")].partition(".") if name.endswith(".pyc") else ("", "", "")
    return (
        bool(dot and tag)
        and os.path.join(directory, stem + ".py") in sources
        and not os.path.lexists(path)
    )


def _is_cache_dir(path: str) -> bool:
    """Whether ``path`` is a ``__pycache__`` directory (virtualenv's seeder lists them in
    RECORD), or absent: the byte-code in it is verified by the ownership walk."""
    return os.path.basename(path) == "__pycache__" and (
        (os.path.isdir(path) and not os.path.islink(path)) or not os.path.lexists(path)
    )


#: Entry points installers rename for the interpreter they install into: pip's
#: installer writes ``pip`` as ``pip``, ``pipX`` and ``pipX.Y`` and setuptools'
#: ``easy_install`` also as ``easy_install-X.Y``, virtualenv's seeder ``pip-X.Y``; the
#: versioned names the archive lists may be missing.
_VERSIONED = {
    "pip": ("pip", re.compile(r"pip(-?\d+(\.\d+)?)?")),
    "setuptools": ("easy_install", re.compile(r"easy_install(-\d+\.\d+)?")),
}


def _wrappers(
    name: str, points: tuple[EntryPoint, ...], interpreter: Interpreter
) -> list[tuple[EntryPoint, bool]]:
    """The console-script wrappers an installer writes for ``points``, each with whether
    it must be there. For pip's and setuptools' own scripts, installers differ (pip
    writes versioned names, ensurepip's ``altinstall`` fewer, others the archive's):
    each of those names that is there is verified, none is required."""
    versioned = _VERSIONED.get(name)
    if versioned is None:
        return [(p, True) for p in points]
    base, pattern = versioned
    main = next((p for p in points if p.name == base), None)
    if main is None:
        return [(p, True) for p in points]
    major, minor = interpreter.version.split(".")[:2]
    names = {p.name for p in points if pattern.fullmatch(p.name)}
    names |= {f"{base}-{major}.{minor}"}  # virtualenv's seeder writes this one
    if base == "pip":
        names |= {f"pip{major}", f"pip{major}.{minor}"}
    renamed = [(EntryPoint(n, main.module, main.attr), False) for n in sorted(names)]
    return [(p, True) for p in points if not pattern.fullmatch(p.name)] + renamed


def _interpreter_named(path: str, interpreter: Interpreter) -> bool:
    """Whether a ``#!`` line's ``path`` names the environment's own interpreter: the
    probed executable as written, or ``python``/``python3``/``python3.X`` in the
    venv's scripts directory, spelled plainly (no ``..``, no shell syntax) and the same
    file as the probed executable (a planted ``python3.11w`` script is not)."""
    executable = str(interpreter.executable)
    if path == executable:
        return True
    directory, name = os.path.split(path)
    if (
        directory != str(interpreter.scripts)
        or os.path.normpath(path) != path
        or not _PYTHON_NAME.fullmatch(name)
        or any(c in path for c in "$`\\")
    ):
        return False
    return _same_interpreter(path, executable)


def _same_interpreter(path: str, executable: str) -> bool:
    """Whether ``path`` is the interpreter ``executable`` is: one file (through links),
    or, in a venv of copies, a regular file of the same bytes."""
    try:
        if os.path.samefile(path, executable):
            return True
        import filecmp

        return (
            os.path.isfile(path)
            and not os.path.islink(path)
            and filecmp.cmp(path, executable, shallow=False)
        )
    except OSError:
        return False


def _shebang_end(data: bytes, interpreter: Interpreter) -> int | str:
    """Where the installer's interpreter line(s) end in ``data``, or what is wrong."""
    trampoline = _SH_TRAMPOLINE.match(data)
    if trampoline is not None:
        python = trampoline.group("python").decode("utf-8", "replace")
        if not _interpreter_named(python, interpreter):
            return f"starts {python}, not this environment's interpreter"
        return trampoline.end()
    if not data.startswith(b"#!"):
        return "does not start with the #! line an installer writes"
    end = data.find(b"\n")
    if end < 0:
        return "is only a #! line"
    # As the kernel reads the line (binfmt_script): spaces and tabs around the path are
    # dropped, the path ends at the first space, tab or NUL, and every other byte (a
    # form feed, a no-break space, a carriage return) is part of the file name it runs.
    line = data[2:end].rstrip(_KERNEL_TRIMS).lstrip(b" \t")
    if any(c in line for c in (b" ", b"\t", b"\0")):
        return f"runs {line.decode('utf-8', 'replace')!r} with arguments, which no installer writes"
    try:
        python = line.decode("utf-8")
    except UnicodeDecodeError:
        return f"runs {line!r}, not this environment's interpreter"
    if not _interpreter_named(python, interpreter):
        return f"runs {python!r}, not this environment's interpreter"
    return end + 1


#: What the kernel strips from the end of a ``#!`` line: spaces and tabs. Windows has no
#: ``#!`` in its kernel; its launchers read a ``\r\n`` line (pip writes ``os.linesep``).
_KERNEL_TRIMS = b" \t\r" if os.name == "nt" else b" \t"


_NOT_INSTALLED = "is not installed"


def _read_installed(path: str, limit: int) -> bytes | str:
    try:
        return read_regular(path, limit + 1)
    except FileNotFoundError:
        return _NOT_INSTALLED
    except (OSError, UnsafeFileError) as e:
        return f"cannot be read ({e})"


def _rewritten_script(path: str, shipped: bytes, interpreter: Interpreter) -> str:
    """Why the installed script at ``path`` is not ``shipped`` with its ``#!python`` line
    rewritten to this environment's interpreter ("" when it is)."""
    data = _read_installed(path, _MAX_SCRIPT)
    if isinstance(data, str):
        return data
    end = _shebang_end(data, interpreter)
    if isinstance(end, str):
        return end
    first = shipped.find(b"\n")
    body = shipped[first + 1 :] if first >= 0 else b""
    if data[end:] != body:
        return "differs from the script the locked archive ships (after its #! line)"
    return ""


def _wrapper_problem(path: str, point: EntryPoint, interpreter: Interpreter) -> str:
    """Why the console-script wrapper at ``path`` is not one an installer writes for
    ``point`` ("" when it only imports and calls the entry point)."""
    data = _read_installed(path, _WRAPPER_LIMIT)
    if isinstance(data, str):
        return data
    if len(data) > _WRAPPER_LIMIT:
        return "is larger than any wrapper an installer writes"
    end = _shebang_end(data, interpreter)
    if isinstance(end, str):
        return end
    if _CODING.search(b"\n".join(data.split(b"\n", 2)[:2])):
        # Python honours a coding cookie in the first two lines: one that is not
        # UTF-8 (utf-7) can hide code from a reader that decodes as UTF-8.
        return "declares a source encoding other than UTF-8, which no installer writes"
    try:
        tree = ast.parse(data[end:].decode("utf-8"))
        wrapper = _is_wrapper(tree, point)
    except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
        # Nesting thousands deep (``main.a.a...a()``) exhausts the parser or the walk.
        return "is not a Python wrapper an installer writes"
    if not wrapper:
        return (
            f"is not the wrapper an installer writes for {point.module}:{point.attr}"
            " (it must only import and call that entry point)"
        )
    return ""


def _is_wrapper(tree: ast.Module, point: EntryPoint) -> bool:
    """The wrappers of pip, uv and Poetry's installer, as a grammar: ``import re``,
    ``import sys``, ``from MODULE import ATTR``, then under ``if __name__ ==
    "__main__":`` only edits of ``sys.argv[0]`` and ``sys.exit(ATTR...())``;
    virtualenv's seeder writes the ``from MODULE import ATTR`` first thing under the
    ``if`` instead."""
    body = list(tree.body)
    imported = False
    while body and not isinstance(body[0], ast.If):
        statement = body.pop(0)
        if isinstance(statement, ast.Import) and [a.name for a in statement.names] in (
            ["re"],
            ["sys"],
        ):
            if statement.names[0].asname is None:
                continue
            return False
        if _imports_entry_point(statement, point) and not imported:
            imported = True
            continue
        return False
    if len(body) != 1:
        return False
    main = body[0]
    if not isinstance(main, ast.If) or main.orelse or not _is_main_test(main.test):
        return False
    inner = list(main.body)
    if not imported and inner and _imports_entry_point(inner[0], point):
        imported = True
        inner.pop(0)
    if not imported or not inner:
        return False
    *edits, last = inner
    return all(_is_argv_edit(s) for s in edits) and _is_exit_call(last, point.attr)


def _imports_entry_point(statement: ast.stmt, point: EntryPoint) -> bool:
    """``from MODULE import ATTR`` (the first part of a dotted ATTR), nothing else."""
    return (
        isinstance(statement, ast.ImportFrom)
        and statement.module == point.module
        and statement.level == 0
        and [(a.name, a.asname) for a in statement.names] == [(point.attr.split(".")[0], None)]
    )


def _is_main_test(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and len(test.comparators) == 1
        and _is_const(test.comparators[0], str)
        and test.comparators[0].value == "__main__"  # type: ignore[attr-defined]
    )


def _is_const(node: ast.expr, kind: type) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is kind


def _is_argv0(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and _is_name_attr(node.value, "sys", "argv")
        and _is_const(node.slice, int)
        and node.slice.value == 0  # type: ignore[attr-defined]
    )


def _is_name_attr(node: ast.expr, name: str, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    )


def _is_argv_edit(statement: ast.stmt) -> bool:
    """``sys.argv[0] = EXPR`` of sys.argv[0] and constants, or an ``if`` on
    ``sys.argv[0].endswith(CONST)`` holding only such edits."""
    if isinstance(statement, ast.Assign):
        return (
            len(statement.targets) == 1
            and _is_argv0(statement.targets[0])
            and _is_argv_value(statement.value)
        )
    if isinstance(statement, ast.If):
        return (
            _is_argv_method(statement.test, "endswith")
            and all(_is_argv_edit(s) for s in statement.body)
            and all(_is_argv_edit(s) for s in statement.orelse)
        )
    return False


def _is_argv_method(node: ast.expr, method: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and _is_argv0(node.func.value)
        and not node.keywords
        and len(node.args) == 1
        and _is_const(node.args[0], str)
    )


def _is_argv_value(node: ast.expr) -> bool:
    if _is_argv_method(node, "removesuffix"):
        return True
    if isinstance(node, ast.Call) and _is_name_attr(node.func, "re", "sub"):
        args = node.args
        return (
            not node.keywords
            and len(args) == 3
            and _is_const(args[0], str)
            and _is_const(args[1], str)
            and _is_argv0(args[2])
        )
    if isinstance(node, ast.Subscript) and _is_argv0(node.value):
        part = node.slice
        return (
            isinstance(part, ast.Slice)
            and part.lower is None
            and part.step is None
            and part.upper is not None
            and (
                _is_const(part.upper, int)
                or (
                    isinstance(part.upper, ast.UnaryOp)
                    and isinstance(part.upper.op, ast.USub)
                    and _is_const(part.upper.operand, int)
                )
            )
        )
    return False


def _is_exit_call(statement: ast.stmt, attr: str) -> bool:
    """``sys.exit(ATTR())`` where ATTR is the entry point's dotted attribute."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    if not _is_name_attr(call.func, "sys", "exit") or call.keywords or len(call.args) != 1:
        return False
    inner = call.args[0]
    if not isinstance(inner, ast.Call) or inner.args or inner.keywords:
        return False
    return _dotted(inner.func) == attr


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""
