"""The single-file checker: a zipapp of the stand-alone check for production machines.

``python -m poetry_lockguard zipapp lockguard.pyz`` writes one file that any Python 3.9+
runs with nothing installed: ``python3 lockguard.pyz check --project DIR --python
VENV/bin/python``. It holds the stand-alone code (no Poetry application, no cleo: not
``plugin/``) and poetry-core, which the check uses for
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
archive's ``__main__.py`` that does this is ``standalone/zipapp_main.py``, a module
linted and type-checked like the rest; the sha256 list it reads is the archive's
``lockguard-zipapp.json``. The archive is reproducible: same inputs, same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile

from dataclasses import dataclass
from pathlib import Path


POETRY_CORE_WHEEL = "poetry_core-2.2.1-py3-none-any.whl"
#: Parts of the package that need Poetry's application or are not the check.
_EXCLUDED = ("plugin/", "commands/zipapp/", "standalone/zipapp_main.py")
#: Parts of poetry-core the check never imports (building and publishing packages).
_CORE_EXCLUDED = ("poetry/core/masonry/",)
_EPOCH = (1980, 1, 1, 0, 0, 0)

#: The archive's ``__main__.py`` and the manifest it reads (see standalone/zipapp_main.py).
BOOTSTRAP = Path(__file__).resolve().parent.parent.parent / "standalone" / "zipapp_main.py"
MANIFEST = "lockguard-zipapp.json"


@dataclass(frozen=True)
class ZipappInfo:
    """What was written: the path, its size in bytes and the number of files inside."""

    path: Path
    size: int
    files: int


def build_zipapp(out: Path) -> ZipappInfo:
    """Write the zipapp to ``out`` (made executable, with a ``python3`` shebang)."""
    entries: dict[str, bytes] = {}
    package = Path(__file__).resolve().parent.parent.parent
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

    files = {
        name: hashlib.sha256(entries[name]).hexdigest()
        for name in sorted(entries)
        if name.startswith("poetry/")
    }
    manifest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
    # Not the name earlier zipapps gave theirs: a directory they left, trusted on a
    # marker file, is never read.
    entries[MANIFEST] = json.dumps(
        {"key": f"core-{manifest[:32]}", "files": files}, indent=0, sort_keys=True
    ).encode()
    entries["__main__.py"] = BOOTSTRAP.read_bytes()

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


__all__ = ["ZipappInfo", "build_zipapp"]
