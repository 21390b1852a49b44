"""The one module that touches Poetry's private internals: the file a new Poetry changes.

Poetry's plugin API offers commands and events, not the installer, yet the guard must
see what the installer fetches, builds and installs. Everything it takes from Poetry
beyond the public API is read here, each private name once: the executor's environment,
chooser, artifact cache, authenticator and retry count, its chef and wheel installer
(wrapped), ``_execute_install``/``_execute_update`` (wrapped), the download helper, the
group options of Poetry's commands and the error class Poetry prints without a trace.
``EXECUTOR_CONTRACT`` lists the names the guard needs on an executor, with the
parameters it passes; ``missing_names`` checks them on the live executor before the
guard arms, so that a Poetry without one is refused in enforce mode with one line (exit
code 2), never with an AttributeError half-way through an install.
tests/guard/test_poetry_contract.py asserts the same table on every Poetry CI runs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any


if TYPE_CHECKING:
    from collections.abc import Callable

    from cleo.io.inputs.option import Option
    from poetry.core.packages.package import Package
    from poetry.core.packages.utils.link import Link
    from poetry.installation.executor import Executor
    from poetry.installation.operations.operation import Operation

    from poetry_lockguard.env.download import Source

    Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Need:
    """A name the guard takes from a Poetry object: a dotted attribute path and the
    parameter names it passes when it calls it (checked against the signature)."""

    path: str
    parameters: tuple[str, ...] = ()


#: What the guard uses on an ``Executor`` instance (Poetry 2.0 to the newest 2.x).
EXECUTOR_CONTRACT = (
    Need("execute", ("operations",)),
    Need("enabled"),
    Need("_execute_install", ("operation",)),
    Need("_execute_update", ("operation",)),
    Need("_env"),
    Need("_max_workers"),
    Need("_max_retries"),
    Need("_authenticator"),
    Need("_chooser.choose_for", ("package",)),
    Need("_chooser._no_binary_policy.allows", ("package_name",)),
    Need("_artifact_cache.get_cached_archive_for_link", ("link", "strict", "env", "download_func")),
    Need("_artifact_cache.get_cache_directory_for_git", ("url", "ref", "subdirectory")),
    Need("_chef.prepare", ("archive",)),
    Need("_wheel_installer.install", ("wheel",)),
)

#: The executor methods that run one install or update operation (wrapped).
OPERATION_METHODS = ("_execute_install", "_execute_update")


class MissingInternalsError(Exception):
    """The running Poetry lacks names the guard needs (``names``, as ``Executor.<path>``)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"Poetry {poetry_version()} has no {', '.join(names)}, which the install guard needs"
        )


class NoLockedArtifactError(Exception):
    """Poetry's chooser has candidates for a package, but none with a hash in the lock."""


def poetry_version() -> str:
    """The version of the running Poetry, e.g. ``2.5.1`` (read on every Poetry command
    the plugin loads into: Poetry's own module, not the installed metadata)."""
    from poetry.__version__ import __version__

    return str(__version__)


def missing_names(executor: object) -> list[str]:
    """The ``EXECUTOR_CONTRACT`` entries ``executor`` lacks (or whose signature lacks a
    parameter the guard passes), spelled ``Executor.<path>``; empty when all are there."""
    return [
        f"Executor.{need.path}" + (f"({', '.join(need.parameters)})" if need.parameters else "")
        for need in EXECUTOR_CONTRACT
        if not _satisfied(executor, need)
    ]


def _satisfied(owner: object, need: Need) -> bool:
    target: Any = owner
    for part in need.path.split("."):
        if not hasattr(target, part):
            return False
        target = getattr(target, part)
    if not need.parameters:
        return True
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False
    return all(p in parameters for p in need.parameters)


