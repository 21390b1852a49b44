"""What pyproject.toml says that matters for a lock: name, groups, extras, content-hash."""

from __future__ import annotations

from hashlib import sha256

from poetry_lockguard.lock.toml import load_toml
from poetry_lockguard.names import canonicalize_name


TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any
    from typing import Final

MAIN_GROUP = "main"

_LEGACY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")
_RELEVANT_KEYS = (*_LEGACY_KEYS, "group")
_RELEVANT_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")


class Project:
    """The parts of pyproject.toml that lockguard reads, with the parsed document."""

    __slots__ = ("data", "extras", "groups", "name", "path")

    path: Final[Path]
    name: Final[str]
    groups: Final[dict[str, bool]]
    extras: Final[tuple[str, ...]]
    data: Final[dict[str, Any]]

    def __init__(
        self,
        path: Path,
        name: str,
        groups: dict[str, bool],
        extras: tuple[str, ...],
        data: dict[str, Any],
    ) -> None:
        self.path = path
        self.name = name
        self.groups = groups
        self.extras = extras
        self.data = data

    @property
    def directory(self) -> Path:
        """The project's directory (where poetry.lock lives)."""
        return self.path.parent

    @property
    def non_optional_groups(self) -> frozenset[str]:
        """The groups ``poetry install`` installs when no group option is given."""
        return frozenset(name for name, optional in self.groups.items() if not optional)

    @property
    def package_mode(self) -> bool:
        """``[tool.poetry] package-mode`` (true unless set false): whether Poetry
        installs the project itself."""
        poetry = self.data.get("tool", {}).get("poetry", {})
        return not (isinstance(poetry, dict) and poetry.get("package-mode") is False)

    @property
    def lockguard_config(self) -> Any:
        """The raw ``[tool.lockguard]`` table (validated by config.Policy)."""
        return self.data.get("tool", {}).get("lockguard", {})

    def content_hash(self, *, with_dependency_groups: bool = True) -> str:
        """The content-hash Poetry would write for this pyproject.toml.

        sha256 of the sorted-keys JSON of the dependency-relevant parts, computed the
        way Poetry 2.x's Locker does (Poetry < 2.3 left ``[dependency-groups]`` out, so
        that variant is available through ``with_dependency_groups=False``).
        """
        project_content = self.data.get("project", {})
        group_content = self.data.get("dependency-groups", {}) if with_dependency_groups else {}
        tool_poetry_content = self.data.get("tool", {}).get("poetry", {})

        relevant_project = {
            key: project_content[key]
            for key in _RELEVANT_PROJECT_KEYS
            if project_content.get(key) is not None
        }
        relevant_poetry: dict[str, Any] = {}
        for key in _RELEVANT_KEYS:
            value = tool_poetry_content.get(key)
            if value is None and (key not in _LEGACY_KEYS or relevant_project or group_content):
                continue
            relevant_poetry[key] = value

        relevant: dict[str, Any] = {}
        if relevant_project:
            relevant["project"] = relevant_project
        if group_content:
            relevant["dependency-groups"] = group_content
        if relevant:
            relevant["tool"] = {"poetry": relevant_poetry}
        else:
            relevant = relevant_poetry
        return sha256(sorted_json(relevant).encode()).hexdigest()

    def matches_content_hash(self, locked_hash: str, generated_by: str) -> bool:
        """True when ``locked_hash`` is what Poetry would accept as fresh.

        Locks written by Poetry before 2.3 hashed without ``[dependency-groups]``;
        Poetry accepts those, and so do we.
        """
        if self.content_hash() == locked_hash:
            return True
        return self.content_hash(with_dependency_groups=False) == locked_hash and (
            _poetry_version(generated_by) < (2, 3)
        )

    def _fields(self) -> tuple[object, ...]:
        return (self.path, self.name, self.groups, self.extras, self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Project(path={self.path!r}, name={self.name!r}, groups={self.groups!r}, "
            f"extras={self.extras!r}, data={self.data!r})"
        )


def read_project(path: Path, display: str = "pyproject.toml") -> Project:
    """Read pyproject.toml into a Project; raise LockFileError naming the file on failure."""
    data = load_toml(path, display)
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    if not isinstance(project, dict) or not isinstance(poetry, dict):
        from poetry_lockguard.errors import LockFileError

        raise LockFileError(f"{display}: [project] or [tool.poetry] is not a table")
    name = str(project.get("name") or poetry.get("name") or "")

    # The groups poetry-core creates (Factory._configure_package_dependencies): "main"
    # only when there is something to put in it, "dev" for the legacy table.
    groups: dict[str, bool] = {}
    if (
        project.get("dependencies") is not None
        or project.get("optional-dependencies")
        or "dependencies" in poetry
    ):
        groups[MAIN_GROUP] = False
    poetry_groups = {
        str(canonicalize_name(g)): t for g, t in (poetry.get("group", {}) or {}).items()
    }
    for group in data.get("dependency-groups", {}) or {}:
        table = poetry_groups.get(str(canonicalize_name(group)))
        groups[str(canonicalize_name(group))] = _optional(table)
    for group, table in poetry_groups.items():
        groups.setdefault(group, _optional(table))
    if "dev-dependencies" in poetry:
        groups.setdefault("dev", False)

    # [tool.poetry.extras] counts only when [project] declares no dependencies.
    if project.get("dependencies") or project.get("optional-dependencies"):
        extras = set(project.get("optional-dependencies", {}) or {})
    else:
        extras = set(poetry.get("extras", {}) or {})
    return Project(
        path=path,
        name=str(canonicalize_name(name)) if name else "",
        groups=groups,
        extras=tuple(sorted(str(canonicalize_name(e)) for e in extras)),
        data=data,
    )


def _optional(table: Any) -> bool:
    return bool(table.get("optional", False)) if isinstance(table, dict) else False


def _poetry_version(generated_by: str) -> tuple[int, ...]:
    """``(major, minor)`` from "Poetry 2.1.3" (unknown versions count as new)."""
    parts = generated_by.removeprefix("Poetry ").split(".")[:2]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        return (99,)


def _quote(text: str) -> str:
    """``json.dumps(text)``: a printable ASCII string with no quote or backslash is
    written as it is; any other goes to json."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    import json

    return json.dumps(text)


def sorted_json(value: Any) -> str:
    """``json.dumps(value, sort_keys=True)``, written out here for what TOML tables hold
    (strings, booleans, integers, lists, tables) so that a check need not import json;
    anything else (floats, dates) goes to json itself."""
    if isinstance(value, str):
        return _quote(value)
    if value is True or value is False or value is None:
        return "true" if value else "false" if value is False else "null"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is dict and all(type(key) is str for key in value):
        items = [f"{_quote(key)}: {sorted_json(value[key])}" for key in sorted(value)]
        return "{" + ", ".join(items) + "}"
    if type(value) is list:
        return "[" + ", ".join([sorted_json(item) for item in value]) + "]"
    import json

    return json.dumps(value, sort_keys=True)
