"""``[tool.lockguard]`` in pyproject.toml, validated into a frozen Policy."""

from __future__ import annotations

from poetry_lockguard.errors import ConfigError
from poetry_lockguard.names import canonicalize_name


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any
    from typing import Final


MODES = ("enforce", "warn", "off")
MODE_VARIABLE = "POETRY_LOCKGUARD_MODE"
ON_RUN_MODES = ("refuse", "sync", "warn", "off")
ON_RUN_VARIABLE = "POETRY_LOCKGUARD_ON_RUN"
#: Set for the inner ``poetry install`` of ``on-run = "sync"`` and of ``repair``: its own
#: check after the install leaves ``extraneous`` to the caller, which reports it once.
RUN_SYNC_VARIABLE = "POETRY_LOCKGUARD_RUN_SYNC"
BUILD_POLICIES = ("allow", "warn", "refuse")
SEED_POLICIES = ("info", "error")
#: What venv tools install into a new virtualenv: ensurepip (pip; setuptools before
#: Python 3.12), virtualenv (pip; setuptools and wheel for Python < 3.12), uv --seed
#: (packaging too, which its wheel requires), and the top-level names each may own.
SEED_FILES: dict[str, tuple[str, ...]] = {
    "pip": ("pip/",),
    "setuptools": ("setuptools/", "pkg_resources/", "_distutils_hack/", "distutils-precedence.pth"),
    "wheel": ("wheel/",),
    "packaging": ("packaging/",),
}
SEED_PACKAGES = frozenset(SEED_FILES)
#: A seed package that only comes with another one (uv seeds packaging for wheel).
SEED_DEPENDENCIES = {"packaging": "wheel"}
#: What the venv tools write as a seed package's INSTALLER.
SEED_INSTALLERS = frozenset({"pip", "uv"})


