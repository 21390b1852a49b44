"""What poetry.lock says: its packages, their files, sources and dependencies."""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Final
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


class LockedFile:
    """One artifact of a locked package: its file name and ``algorithm:hexdigest``."""

    __slots__ = ("hash", "name")

    name: Final[str]
    hash: Final[str]

    def __init__(
        self,
        name: str,
        hash: str,
    ) -> None:
        self.name = name
        self.hash = hash

    @property
    def algorithm(self) -> str:
        """The hash algorithm, lower case, or "" when the entry has none."""
        algorithm, sep, _ = self.hash.partition(":")
        return algorithm.lower() if sep else ""

    @property
    def digest(self) -> str:
        """The hex digest without its algorithm prefix."""
        return self.hash.partition(":")[2].lower()

    def _fields(self) -> tuple[object, ...]:
        return (self.name, self.hash)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockedFile):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"LockedFile(name={self.name!r}, hash={self.hash!r})"


class LockedSource:
    """Where a locked package comes from; ``type`` is "" for the default registry."""

    __slots__ = ("reference", "resolved_reference", "subdirectory", "type", "url")

    type: Final[str]
    url: Final[str]
    reference: Final[str]
    resolved_reference: Final[str]
    subdirectory: Final[str]

    def __init__(
        self,
        type: str = "",
        url: str = "",
        reference: str = "",
        resolved_reference: str = "",
        subdirectory: str = "",
    ) -> None:
        self.type = type
        self.url = url
        self.reference = reference
        self.resolved_reference = resolved_reference
        self.subdirectory = subdirectory

    @property
    def is_registry(self) -> bool:
        """True for packages from a package index (PyPI or a named legacy source)."""
        return self.type in ("", "legacy")

    @property
    def is_recognised(self) -> bool:
        """True when ``type`` is spelled exactly as Poetry writes one of its source types."""
        return self.type in HASHED_SOURCE_TYPES or self.type in ARCHIVELESS_SOURCE_TYPES

    def _fields(self) -> tuple[object, ...]:
        return (self.type, self.url, self.reference, self.resolved_reference, self.subdirectory)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockedSource):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"LockedSource(type={self.type!r}, url={self.url!r}, "
            f"reference={self.reference!r}, "
            f"resolved_reference={self.resolved_reference!r}, "
            f"subdirectory={self.subdirectory!r})"
        )


class LockedDependency:
    """One edge of the dependency graph as lock-version 2.0 and older record it."""

    __slots__ = ("constraint", "extras", "markers", "name", "optional", "python")

    name: Final[str]
    constraint: Final[str]
    markers: Final[str]
    python: Final[str]
    extras: Final[tuple[str, ...]]
    optional: Final[bool]

    def __init__(
        self,
        name: str,
        constraint: str,
        markers: str = "",
        python: str = "",
        extras: tuple[str, ...] = (),
        optional: bool = False,
    ) -> None:
        self.name = name
        self.constraint = constraint
        self.markers = markers
        self.python = python
        self.extras = extras
        self.optional = optional

    def _fields(self) -> tuple[object, ...]:
        return (self.name, self.constraint, self.markers, self.python, self.extras, self.optional)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockedDependency):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"LockedDependency(name={self.name!r}, constraint={self.constraint!r}, "
            f"markers={self.markers!r}, python={self.python!r}, "
            f"extras={self.extras!r}, optional={self.optional!r})"
        )


class LockedPackage:
    """One ``[[package]]`` entry; ``name`` is normalized (PEP 503), ``line`` is 1-based."""

    __slots__ = (
        "dependencies",
        "develop",
        "display_name",
        "extras",
        "files",
        "groups",
        "line",
        "markers",
        "name",
        "optional",
        "python_versions",
        "source",
        "version",
    )

    name: Final[str]
    version: Final[str]
    display_name: Final[str]
    optional: Final[bool]
    files: Final[tuple[LockedFile, ...]]
    source: Final[LockedSource]
    groups: Final[tuple[str, ...]]
    markers: Final[LockedMarkers]
    dependencies: Final[tuple[LockedDependency, ...]]
    extras: Final[dict[str, tuple[str, ...]]]
    develop: Final[bool]
    python_versions: Final[str]
    line: Final[int | None]

    def __init__(
        self,
        name: str,
        version: str,
        display_name: str = "",
        optional: bool = False,
        files: tuple[LockedFile, ...] = (),
        source: LockedSource | None = None,
        groups: tuple[str, ...] = ("main",),
        markers: LockedMarkers = None,
        dependencies: tuple[LockedDependency, ...] = (),
        extras: dict[str, tuple[str, ...]] | None = None,
        develop: bool = False,
        python_versions: str = "",
        line: int | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.display_name = display_name
        self.optional = optional
        self.files = files
        self.source = LockedSource() if source is None else source
        self.groups = groups
        self.markers = markers
        self.dependencies = dependencies
        self.extras = {} if extras is None else extras
        self.develop = develop
        self.python_versions = python_versions
        self.line = line

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

    def _fields(self) -> tuple[object, ...]:
        return (
            self.name,
            self.version,
            self.display_name,
            self.optional,
            self.files,
            self.source,
            self.groups,
            self.markers,
            self.dependencies,
            self.extras,
            self.develop,
            self.python_versions,
            self.line,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockedPackage):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"LockedPackage(name={self.name!r}, version={self.version!r}, "
            f"display_name={self.display_name!r}, optional={self.optional!r}, "
            f"files={self.files!r}, source={self.source!r}, groups={self.groups!r}, "
            f"markers={self.markers!r}, dependencies={self.dependencies!r}, "
            f"extras={self.extras!r}, develop={self.develop!r}, "
            f"python_versions={self.python_versions!r}, line={self.line!r})"
        )


class Lock:
    """A parsed poetry.lock: its version, content-hash and packages by normalized name."""

    __slots__ = ("content_hash", "extras", "generated_by", "lock_version", "packages", "path")

    path: Final[Path]
    lock_version: Final[str]
    content_hash: Final[str]
    packages: Final[tuple[LockedPackage, ...]]
    extras: Final[dict[str, tuple[str, ...]]]
    generated_by: Final[str]

    def __init__(
        self,
        path: Path,
        lock_version: str,
        content_hash: str,
        packages: tuple[LockedPackage, ...],
        extras: dict[str, tuple[str, ...]] | None = None,
        generated_by: str = "",
    ) -> None:
        self.path = path
        self.lock_version = lock_version
        self.content_hash = content_hash
        self.packages = packages
        self.extras = {} if extras is None else extras
        self.generated_by = generated_by

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

    def _fields(self) -> tuple[object, ...]:
        return (
            self.path,
            self.lock_version,
            self.content_hash,
            self.packages,
            self.extras,
            self.generated_by,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lock):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Lock(path={self.path!r}, lock_version={self.lock_version!r}, "
            f"content_hash={self.content_hash!r}, packages={self.packages!r}, "
            f"extras={self.extras!r}, generated_by={self.generated_by!r})"
        )
