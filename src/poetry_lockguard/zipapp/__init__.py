"""The single-file checker: a zipapp of the stand-alone check for production machines.

``python -m poetry_lockguard zipapp lockguard.pyz`` writes one file that any Python 3.9+
runs with nothing installed: ``python3 lockguard.pyz check --project DIR --python
VENV/bin/python``. It holds the stand-alone code (no Poetry application, no cleo: not
``console/``, ``guard/`` or ``plugin.py``) and poetry-core, which the check uses for
lock-version 2.0 and markers and which itself vendors ``packaging``, ``tomli`` and
``lark``. The poetry-core inside is the wheel in this folder, the last release that
supports Python 3.9 (see VENDORED.md), so the zipapp runs on 3.9 whatever Python builds it.
The archive is reproducible: same inputs, same bytes.
"""

from __future__ import annotations

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
import os
import sys

if sys.version_info < {minimum!r}:
    sys.stderr.write(
        "lockguard: this zipapp needs Python {minimum_text} or newer, not %s\\n"
        % sys.version.split()[0]
    )
    sys.exit(2)
# poetry-core's vendored packaging, tomli and lark, ahead of anything the host has.
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "poetry", "core", "_vendor"))

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

    minimum_text = ".".join(str(n) for n in MINIMUM_PYTHON)
    entries["__main__.py"] = MAIN.format(
        version=__version__, minimum=MINIMUM_PYTHON, minimum_text=minimum_text
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
