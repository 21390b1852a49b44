"""Verification at the point of use: what Poetry builds and installs, checked as it does.

The verification before the first operation (``verify.py``) checks the archives the
guard expects Poetry to use. Poetry can still use others: its executor prefers another
cached wheel from the same cache directory, and for a git dependency it checks out a
tag or branch named like the locked commit before the commit itself. So the guard also
wraps the two places where bytes become code: the build of a source tree or an sdist
and the install of a wheel (both reached through ``poetry_api``). What they are handed must be a locked
artifact, a checkout of the locked commit, or a wheel built in this run from one.
"""

from __future__ import annotations

import functools
import threading

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from poetry_lockguard.findings import finding
from poetry_lockguard.plugin.install_guard.verify import VerifiedArtifact
from poetry_lockguard.plugin.install_guard.verify import check_archive
from poetry_lockguard.plugin.install_guard.verify import package_key
from poetry_lockguard.plugin.refusal import GuardRefusal


if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.core.packages.package import Package

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.plugin.poetry_api import ExecutorInternals


_T = TypeVar("_T")


@dataclass(frozen=True)
class BuiltFromSource:
    """A package whose installed wheel was built in this run, and what it was built from."""

    name: str
    version: str
    origin: str

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.origin})"


class InstallPoint:
    """Wraps an executor's build and wheel install to verify what they are handed.

    ``on_finding`` is called with each finding and decides (refuse or warn); when it
    returns, the operation goes on. ``verified`` maps package keys to the artifact that
    the receipt names; the install point replaces an entry with what it checked itself.
    """

    def __init__(
        self,
        internals: ExecutorInternals,
        on_finding: Callable[[Finding], None],
        verified: dict[tuple[str, str], VerifiedArtifact],
        allow_unhashed: frozenset[str] | set[str],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._internals = internals
        self._on_finding = on_finding
        self._on_error = on_error
        self.verified = verified
        self._allow_unhashed = allow_unhashed
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Wheels built in this run: path -> (package key, what it was built from).
        self._built: dict[Path, tuple[tuple[str, str], str]] = {}
        self.built_from_source: list[BuiltFromSource] = []

    def arm(self) -> None:
        """Replace the executor's chef.prepare and wheel installer's install with checks."""
        self._internals.wrap_build(self._wrap_prepare)
        self._internals.wrap_wheel_install(self._wrap_install)

    def operation(self, run: Callable[[Any], int]) -> Callable[[Any], int]:
        """Wrap the run of one operation: the hooks know which package is in hand."""

        @functools.wraps(run)
        def wrapped(operation: Any) -> int:
            # Poetry points a git package's source_url at its checkout while it builds.
            self._local.package = operation.package
            self._local.source_url = operation.package.source_url or ""
            try:
                return run(operation)
            finally:
                self._local.package = None

        return wrapped

    def _current(self) -> Package | None:
        return getattr(self._local, "package", None)

    def _safely(
        self, check: Callable[[Package, Path], _T], package: Package, path: Path, default: _T
    ) -> _T:
        """Run a check; a crash goes to ``on_error``, which refuses (or, in warn mode,
        reports and lets the operation go on with ``default``)."""
        try:
            return check(package, path)
        except GuardRefusal:
            raise  # on_finding refused: a decision, not a failure
        except Exception as e:
            if self._on_error is None:
                raise
            self._on_error(e)
            return default

    # -- builds ---------------------------------------------------------------------
    def _wrap_prepare(self, prepare: Callable[..., Path]) -> Callable[..., Path]:
        @functools.wraps(prepare)
        def wrapped(archive: Path, *args: Any, **kwargs: Any) -> Path:
            package = self._current()
            origin = ""
            if package is not None:
                origin = self._safely(self._check_build_input, package, Path(archive), "unverified")
            result = prepare(archive, *args, **kwargs)
            if package is not None and Path(result) != Path(archive):
                with self._lock:
                    self._built[Path(result).resolve()] = (package_key(package), origin)
            return result

        return wrapped

    def _check_build_input(self, package: Package, archive: Path) -> str:
        """Verify what is about to be built; returns how to name its origin."""
        source = package.source_type or ""
        if source == "git":
            expected = (package.source_resolved_reference or "").lower()
            head = checkout_head(archive)
            url = getattr(self._local, "source_url", "") or package.source_url or ""
            if head != expected:
                self._on_finding(
                    finding(
                        "source-mismatch",
                        package.name,
                        f"{package.pretty_name} {package.version.text}: Poetry checked out"
                        f" commit {head or 'unknown'} of {url}, but poetry.lock pins"
                        f" {expected or 'no commit'} (a tag or branch named like the"
                        " commit points elsewhere?); it was not built",
                        expected=expected,
                        found=head or "unknown",
                    )
                )
            else:
                self.verified[package_key(package)] = VerifiedArtifact(
                    url=url, sha256="", commit=head
                )
            return f"git {head[:12]}"
        if source == "directory" or archive.is_dir():
            return "directory"
        found, _ = check_archive(package, archive)
        if found is not None:
            self._on_finding(found)
        elif not package.files and package.name not in self._allow_unhashed:
            self._on_finding(_unverified(package, archive.name))
        return "sdist" if archive.suffix != ".whl" else "wheel"

    # -- installs -------------------------------------------------------------------
    def _wrap_install(self, install: Callable[[Path], None]) -> Callable[[Path], None]:
        @functools.wraps(install)
        def wrapped(wheel: Path) -> None:
            package = self._current()
            if package is not None:
                self._safely(self._check_installed_archive, package, Path(wheel), None)
            install(wheel)

        return wrapped

    def _check_installed_archive(self, package: Package, wheel: Path) -> None:
        key = package_key(package)
        with self._lock:
            built = self._built.get(wheel.resolve())
        if built is not None and built[0] == key:
            self.built_from_source.append(
                BuiltFromSource(package.pretty_name, package.version.text, built[1])
            )
            return
        source = package.source_type or ""
        if source in ("git", "directory"):
            # Not built in this run: a wheel cached from an earlier build, which
            # nothing can tie to the locked commit or directory.
            self._on_finding(_unverified(package, wheel.name))
            return
        found, sha256 = check_archive(package, wheel)
        if found is not None:
            self._on_finding(found)
            return
        if not package.files:
            if package.name not in self._allow_unhashed:
                self._on_finding(_unverified(package, wheel.name))
            return
        earlier = self.verified.get(key)
        self.verified[key] = VerifiedArtifact(
            url=earlier.url if earlier is not None else wheel.as_uri(), sha256=sha256
        )


def _unverified(package: Package, name: str) -> Finding:
    return finding(
        "hash-mismatch",
        package.name,
        f"{name} for {package.pretty_name} {package.version.text} was about to be"
        " installed although nothing ties it to poetry.lock (no locked hash, not built"
        " in this run from a verified source)",
        expected="a locked artifact, or a wheel built from one in this run",
        found=name,
    )


def checkout_head(path: Path) -> str:
    """The commit checked out in the git work tree that holds ``path``, or "".

    Read with dulwich (which Poetry itself clones with), so no git binary is needed.
    """
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    try:
        repo = Repo.discover(str(path))
    except NotGitRepository:
        return ""
    try:
        return repo.head().decode("ascii").lower()
    except KeyError:
        return ""
    finally:
        repo.close()