class ExecutorInternals:
    """The parts of one Poetry ``Executor`` the guard reads and wraps.

    Raises MissingInternalsError when the executor lacks a name of ``EXECUTOR_CONTRACT``.
    """

    def __init__(self, executor: Executor) -> None:
        missing = missing_names(executor)
        if missing:
            raise MissingInternalsError(missing)
        self.executor = executor
        self.env = executor._env
        self.max_workers = int(executor._max_workers)
        self.max_retries = int(executor._max_retries)
        self.authenticator = executor._authenticator
        self.chooser = executor._chooser
        self.no_binary = self.chooser._no_binary_policy
        self.cache = executor._artifact_cache
        self.chef = executor._chef
        self.wheel_installer = executor._wheel_installer

    # -- wrapping ------------------------------------------------------------------
    def wrap_execute(self, wrap: Callable[[Callable[[list[Operation]], int]], Any]) -> None:
        """Replace ``execute`` (all operations of a run) with ``wrap(execute)``."""
        self.executor.execute = wrap(self.executor.execute)  # type: ignore[method-assign]

    def wrap_operations(self, wrap: Wrapper) -> None:
        """Replace the methods that run one install or update operation."""
        for name in OPERATION_METHODS:
            setattr(self.executor, name, wrap(getattr(self.executor, name)))

    def wrap_build(self, wrap: Wrapper) -> None:
        """Replace the chef's ``prepare`` (builds a source tree or sdist into a wheel)."""
        self.chef.prepare = wrap(self.chef.prepare)  # type: ignore[method-assign]

    def wrap_wheel_install(self, wrap: Wrapper) -> None:
        """Replace the wheel installer's ``install`` (unpacks a wheel into the env)."""
        self.wheel_installer.install = wrap(self.wheel_installer.install)  # type: ignore[method-assign]

    # -- reading -------------------------------------------------------------------
    def choose(self, package: Package) -> Link:
        """The archive Poetry's chooser picks for ``package``, as Poetry would.

        Raises NoLockedArtifactError when candidates exist but none has a locked hash:
        told apart from Poetry's other errors by asking again without the lock's
        hashes, not by the text of Poetry's message.
        """
        try:
            return self.chooser.choose_for(package)
        except Exception as error:
            if not package.files:
                raise
            unhashed = package.clone()
            unhashed.files = []
            self.chooser.choose_for(unhashed)  # Poetry's own error when nothing fits
            raise NoLockedArtifactError(package.name) from error

    def allows_wheel(self, package: Package) -> bool:
        """False when ``installer.no-binary`` makes Poetry skip the package's wheels."""
        exact = getattr(self.no_binary, "has_exact_package", None)  # Poetry >= 2.1
        return bool(self.no_binary.allows(package.name)) and not (
            exact is not None and exact(package.name)
        )

    def supports_wheel(self, filename: str) -> bool:
        """True when the environment can install the wheel ``filename``; False for a
        file name that is not a wheel's (nothing installs it)."""
        from poetry.utils.wheel import InvalidWheelNameError
        from poetry.utils.wheel import Wheel

        try:
            wheel = Wheel(filename)
        except InvalidWheelNameError:
            return False
        return bool(wheel.is_supported_by_environment(self.env))

    def cached_archive(self, link: Link) -> Path:
        """The archive of ``link`` in Poetry's artifact cache, downloaded if absent."""
        archive: Path = self.cache.get_cached_archive_for_link(
            link, strict=True, download_func=self._download
        )
        return archive

    def preferred_archive(self, link: Link) -> Path | None:
        """What Poetry's executor installs for ``link``: the cache directory's archive
        best matching the environment (not necessarily the one downloaded)."""
        preferred: Path | None = self.cache.get_cached_archive_for_link(
            link, strict=False, env=self.env
        )
        return preferred

    def git_cache_directory(self, url: str, reference: str, subdirectory: str | None) -> Path:
        """Where Poetry caches wheels built from a git checkout of ``reference``."""
        directory: Path = self.cache.get_cache_directory_for_git(url, reference, subdirectory)
        return directory

    def site_dirs(self) -> tuple[Path, Path]:
        """The environment's purelib and platlib directories."""
        return (self.env.purelib, self.env.platlib)

    def prime_site_packages(self) -> None:
        """Fill Poetry's lazy list of writable site directories before threads read it.

        ``SitePackages.writable_candidates`` is computed on first use; under the
        parallel installer a thread that reads it while another fills it sees it
        empty, and Poetry then writes no ``direct_url.json`` for a url, file or git
        package. Reading it once before the operations closes that race.
        """
        with contextlib.suppress(Exception):  # a failure only reopens Poetry's race
            self.env.site_packages.writable_candidates  # noqa: B018 - fills the cache

    def _download(self, url: str, dest: Path) -> None:
        downloader = downloader_class()(url, dest, self.authenticator, max_retries=self.max_retries)
        for _ in downloader.download_with_progress(chunk_size=64 * 1024):
            pass


