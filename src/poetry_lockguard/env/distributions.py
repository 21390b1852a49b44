"""Installed distributions, read straight from ``*.dist-info`` directories."""

from __future__ import annotations

import json
import os

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poetry_lockguard.names import canonicalize_name


#: Header bytes read from METADATA: Name and Version come first in practice.
_HEADER_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Distribution:
    """One installed distribution; ``problem`` says why its metadata is unusable."""

    name: str
    version: str
    path: Path
    display_name: str = ""
    problem: str = ""

    def direct_url(self) -> dict[str, Any] | None:
        """The parsed ``direct_url.json`` (PEP 610), None when absent or unreadable."""
        return _read_json(self.path / "direct_url.json")

    def provenance(self) -> dict[str, Any] | None:
        """The parsed ``provenance_url.json`` receipt (PEP 710), None when absent."""
        return _read_json(self.path / "provenance_url.json")


def scan_distributions(site_dirs: tuple[Path, ...]) -> list[Distribution]:
    """Every distribution in ``site_dirs``; a broken one comes back with a ``problem``."""
    found: list[Distribution] = []
    for site in site_dirs:
        try:
            entries = os.scandir(site)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith(".dist-info"):
                    found.append(_read_dist(Path(entry.path), "METADATA"))
                elif entry.name.endswith(".egg-info") and entry.is_dir():
                    found.append(_read_dist(Path(entry.path), "PKG-INFO"))
    return found


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
    metadata = path / metadata_name
    try:
        with open(metadata, "rb") as f:
            head = f.read(_HEADER_LIMIT)
    except FileNotFoundError:
        return _broken(fallback, f"{metadata_name} is missing")
    except IsADirectoryError:
        return _broken(fallback, f"{metadata_name} is a directory")
    except NotADirectoryError:
        return _broken(fallback, "is not a directory")
    except OSError as e:
        return _broken(fallback, f"{metadata_name} cannot be read ({e.strerror})")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:
            return _broken(fallback, f"{metadata_name} is not valid UTF-8")
        text = head[: e.start].decode("utf-8")
    name = version = ""
    for line in text.splitlines():
        if not line:
            break
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.lower()
        if key == "name" and not name:
            name = value.strip()
        elif key == "version" and not version:
            version = value.strip()
        if name and version:
            break
    if not name or not version:
        return _broken(fallback, f"{metadata_name} has no Name or Version")
    return Distribution(
        name=str(canonicalize_name(name)), version=version, path=path, display_name=name
    )


def _broken(dist: Distribution, problem: str) -> Distribution:
    return Distribution(
        name=dist.name,
        version=dist.version,
        path=dist.path,
        display_name=dist.display_name,
        problem=problem,
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(1024 * 1024))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
