"""Which groups and extras a check covers, chosen the way ``poetry install`` chooses."""

from __future__ import annotations

from poetry_lockguard.errors import SelectionError
from poetry_lockguard.names import canonicalize_name


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from typing import Any
    from typing import Final

    from poetry_lockguard.lock.project import Project


class SelectionRequest:
    """The group and extra options as a user gave them (``--with``, ``-E`` ...)."""

    __slots__ = (
        "all_extras",
        "all_groups",
        "extras",
        "only_groups",
        "with_groups",
        "without_groups",
    )

    with_groups: Final[tuple[str, ...]]
    without_groups: Final[tuple[str, ...]]
    only_groups: Final[tuple[str, ...]]
    all_groups: Final[bool]
    extras: Final[tuple[str, ...]]
    all_extras: Final[bool]

    def __init__(
        self,
        with_groups: tuple[str, ...] = (),
        without_groups: tuple[str, ...] = (),
        only_groups: tuple[str, ...] = (),
        all_groups: bool = False,
        extras: tuple[str, ...] = (),
        all_extras: bool = False,
    ) -> None:
        self.with_groups = with_groups
        self.without_groups = without_groups
        self.only_groups = only_groups
        self.all_groups = all_groups
        self.extras = extras
        self.all_extras = all_extras

    @classmethod
    def from_poetry_options(cls, option: Callable[[str], Any]) -> SelectionRequest:
        """The request from a Poetry command's options (``with``, ``extras`` ...).

        ``option`` answers a Poetry option name; commands without an option answer
        None, so one builder serves ``lockguard check`` and every guarded command.
        """
        return cls(
            with_groups=tuple(option("with") or ()),
            without_groups=tuple(option("without") or ()),
            only_groups=tuple(option("only") or ()),
            all_groups=bool(option("all-groups")),
            extras=tuple(option("extras") or ()),
            all_extras=bool(option("all-extras")),
        )

    @property
    def is_empty(self) -> bool:
        """True when no selection option was given (``poetry install``'s default)."""
        return self == SelectionRequest()

    def as_dict(self) -> dict[str, Any]:
        """The request as JSON-ready data (recorded in the environment by the guard)."""
        return {
            "with": list(self.with_groups),
            "without": list(self.without_groups),
            "only": list(self.only_groups),
            "all-groups": self.all_groups,
            "extras": list(self.extras),
            "all-extras": self.all_extras,
        }

    @classmethod
    def from_dict(cls, data: Any) -> SelectionRequest | None:
        """The request ``as_dict`` wrote, or None when ``data`` is not such a record."""
        if not isinstance(data, dict):
            return None
        lists = {k: data.get(k, []) for k in ("with", "without", "only", "extras")}
        flags = {k: data.get(k, False) for k in ("all-groups", "all-extras")}
        if not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists.values()
        ) or not all(isinstance(v, bool) for v in flags.values()):
            return None
        return cls(
            with_groups=tuple(lists["with"]),
            without_groups=tuple(lists["without"]),
            only_groups=tuple(lists["only"]),
            all_groups=flags["all-groups"],
            extras=tuple(lists["extras"]),
            all_extras=flags["all-extras"],
        )

    def as_poetry_options(self) -> str:
        """The request as ``poetry sync`` options (" --with docs -E pg"), for hints."""
        parts = [f" --with {g}" for g in self.with_groups]
        parts += [f" --without {g}" for g in self.without_groups]
        parts += [f" --only {g}" for g in self.only_groups]
        parts += [f" -E {e}" for e in self.extras]
        if self.all_groups:
            parts.append(" --all-groups")
        if self.all_extras:
            parts.append(" --all-extras")
        return "".join(parts)

    def _fields(self) -> tuple[object, ...]:
        return (
            self.with_groups,
            self.without_groups,
            self.only_groups,
            self.all_groups,
            self.extras,
            self.all_extras,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SelectionRequest):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"SelectionRequest(with_groups={self.with_groups!r}, "
            f"without_groups={self.without_groups!r}, "
            f"only_groups={self.only_groups!r}, all_groups={self.all_groups!r}, "
            f"extras={self.extras!r}, all_extras={self.all_extras!r})"
        )


class Selection:
    """The resolved groups and extras (normalized names)."""

    __slots__ = ("extras", "groups")

    groups: Final[frozenset[str]]
    extras: Final[frozenset[str]]

    def __init__(
        self,
        groups: frozenset[str],
        extras: frozenset[str],
    ) -> None:
        self.groups = groups
        self.extras = extras

    def as_dict(self) -> dict[str, list[str]]:
        """Sorted lists, for reports."""
        return {"groups": sorted(self.groups), "extras": sorted(self.extras)}

    def _fields(self) -> tuple[object, ...]:
        return (self.groups, self.extras)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selection):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Selection(groups={self.groups!r}, extras={self.extras!r})"


def split_names(values: Iterable[str]) -> list[str]:
    """Split group option values on commas, as Poetry does (``--with docs,test``)."""
    return [name.strip() for value in values for name in value.split(",")]


def split_extras(values: Iterable[str]) -> list[str]:
    """Split extras option values on whitespace, as Poetry does (``-E "pg mysql"``)."""
    return [name for value in values for name in value.split()]


def resolve_selection(request: SelectionRequest, project: Project) -> Selection:
    """Apply ``request`` to the project's groups and extras, as ``poetry install`` does.

    Default: the non-optional groups and no extras. ``--only`` wins over
    ``--with``/``--without``. What Poetry refuses (an unknown group or extra,
    ``--extras`` with ``--all-extras``, a group option with ``--all-groups``) raises
    SelectionError with Poetry's wording.
    """
    if request.all_groups and (
        request.with_groups or request.without_groups or request.only_groups
    ):
        raise SelectionError(
            "You cannot specify `--with`, `--without`, or `--only` when using `--all-groups`."
        )
    known = set(project.groups)
    given = {
        "with": split_names(request.with_groups),
        "without": split_names(request.without_groups),
        "only": split_names(request.only_groups),
    }
    unknown: dict[str, set[str]] = {}
    for option, names in given.items():
        for name in names:
            if str(canonicalize_name(name)) not in known:
                unknown.setdefault(name, set()).add(option)
    if unknown:
        parts = ", ".join(
            f"{name} (via {', '.join(f'--{o}' for o in sorted(unknown[name]))})"
            for name in sorted(unknown)
        )
        raise SelectionError(f"pyproject.toml: Group(s) not found: {parts}")
    norm = {key: {str(canonicalize_name(n)) for n in names} for key, names in given.items()}
    if norm["only"]:
        groups = frozenset(norm["only"])
    elif request.all_groups:
        groups = frozenset(known - norm["without"])
    else:
        groups = frozenset((project.non_optional_groups | norm["with"]) - norm["without"])

    if request.extras and request.all_extras:
        raise SelectionError(
            "You cannot specify explicit `--extras` while installing using `--all-extras`."
        )
    if request.all_extras:
        extras = frozenset(project.extras)
    else:
        extras = frozenset(str(canonicalize_name(e)) for e in split_extras(request.extras))
        missing = sorted(extras - set(project.extras))
        if missing:
            raise SelectionError(f"pyproject.toml: Extra [{missing[0]}] is not specified.")
    return Selection(groups=groups, extras=extras)