def executor_of(command: object) -> Executor:
    """The executor of an installing command's installer."""
    executor: Executor = command.installer.executor  # type: ignore[attr-defined]
    return executor


def downloader_class() -> Any:
    """Poetry's ``Downloader``: in ``poetry.utils.download`` from Poetry 2.1 on, in
    ``poetry.utils.helpers`` in 2.0."""
    module = "poetry.utils.download"
    if importlib.util.find_spec(module) is None:
        module = "poetry.utils.helpers"
    return importlib.import_module(module).Downloader


def refusal_base() -> type[Exception]:
    """The error class Poetry prints as text without a traceback: ``PoetryRuntimeError``
    (Poetry >= 2.1), or ``RuntimeError``, which Poetry 2.0's cleo prints as one block."""
    module = importlib.import_module("poetry.console.exceptions")
    base: type[Exception] = getattr(module, "PoetryRuntimeError", RuntimeError)
    return base


def group_dependency_options() -> list[Option]:
    """Poetry's own ``--with``/``--without``/``--only`` options, for ``lockguard check``."""
    from poetry.console.commands.group_command import GroupCommand

    return GroupCommand._group_dependency_options()


def project_directory(application: object) -> Path:
    """Where Poetry looks for the project: ``-P/--project``, else ``-C/--directory``,
    else the current directory (``Application.project_directory``; a private property
    of the same name with a leading underscore on Poetry 2.0)."""
    directory = getattr(application, "project_directory", None)
    if directory is None:
        directory = getattr(application, "_project_directory", None)
    return Path(directory) if directory is not None else Path.cwd()


# -- Poetry's command classes ----------------------------------------------------------
#: Poetry's guarded command classes by (module, class name). SyncCommand subclasses
#: InstallCommand; the first one along the command's MRO decides.
GUARDED_COMMANDS = {
    ("poetry.console.commands.sync", "SyncCommand"): "sync",
    ("poetry.console.commands.install", "InstallCommand"): "install",
    ("poetry.console.commands.add", "AddCommand"): "add",
    ("poetry.console.commands.update", "UpdateCommand"): "update",
    ("poetry.console.commands.remove", "RemoveCommand"): "remove",
}
#: ``poetry run``'s command class, by (module, class name).
RUN_COMMANDS = {("poetry.console.commands.run", "RunCommand"): "run"}


def command_kind(command: object, kinds: dict[tuple[str, str], str]) -> str | None:
    """The kind of the first class along ``command``'s MRO that ``kinds`` names by
    (module, class name), else None: the same answer as isinstance() against Poetry's
    command classes, without importing their modules (every Poetry command with the
    plugin loaded paid about 3 ms for those imports)."""
    for cls in type(command).__mro__:
        kind = kinds.get((cls.__module__, cls.__name__))
        if kind is not None:
            return kind
    return None


def guarded_command(command: object) -> str | None:
    """``install``/``sync``/``add``/``update``/``remove`` for a guarded command, else None.

    ``poetry self ...`` commands subclass the same classes but work on Poetry's own
    environment: they are never guarded.
    """
    name = str(getattr(command, "name", "") or "")
    if name == "self" or name.startswith("self "):
        return None
    return command_kind(command, GUARDED_COMMANDS)


def is_run_command(command: object) -> bool:
    """Whether ``command`` is ``poetry run``."""
    return command_kind(command, RUN_COMMANDS) is not None


def download_sources(poetry: Any) -> dict[str, Source]:
    """The project's package sources as Poetry knows them, by index URL (the default
    source, PyPI, also under ``DEFAULT``), each with Poetry's credentials for it."""
    from poetry.repositories.http_repository import HTTPRepository
    from poetry.utils.authenticator import Authenticator

    from poetry_lockguard.env.download import DEFAULT
    from poetry_lockguard.env.download import Source

    authenticator = Authenticator(poetry.config)
    sources: dict[str, Source] = {}
    for repository in poetry.pool.all_repositories:
        if not isinstance(repository, HTTPRepository):
            continue
        url = repository.url.rstrip("/") + "/"
        credential = authenticator.get_credentials_for_url(url)
        source = Source(repository.name, url, credential.username or "", credential.password or "")
        sources[url] = source
        if repository.name.lower() == "pypi":
            sources[DEFAULT] = source
    return sources
