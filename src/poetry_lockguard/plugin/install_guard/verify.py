"""Verify before build: download every archive a transaction needs and check its hash.

The archives are fetched with the executor's own chooser and into its own artifact
cache (through ``poetry_api``), so that Poetry's run afterwards finds them cached and installs exactly the bytes
verified here. A mismatching archive is removed from the cache and never built.
"""

from __future__ import annotations

import hashlib

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard.findings import finding
from poetry_lockguard.lock.model import ARCHIVELESS_SOURCE_TYPES
from poetry_lockguard.lock.model import WEAK_ALGORITHMS
from poetry_lockguard.plugin.poetry_api import NoLockedArtifactError


if TYPE_CHECKING:
    from poetry.core.packages.package import Package
    from poetry.core.packages.utils.link import Link

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.plugin.poetry_api import ExecutorInternals


@dataclass(frozen=True)
class VerifiedArtifact:
    """What was verified for a package: an archive (URL, sha256 and its file name as
    Poetry names it: unquoted, without a query) or a git commit."""

    url: str
    sha256: str
    commit: str = ""
    name: str = ""


@dataclass
class Verification:
    """What verification found: refusals, and the artifacts to write receipts for."""

    findings: list[Finding]
    verified: dict[tuple[str, str], VerifiedArtifact]


def package_key(package: Package) -> tuple[str, str]:
    """(normalized name, version): how the guard refers to a package across steps."""
    return (package.name, package.version.text)


class ArtifactVerifier:
    """Fetches and verifies the archives of the packages an executor is about to install."""

    def __init__(self, internals: ExecutorInternals) -> None:
        self._internals = internals

    def verify(self, packages: list[Package]) -> Verification:
        """Check every package's archive; all of them, so that a refusal names them all."""
        result = Verification(findings=[], verified={})
        jobs = self._archives(packages, result.findings, evict=True)
        workers = max(1, min(len(jobs), self._internals.max_workers))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(lambda job: self._fetch_and_check(*job), jobs))
        for (package, _), (found, artifact) in zip(jobs, outcomes):
            if found is not None:
                result.findings.append(found)
            elif artifact is not None:
                result.verified[package_key(package)] = artifact
        return result

    def planned_archives(
        self, packages: list[Package], findings: list[Finding]
    ) -> dict[tuple[str, str], str]:
        """The file name of the archive each package would be installed from, chosen as
        ``verify`` chooses but with nothing downloaded or evicted (a dry run); what the
        choice finds (``hash-mismatch``, ``sdist-fallback``) goes to ``findings``."""
        return {
            package_key(package): archive.name if isinstance(archive, Path) else archive.filename
            for package, archive in self._archives(packages, findings, evict=False)
        }

    def _archives(
        self, packages: list[Package], findings: list[Finding], *, evict: bool
    ) -> list[tuple[Package, Link | Path]]:
        jobs: list[tuple[Package, Link | Path]] = []
        for package in packages:
            # Dispatch exactly as Poetry's executor does: only "git"
            # and "directory", spelled so, install without an archive; every other
            # type, "Legacy" or "hg" included, is downloaded from a package index.
            source = package.source_type or ""
            if source in ARCHIVELESS_SOURCE_TYPES:
                # git is pinned by commit (unpinned-vcs) and its checkout verified when
                # it is built (hooks.py); a directory is the project's own code.
                if source == "git" and evict:
                    self._evict_git_builds(package)
                continue
            if source == "url":
                from poetry.core.packages.utils.link import Link

                jobs.append((package, Link(package.source_url or "")))
            elif source == "file":
                path = Path(package.source_url or "")
                if not path.is_absolute() and package.root_dir is not None:
                    path = package.root_dir / path
                jobs.append((package, path.resolve()))
            else:
                link = self._choose(package, findings)
                if link is not None:
                    jobs.append((package, link))
        return jobs

    def _choose(self, package: Package, findings: list[Finding]) -> Link | None:
        try:
            link = self._internals.choose(package)
        except NoLockedArtifactError:
            findings.append(
                finding(
                    "hash-mismatch",
                    package.name,
                    f"no artifact of {package.pretty_name} {package.version.text}"
                    " on the source matches a hash in poetry.lock",
                    expected="an artifact hashed in poetry.lock",
                    found="none",
                )
            )
            return None
        if not link.is_wheel and self._internals.allows_wheel(package):
            wheels = self._compatible_locked_wheels(package)
            if wheels:
                findings.append(
                    finding(
                        "sdist-fallback",
                        package.name,
                        f"{package.pretty_name} {package.version.text} would be built from"
                        f" {link.filename} although poetry.lock lists the compatible wheel"
                        f" {wheels[0]}, whose hash no artifact on the source matches",
                        expected=wheels[0],
                        found=link.filename,
                    )
                )
                return None
        return link

    def _compatible_locked_wheels(self, package: Package) -> list[str]:
        names = []
        for f in package.files:
            name = str(f.get("file", ""))
            if name.endswith(".whl") and self._internals.supports_wheel(name):
                names.append(name)
        return names

    def _fetch_and_check(
        self, package: Package, origin: Link | Path
    ) -> tuple[Finding | None, VerifiedArtifact | None]:
        if isinstance(origin, Path):
            archive, url = origin, origin.as_uri()
        else:
            archive = self._internals.cached_archive(origin)
            url = origin.url_without_fragment
        found, sha256 = check_archive(package, archive)
        if found is not None:
            if not isinstance(origin, Path):
                # Never leave bytes that failed verification where Poetry would use them.
                archive.unlink(missing_ok=True)
            return found, None
        if not isinstance(origin, Path):
            found = self._check_preferred(package, origin, archive)
            if found is not None:
                return found, None
        return None, VerifiedArtifact(url=url, sha256=sha256, name=archive.name)

    def _check_preferred(self, package: Package, link: Link, archive: Path) -> Finding | None:
        """What Poetry's executor will install instead of ``archive``, if anything.

        The executor asks the artifact cache for the archive best matching the
        environment in the link's cache directory, not for the one downloaded. Another
        wheel there is a planted one (refused: ``hash-mismatch``) unless it is locked;
        next to an sdist it is an earlier build, which nothing ties to the verified
        sdist: it is removed, so Poetry builds again from the verified bytes.
        """
        for _ in range(100):
            preferred = self._internals.preferred_archive(link)
            if preferred is None or preferred == archive:
                return None
            if any(str(f.get("file", "")) == preferred.name for f in package.files):
                found, _ = check_archive(package, preferred)
                if found is None:
                    return None
            if archive.suffix == ".whl":
                return finding(
                    "hash-mismatch",
                    package.name,
                    f"Poetry's artifact cache holds {preferred.name} next to the verified"
                    f" {archive.name} for {package.pretty_name} {package.version.text} and"
                    " would install it instead; its hash is not in poetry.lock"
                    f" ({preferred})",
                    expected=archive.name,
                    found=str(preferred),
                )
            preferred.unlink(missing_ok=True)
        return None

    def _evict_git_builds(self, package: Package) -> None:
        """Remove wheels cached for the locked commit, so Poetry checks out and builds.

        A cached build cannot be tied to the commit it was built from (an earlier run
        may have checked out a branch named like it); the build is verified instead.
        """
        if not package.source_url or not package.source_resolved_reference:
            return
        directory = self._internals.git_cache_directory(
            package.source_url,
            package.source_resolved_reference,
            package.source_subdirectory,
        )
        for wheel in directory.glob("*.whl"):
            wheel.unlink(missing_ok=True)


