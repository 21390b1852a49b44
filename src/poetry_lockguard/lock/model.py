"""Frozen dataclasses for what poetry.lock says."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Union

#: The hash algorithms that are too weak to prove an artifact's identity.
WEAK_ALGORITHMS = frozenset({"md5", "sha1"})

#: Source types whose artifacts come from a download or a file and so must be hashed.
HASHED_SOURCE_TYPES = frozenset({"", "legacy", "url", "file"})

#: The only source types Poetry installs without an archive (its executor compares
#: them exactly, case included). Any other value, "Legacy", "pypi" or "hg" too, makes
#: Poetry look the package up on a package index, so it must be hashed like one.
ARCHIVELESS_SOURCE_TYPES = frozenset({"git", "directory"})

#: ``markers`` in lock-version 2.1: one marker for every group, or one per group.
#: (A type alias for annotations only: a check need not import typing.)
if TYPE_CHECKING:
    LockedMarkers = Union[str, dict[str, str], None]


@dataclass(frozen=True)
class LockedFile:
    """One artifact of a locked package: its file name and ``algorithm:hexdigest``."""

    name: str
    hash: str

    @property
    def algorithm(self) -> str:
        """The hash algorithm, lower case, or "" when the entry has none."""
        algorithm, sep, _ = self.hash.partition(":")
        return algorithm.lower() if sep else ""

    @property
    def digest(self) -> str:
        """The hex digest without its algorithm prefix."""
        return self.hash.partition(":")[2].lower()


@dataclass(frozen=True)
class LockedSource:
    """Where a locked package comes from; ``type`` is "" for the default registry."""

    type: str = ""
    url: str = ""
    reference: str = ""
    resolved_reference: str = ""
    subdirectory: str = ""

    @property
    def is_registry(self) -> bool:
        """True for packages from a package index (PyPI or a named legacy source)."""
        return self.type in ("", "legacy")

    @property
    def is_recognised(self) -> bool:
        """True when ``type`` is spelled exactly as Poetry writes one of its source types."""
        return self.type in HASHED_SOURCE_TYPES or self.type in ARCHIVELESS_SOURCE_TYPES


@dataclass(frozen=True)
class LockedDependency:
    """One edge of the dependency graph as lock-version 2.0 and older record it."""

    name: str
    constraint: str
    markers: str = ""
    python: str = ""
    extras: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class LockedPackage:
    """One ``[[package]]`` entry; ``name`` is normalized (PEP 503), ``line`` is 1-based."""

    name: str
    version: str
    display_name: str = ""
    optional: bool = False
    files: tuple[LockedFile, ...] = ()
    source: LockedSource = field(default_factory=LockedSource)
    groups: tuple[str, ...] = ("main",)
    markers: LockedMarkers = None
    dependencies: tuple[LockedDependency, ...] = ()
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)
    develop: bool = False
    python_versions: str = ""
    line: int | None = None

    @property
    def needs_hashes(self) -> bool:
        """True unless Poetry installs the package without an archive (git, directory).

        Decided as Poetry's executor decides: a source type it does not recognise exactly
        is installed from a package index, so it needs hashes like a registry package.
        """
        return self.source.type not in ARCHIVELESS_SOURCE_TYPES

    @property
    def strong_files(self) -> tuple[LockedFile, ...]:
        """The files whose hash uses an algorithm stronger than md5 and sha1."""
        return tuple(f for f in self.files if f.algorithm and f.algorithm not in WEAK_ALGORITHMS)


@dataclass(frozen=True)
class Lock:
    """A parsed poetry.lock: its version, content-hash and packages by normalized name."""

    path: Path
    lock_version: str
    content_hash: str
    packages: tuple[LockedPackage, ...]
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)
    generated_by: str = ""

    @property
    def has_groups_and_markers(self) -> bool:
        """True for lock-version 2.1 and later, whose packages carry groups and markers."""
        major, _, minor = self.lock_version.partition(".")
        return (int(major), int(minor or 0)) >= (2, 1)

    def by_name(self) -> dict[str, list[LockedPackage]]:
        """Packages grouped by normalized name (a name can be locked more than once)."""
        result: dict[str, list[LockedPackage]] = {}
        for package in self.packages:
            result.setdefault(package.name, []).append(package)
        return result
