"""The zipapp's ``__main__.py``: sets up poetry-core, then runs the stand-alone check.

``commands/zipapp`` copies this file into the archive as its ``__main__.py``, beside
``lockguard-zipapp.json`` (the sha256 of every vendored file, and the directory name
they are extracted to). poetry-core opens its grammars and schemas as files, so it runs
from a directory: on the first run it is extracted into ``$POETRY_LOCKGUARD_CACHE_DIR``
or ``~/.cache/poetry-lockguard/zipapp/`` (a private temporary directory, removed at
exit, where that is not writable). That directory comes before the archive on
``sys.path`` and whoever shares the account can write it (the next job on a persistent
CI runner), so it is verified file by file on every run and extracted again when it is
not exactly what this archive holds.

Written for any Python 3.7 or newer up to the version check (no f-strings, annotations
never evaluated), so that an old interpreter gets one line, not a SyntaxError.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import sys
import tempfile
import zipfile


MINIMUM_PYTHON = (3, 9)
MANIFEST = "lockguard-zipapp.json"


def _verified(target: str, files: dict[str, str]) -> bool:
    """Whether ``target`` holds exactly ``files``: a directory of this user that no one
    else can write, no links, no other files (a planted module, a ``__pycache__``), and
    every file with the sha256 this archive gives it."""
    import hashlib

    try:
        st = os.lstat(target)
        if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o022:
            return False
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            return False
        found = 0
        for root, dirs, names in os.walk(target):
            for name in dirs:
                if not stat.S_ISDIR(os.lstat(os.path.join(root, name)).st_mode):
                    return False
            for name in names:
                path = os.path.join(root, name)
                expected = files.get(os.path.relpath(path, target).replace(os.sep, "/"))
                if expected is None or not stat.S_ISREG(os.lstat(path).st_mode):
                    return False
                with open(path, "rb") as f:
                    if hashlib.sha256(f.read()).hexdigest() != expected:
                        return False
                found += 1
    except OSError:
        return False
    return found == len(files)


def _extract(archive: str, base: str, key: str, files: dict[str, str]) -> str | None:
    """Extract the vendored files into ``base/key`` (once per content: ``key`` is their
    hash), through a private directory renamed into place; that directory, or None. One
    that is not exactly what this archive holds is set aside and extracted again."""
    target = os.path.join(base, key)
    if _verified(target, files):
        return target
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=base)
        with zipfile.ZipFile(archive) as opened:
            for name in files:
                opened.extract(name, tmp)
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
    return target if _verified(target, files) else None


def _cache_base() -> str:
    # POETRY_LOCKGUARD_CACHE_DIR, as for the probe's cache (LOCKGUARD_CACHE_DIR, the name
    # earlier zipapps read, still works).
    cache = os.environ.get("POETRY_LOCKGUARD_CACHE_DIR") or os.environ.get("LOCKGUARD_CACHE_DIR")
    if not cache:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        cache = os.path.join(home, "poetry-lockguard")
    return os.path.join(cache, "zipapp")


def set_up(archive: str) -> None:
    """Put the vendored poetry-core (and its vendored packaging, tomli and lark) ahead of
    everything on ``sys.path``, from a verified extraction or, failing that, from the
    archive itself."""
    import json

    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read(MANIFEST))
    key, files = str(manifest["key"]), dict(manifest["files"])
    # Bytecode written beside the extracted files would be read back unverified next time.
    sys.dont_write_bytecode = True
    found = _extract(archive, _cache_base(), key, files)
    if found is None:  # no writable cache (a read-only image): a private temporary copy
        private = tempfile.mkdtemp(prefix="lockguard-")
        atexit.register(shutil.rmtree, private, True)
        found = _extract(archive, private, key, files)
    if found is not None:
        # The directory holds nothing but the vendored files (_verified).
        sys.path[0:0] = [os.path.join(found, "poetry", "core", "_vendor"), found]
    else:
        sys.path.insert(1, os.path.join(archive, "poetry", "core", "_vendor"))


def run() -> int:
    """The zipapp's whole run: the Python check, the set-up, the stand-alone check."""
    if sys.version_info < MINIMUM_PYTHON:
        sys.stderr.write(
            "lockguard: this zipapp needs Python {} or newer, not {}\n".format(
                ".".join(str(n) for n in MINIMUM_PYTHON), sys.version.split()[0]
            )
        )
        return 2
    archive = os.path.dirname(os.path.abspath(__file__))
    set_up(archive)
    from poetry_lockguard.standalone.cli import main

    return main(prog=os.path.basename(sys.argv[0]) or "lockguard.pyz")


if __name__ == "__main__":
    sys.exit(run())