def check_archive(package: Package, archive: Path) -> tuple[Finding | None, str]:
    """Compare ``archive`` with the lock's hashes for its file name.

    Returns (finding or None, sha256 hex of the archive). A package without any hash
    (allowed by policy) passes: there is nothing to compare, and the gate decided.
    """
    locked = [
        str(f.get("hash", "") or "")
        for f in package.files
        if str(f.get("file", "")) == archive.name
    ]
    algorithms = {h.partition(":")[0].lower() for h in locked if ":" in h}
    algorithms.add("sha256")
    digests = _digests(archive, algorithms)
    sha256 = digests["sha256"]
    if not package.files:
        return None, sha256
    strong = [h for h in locked if h.partition(":")[0].lower() not in WEAK_ALGORITHMS]
    if not locked:
        listed = ", ".join(sorted(str(f.get("file", "")) for f in package.files))
        return (
            finding(
                "hash-mismatch",
                package.name,
                f"{archive.name} for {package.pretty_name} {package.version.text} is not"
                f" listed in poetry.lock (locked files: {listed})",
                expected=listed,
                found=f"{archive.name} sha256:{sha256}",
            ),
            sha256,
        )
    candidates = strong or locked
    for entry in candidates:
        algorithm, _, digest = entry.partition(":")
        if digests.get(algorithm.lower()) == digest.lower():
            return None, sha256
    return (
        finding(
            "hash-mismatch",
            package.name,
            f"{archive.name} for {package.pretty_name} {package.version.text} does not"
            f" match poetry.lock (got sha256:{sha256})",
            expected=", ".join(candidates),
            found=f"sha256:{sha256}",
        ),
        sha256,
    )


def _digests(path: Path, algorithms: set[str]) -> dict[str, str]:
    hashers = {}
    for algorithm in algorithms:
        try:
            hashers[algorithm] = hashlib.new(algorithm)
        except ValueError:
            continue
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}
