"""The single-file checker: a zipapp of the stand-alone check for production machines.

``python -m poetry_lockguard zipapp lockguard.pyz`` writes one file that any Python 3.9+
runs with nothing installed: ``python3 lockguard.pyz check --project DIR --python
VENV/bin/python``. It holds the stand-alone code (no Poetry application, no cleo: not
``console/``, ``guard/`` or ``plugin.py``) and poetry-core, which the check uses for
lock-version 2.0 and markers and which itself vendors ``packaging``, ``tomli`` and
``lark``. The poetry-core inside is the wheel in this folder, the last release that
supports Python 3.9 (see VENDORED.md), so the zipapp runs on 3.9 whatever Python builds it.
poetry-core opens its grammars and schemas as files, so on its first run the zipapp
extracts poetry-core (about 1 MB) into ``$POETRY_LOCKGUARD_CACHE_DIR`` or
``~/.cache/poetry-lockguard/zipapp/`` (a private temporary directory, removed at exit,
where that is not writable). That directory comes before the archive on ``sys.path``
and whoever shares the account can write it (the next job on a persistent CI runner),
so it is named by the hash of what it holds, made with ``mkdtemp`` (mode 0700) and
renamed into place, and checked on every run before it is used: owned by this user,
writable by no one else, no links, exactly the files the archive lists with their
sha256 (a planted ``poetry_lockguard/`` or ``__pycache__`` is an extra file). One that
differs is set aside and extracted again; no bytecode is written beside it. The
archive is reproducible: same inputs, same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile

from dataclasses import dataclass
from pathlib import Path


POETRY_CORE_WHEEL = "poetry_core-2.2.1-py3-none-any.whl"
MINIMUM_PYTHON = (3, 9)
#: Parts of the package that need Poetry's application or are not the check.
_EXCLUDED = ("console/", "guard/", "plugin.py", "zipapp/")
#: Parts of poetry-core the check never imports (building and publishing packages).
_CORE_EXCLUDED = ("poetry/core/masonry/",)
_EPOCH = (1980, 1, 1, 0, 0, 0)

MAIN = '''\
"""poetry-lockguard {version}, single-file checker. Run: python3 THIS_FILE check --help"""
import atexit
import os
import shutil
import stat
import sys
import tempfile
import zipfile

if sys.version_info < {minimum!r}:
    sys.stderr.write(
        "lockguard: this zipapp needs Python {minimum_text} or newer, not %s\\n"
        % sys.version.split()[0]
    )
    sys.exit(2)

ARCHIVE = os.path.dirname(os.path.abspath(__file__))
KEY = "{key}"
#: Every file extracted, with its sha256: what the extraction directory must hold.
FILES = {files!r}


def _verified(target):
    """Whether ``target`` holds exactly FILES: a directory of this user that no one
    else can write, no links, no other files (a planted module, a ``__pycache__``),
    and every file with the sha256 this archive gives it. Checked on every run: the
    cache directory is writable by whoever shares the account."""
    import hashlib

    try:
        st = os.lstat(target)
        if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o022:
            return False
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            return False
        found = 0
        for root, dirs, files in os.walk(target):
            for name in dirs:
                if not stat.S_ISDIR(os.lstat(os.path.join(root, name)).st_mode):
                    return False
            for name in files:
                path = os.path.join(root, name)
                expected = FILES.get(os.path.relpath(path, target).replace(os.sep, "/"))
                if expected is None or not stat.S_ISREG(os.lstat(path).st_mode):
                    return False
                with open(path, "rb") as f:
                    if hashlib.sha256(f.read()).hexdigest() != expected:
                        return False
                found += 1
    except OSError:
        return False
    return found == len(FILES)


def _extract(base):
    """poetry-core opens its grammars and schemas as files: it runs from a directory.
    Extract it into ``base`` (once per content: KEY is its hash), into a private
    directory renamed into place; return that directory, or None. A directory that is
    not exactly what this archive holds is set aside and extracted again."""
    target = os.path.join(base, KEY)
    if _verified(target):
        return target
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=base)
        with zipfile.ZipFile(ARCHIVE) as archive:
            for name in FILES:
                archive.extract(name, tmp)
        if os.path.lexists(target):
            aside = tempfile.mkdtemp(dir=base)
            os.rename(target, os.path.join(aside, "old"))
            shutil.rmtree(aside, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:  # another run got there first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        return None
    return target if _verified(target) else None


def _poetry_core():
    # POETRY_LOCKGUARD_CACHE_DIR, as for the probe's cache (LOCKGUARD_CACHE_DIR, the name
    # earlier zipapps read, still works).
    cache = (
        os.environ.get("POETRY_LOCKGUARD_CACHE_DIR") or os.environ.get("LOCKGUARD_CACHE_DIR")
    ) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "poetry-lockguard",
    )
    found = _extract(os.path.join(cache, "zipapp"))
    if found is None:  # no writable cache (a read-only image): a private temporary copy
        private = tempfile.mkdtemp(prefix="lockguard-")
        atexit.register(shutil.rmtree, private, True)
        found = _extract(private)
    return found


# Bytecode written beside the extracted files would be read back unverified next time.
sys.dont_write_bytecode = True
_core = _poetry_core()
if _core is not None:
    # poetry-core and its vendored packaging, tomli and lark, ahead of anything else;
    # the directory holds nothing but them (_verified).
    sys.path[0:0] = [os.path.join(_core, "poetry", "core", "_vendor"), _core]
else:
    sys.path.insert(1, os.path.join(ARCHIVE, "poetry", "core", "_vendor"))

from poetry_lockguard.cli import main

sys.exit(main(prog=os.path.basename(sys.argv[0]) or "lockguard.pyz"))
'''


@dataclass(frozen=True)
class ZipappInfo:
    """What was written: the path, its size in bytes and the number of files inside."""

    path: Path
    size: int
    files: int


def build_zipapp(out: Path) -> ZipappInfo:
    """Write the zipapp to ``out`` (made executable, with a ``python3`` shebang)."""
    from poetry_lockguard import __version__

    entries: dict[str, bytes] = {}
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package).as_posix()
        if (
            not path.is_file()
            or "__pycache__" in path.parts
            or path.suffix in (".pyc", ".pyo")
            or relative.startswith(_EXCLUDED)
        ):
            continue
        entries[f"poetry_lockguard/{relative}"] = path.read_bytes()

    wheel = Path(__file__).resolve().parent / POETRY_CORE_WHEEL
    with zipfile.ZipFile(wheel) as core:
        for name in sorted(core.namelist()):
            if name.endswith("/") or name.startswith(_CORE_EXCLUDED):
                continue
            if name.startswith("poetry/core/") or name.endswith(("LICENSE", "METADATA")):
                entries[name] = core.read(name)

    # zipimport before 3.13 finds no namespace package: make ``poetry`` a regular one.
    entries["poetry/__init__.py"] = b'"""poetry-core, vendored in the lockguard zipapp."""\n'

    minimum_text = ".".join(str(n) for n in MINIMUM_PYTHON)
    files = {
        name: hashlib.sha256(entries[name]).hexdigest()
        for name in sorted(entries)
        if name.startswith("poetry/")
    }
    manifest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
    entries["__main__.py"] = MAIN.format(
        version=__version__,
        minimum=MINIMUM_PYTHON,
        minimum_text=minimum_text,
        # Not the name earlier zipapps gave theirs: a directory they left, trusted on
        # a marker file, is never read.
        key=f"core-{manifest[:32]}",
        files=files,
    ).encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, entries[name])
    data = b"#!/usr/bin/env python3\n" + buffer.getvalue()

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o755)
    os.replace(tmp, out)
    return ZipappInfo(path=out, size=len(data), files=len(entries))


__all__ = ["MINIMUM_PYTHON", "ZipappInfo", "build_zipapp"]