class Policy:
    """What the team agreed on: which deviations are allowed and how the guard acts."""

    __slots__ = (
        "allow_build",
        "allow_extraneous",
        "allow_unhashed",
        "build",
        "download_archives",
        "mode",
        "on_run",
        "pip_fence",
        "require_anchored",
        "require_receipts",
        "seed_packages",
        "wheelhouse",
    )

    allow_extraneous: Final[frozenset[str]]
    allow_unhashed: Final[frozenset[str]]
    mode: Final[str]
    require_receipts: Final[bool]
    on_run: Final[str]
    pip_fence: Final[bool]
    build: Final[str]
    allow_build: Final[frozenset[str]]
    #: The severity of ``seed-package``: "info" (default) or "error".
    seed_packages: Final[str]
    #: ``unanchored`` is an error, not a warning (for images that have no cache).
    require_anchored: Final[bool]
    #: Directories of locked archives (relative to the project), after Poetry's cache.
    wheelhouse: Final[tuple[str, ...]]
    #: ``check --integrity`` downloads the locked archives it finds nowhere here.
    download_archives: Final[bool]

    def __init__(
        self,
        allow_extraneous: frozenset[str] = frozenset({"pip"}),
        allow_unhashed: frozenset[str] = frozenset(),
        mode: str = "enforce",
        require_receipts: bool = False,
        on_run: str = "refuse",
        pip_fence: bool = True,
        build: str = "allow",
        allow_build: frozenset[str] = frozenset(),
        seed_packages: str = "info",
        require_anchored: bool = False,
        wheelhouse: tuple[str, ...] = (),
        download_archives: bool = False,
    ) -> None:
        self.allow_extraneous = allow_extraneous
        self.allow_unhashed = allow_unhashed
        self.mode = mode
        self.require_receipts = require_receipts
        self.on_run = on_run
        self.pip_fence = pip_fence
        self.build = build
        self.allow_build = allow_build
        self.seed_packages = seed_packages
        self.require_anchored = require_anchored
        self.wheelhouse = wheelhouse
        self.download_archives = download_archives

    def requiring_anchored(self) -> Policy:
        """This policy with ``require-anchored`` on (what ``--strict`` asks for)."""
        return Policy(
            self.allow_extraneous,
            self.allow_unhashed,
            self.mode,
            self.require_receipts,
            self.on_run,
            self.pip_fence,
            self.build,
            self.allow_build,
            self.seed_packages,
            True,
            self.wheelhouse,
            self.download_archives,
        )

    def _fields(self) -> tuple[object, ...]:
        return (
            self.allow_extraneous,
            self.allow_unhashed,
            self.mode,
            self.require_receipts,
            self.on_run,
            self.pip_fence,
            self.build,
            self.allow_build,
            self.seed_packages,
            self.require_anchored,
            self.wheelhouse,
            self.download_archives,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Policy(allow_extraneous={self.allow_extraneous!r}, "
            f"allow_unhashed={self.allow_unhashed!r}, mode={self.mode!r}, "
            f"require_receipts={self.require_receipts!r}, on_run={self.on_run!r}, "
            f"pip_fence={self.pip_fence!r}, build={self.build!r}, "
            f"allow_build={self.allow_build!r}, seed_packages={self.seed_packages!r}, "
            f"require_anchored={self.require_anchored!r}, "
            f"wheelhouse={self.wheelhouse!r}, download_archives={self.download_archives!r})"
        )


def _names(key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"pyproject.toml: [tool.lockguard] {key} must be an array of package names"
        )
    return frozenset(str(canonicalize_name(v)) for v in value)


def _choice(choices: tuple[str, ...]) -> Any:
    def parse(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(
                f"pyproject.toml: [tool.lockguard] {key} must be one of"
                f" {', '.join(repr(m) for m in choices)}, not {value!r}"
            )
        return str(value)

    return parse


_mode = _choice(MODES)


def _paths(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"pyproject.toml: [tool.lockguard] {key} must be a directory or an array of them"
        )
    return tuple(value)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"pyproject.toml: [tool.lockguard] {key} must be true or false")
    return value


_KEYS = {
    "allow-extraneous": ("allow_extraneous", _names),
    "allow-unhashed": ("allow_unhashed", _names),
    "mode": ("mode", _mode),
    "require-receipts": ("require_receipts", _bool),
    "on-run": ("on_run", _choice(ON_RUN_MODES)),
    "pip-fence": ("pip_fence", _bool),
    "build": ("build", _choice(BUILD_POLICIES)),
    "allow-build": ("allow_build", _names),
    "seed-packages": ("seed_packages", _choice(SEED_POLICIES)),
    "require-anchored": ("require_anchored", _bool),
    "wheelhouse": ("wheelhouse", _paths),
    "download-archives": ("download_archives", _bool),
}


def load_policy(table: Any) -> Policy:
    """Build a Policy from the raw ``[tool.lockguard]`` table.

    Unknown keys and values of the wrong type raise ConfigError naming the key, so a
    typo never silently weakens the policy.
    """
    if table is None:
        return Policy()
    if not isinstance(table, dict):
        raise ConfigError("pyproject.toml: [tool.lockguard] must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"pyproject.toml: [tool.lockguard] unknown key {unknown[0]!r}"
            f" (known: {', '.join(_KEYS)})"
        )
    values: dict[str, Any] = {
        attr: parse(key, table[key]) for key, (attr, parse) in _KEYS.items() if key in table
    }
    return Policy(**values)


def mode_override(environ: Mapping[str, str]) -> str | None:
    """The mode ``POETRY_LOCKGUARD_MODE`` asks for, validated; None when unset."""
    return _override(environ, MODE_VARIABLE, MODES)


def on_run_override(environ: Mapping[str, str]) -> str | None:
    """The ``on-run`` mode ``POETRY_LOCKGUARD_ON_RUN`` asks for; None when unset."""
    return _override(environ, ON_RUN_VARIABLE, ON_RUN_MODES)


def _override(environ: Mapping[str, str], variable: str, choices: tuple[str, ...]) -> str | None:
    value = environ.get(variable)
    if value is None or value == "":
        return None
    if value not in choices:
        raise ConfigError(f"{variable}: must be one of {', '.join(choices)}, not {value!r}")
    return value
