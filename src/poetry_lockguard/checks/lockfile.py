"""Checks of the lock itself: present, fresh, hashed, pinned."""

from __future__ import annotations

import re

from poetry_lockguard.findings import finding


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from poetry_lockguard.config import Policy
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.lock.project import Project

#: Patterns compiled when first used (re caches them): most checks never need them.
_FULL_COMMIT = r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$"


def lock_missing_finding() -> Finding:
    """The finding for a project without poetry.lock."""
    return finding(
        "lock-missing",
        None,
        "poetry.lock does not exist: run `poetry lock` and commit the file",
        expected="poetry.lock",
        found="nothing",
    )


class FreshnessCheck:
    """``lock-stale``: the lock's content-hash no longer matches pyproject.toml."""

    def run(self, lock: Lock, project: Project) -> list[Finding]:
        """One finding when pyproject.toml changed since the lock was written."""
        if project.matches_content_hash(lock.content_hash, lock.generated_by):
            return []
        return [
            finding(
                "lock-stale",
                None,
                "pyproject.toml changed significantly since poetry.lock was written:"
                " run `poetry lock`",
                expected=project.content_hash(),
                found=lock.content_hash,
            )
        ]


class HashCheck:
    """``unhashed``, ``weak-hash`` and ``unpinned-vcs`` for the packages given."""

    def run(self, packages: Iterable[LockedPackage], policy: Policy) -> list[Finding]:
        """Findings for packages whose artifacts the lock does not pin by hash or commit."""
        findings: list[Finding] = []
        for package in packages:
            found = package_hash_finding(package, policy)
            if found is not None:
                findings.append(found)
        return findings


def package_hash_finding(package: LockedPackage, policy: Policy) -> Finding | None:
    """The hash finding for one package, or None when it is pinned (or allowed)."""
    if package.source.type == "git":
        commit = package.source.resolved_reference
        if not re.match(_FULL_COMMIT, commit.lower()):
            return finding(
                "unpinned-vcs",
                package.name,
                f"{package.name} {package.version} from git is not pinned to a full commit",
                expected="a 40-hex commit in resolved_reference",
                found=commit or package.source.reference or "nothing",
                line=package.line,
            )
        return None
    if not package.needs_hashes or package.name in policy.allow_unhashed:
        return None
    if not package.files or not any(f.algorithm for f in package.files):
        source = ""
        if not package.source.is_recognised:
            source = (
                f" (source type {package.source.type!r} is not one Poetry knows: it would"
                " install the package from a package index)"
            )
        return finding(
            "unhashed",
            package.name,
            f"{package.name} {package.version} has no hashes in poetry.lock, so its"
            f" artifacts cannot be verified{source}",
            expected="sha256 hashes",
            found="none",
            line=package.line,
        )
    if not package.strong_files:
        algorithms = sorted({f.algorithm for f in package.files if f.algorithm})
        return finding(
            "weak-hash",
            package.name,
            f"{package.name} {package.version} is hashed only with"
            f" {'/'.join(algorithms)}, which cannot prove an artifact's identity",
            expected="sha256 or stronger",
            found=", ".join(algorithms),
            line=package.line,
        )
    return None
