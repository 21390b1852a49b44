"""Wheels with arbitrary files and console scripts, for the integrity tests and benchmark."""

from __future__ import annotations

import base64
import hashlib
import zipfile

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64>`` as RECORD writes it."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_wheel(
    folder: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    scripts: Mapping[str, str] | None = None,
    metadata_extra: str = "",
) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into ``folder`` and return its path.

    ``files`` maps paths inside the wheel to their bytes; ``scripts`` maps console
    script names to ``module:function`` (the installer writes them into ``bin/``);
    ``metadata_extra`` is added to METADATA (``Requires-Dist:`` lines, for example).
    """
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    content = dict(files)
    content[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata_extra}\n"
    ).encode()
    content[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: lockguard-tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    if scripts:
        lines = "".join(f"{k} = {v}\n" for k, v in scripts.items())
        content[f"{dist_info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in content.items())
    record += f"{dist_info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for p, d in content.items():
            zf.writestr(_info(p), d)
        zf.writestr(_info(f"{dist_info}/RECORD"), record.encode())
    return path


def _info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    return info
