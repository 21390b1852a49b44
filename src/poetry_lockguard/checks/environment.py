"""Checks of the environment against the lock: missing, version, extraneous, source."""

from __future__ import annotations

import itertools
import os
import re

from collections import Counter
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

from poetry_lockguard.config import SEED_DEPENDENCIES
from poetry_lockguard.config import SEED_FILES
from poetry_lockguard.config import SEED_INSTALLERS
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.versions import same_version


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from poetry_lockguard.config import Policy
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedPackage


#: Entry-point groups that make a distribution a Poetry plugin.
POETRY_PLUGIN_GROUPS = frozenset({"poetry.application.plugin", "poetry.plugin"})


def poetry_installation(
    by_name: Mapping[str, Distribution], required: Mapping[str, object]
) -> set[str]:
    """The installed names that belong to a Poetry installed into this environment
    itself and not locked: ``poetry``, its plugins (this one included) and everything
    they require, transitively, that is installed and the lock does not require. Empty
    when no ``poetry`` distribution is here, or when the lock requires Poetry (then it
    is the project's dependency, checked like any other)."""
    from poetry_lockguard.env.distributions import entry_point_groups
    from poetry_lockguard.env.distributions import requirement_names

    if "poetry" not in by_name or "poetry" in required:
        return set()
    roots = {"poetry"} | {
        name
        for name, dist in by_name.items()
        if name not in required and entry_point_groups(dist) & POETRY_PLUGIN_GROUPS
    }
    found: set[str] = set()
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        if name in found or name in required or name not in by_name:
            continue
        found.add(name)
        todo += sorted(requirement_names(by_name[name]) - found)
    return found


def is_seed_package(dist: Distribution, by_name: Mapping[str, Distribution]) -> bool:
    """True when ``dist`` is what a venv tool seeds a new virtualenv with, by its own
    evidence: one of those names (packaging only beside a seeded wheel), a dist-info
    whose INSTALLER is pip's or uv's (not Poetry's: a package Poetry installed is
    drift when the lock no longer requires it), and a RECORD listing only that
    package's own files and scripts. A planted ``.pth`` or a file in another
    package's directory makes it an ordinary extraneous package."""
    name = dist.name
    needs = SEED_DEPENDENCIES.get(name)
    if name not in SEED_FILES:
        return False
    if needs is not None and (needs not in by_name or not is_seed_package(by_name[needs], by_name)):
        return False
    if not dist.is_dist_info or dist.installer() not in SEED_INSTALLERS:
        return False
    from poetry_lockguard.env.record import RecordMissingError
    from poetry_lockguard.env.record import read_record

    try:
        record = read_record(dist.path / "RECORD")
    except RecordMissingError:
        return False
    if record.problems:
        return False
    own = (*SEED_FILES[name], f"{dist.path.name}/")
    marker = f"{dist.path.name[: -len('.dist-info')]}.virtualenv"  # virtualenv's own
    paths = [e.path for e in record.entries] + [path for _, path in record.unhashed]
    script = re.compile(rf"{re.escape(name)}(-?[0-9][0-9.]*)?(\.exe)?", re.IGNORECASE)
    for path in paths:
        parts = path.replace("\\", "/").split("/")
        if ".." not in parts and (path.startswith(own) or path == marker):
            continue
        # A console script (bin/pip, pip3, pip-3.11, pip3.11): up out of site-packages.
        up = len(parts) - len(list(itertools.dropwhile(lambda p: p == "..", parts)))
        is_script = (
            up >= 1
            and len(parts) == up + 2
            and parts[-2] in ("bin", "Scripts")
            and script.fullmatch(parts[-1]) is not None
        )
        if not is_script:
            return False
    return True


class EnvironmentCheck:
    """Compare installed distributions with the locked packages a selection requires."""

    def __init__(self, project_dir: Path, root_name: str, *, runs_here: bool = False) -> None:
        self._project_dir = project_dir
        self._root_name = root_name
        #: The checked environment is the one this check runs in: a Poetry installed
        #: there is the one running (or one installed beside lockguard itself), so its
        #: packages are ``tool-package``. Anywhere else a ``poetry`` distribution is
        #: only a package: one planted to claim others as its own earns nothing.
        self._runs_here = runs_here

    def run(
        self,
        required: Mapping[str, LockedPackage],
        installed: list[Distribution],
        policy: Policy,
        unselected: Mapping[str, tuple[LockedPackage, tuple[str, ...]]] | None = None,
        *,
        strict: bool = False,
        alternatives: Mapping[str, list[LockedPackage]] | None = None,
    ) -> list[Finding]:
        """``missing``, ``version-mismatch``, ``source-mismatch``, ``extraneous``,
        ``seed-package`` (pip, setuptools or wheel that came with the venv: info, or an
        error with ``seed-packages = "error"``), ``unselected`` (a locked package of a
        group or extra outside the selection,
        installed at its locked version: a warning, an error with ``strict``),
        ``duplicate-distribution``, ``metadata-mismatch`` and ``invalid-distribution``
        findings."""
        findings: list[Finding] = []
        by_name: dict[str, Distribution] = {}
        seen: dict[str, list[Distribution]] = {}
        for dist in installed:
            if dist.problem:
                findings.append(
                    finding(
                        dist.problem_code,
                        dist.name,
                        f"{dist.path.name}: {dist.problem}{dist.location}",
                        path=str(dist.path),
                    )
                )
            else:
                seen.setdefault(dist.name, []).append(dist)
        ambiguous: set[str] = set()
        by_name.update((name, dists[0]) for name, dists in seen.items())
        for name in sorted(seen):
            shadowing = len({d.path.parent for d in seen[name]}) == len(seen[name])
            if (
                shadowing
                and len(seen[name]) > 1
                and name not in required
                and (
                    name in policy.allow_extraneous
                    or all(is_seed_package(d, by_name) for d in seen[name])
                )
            ):
                continue  # pip in the venv over the base interpreter's pip: nothing to say
            if len(seen[name]) > 1:
                duplicate = _duplicate_finding(name, seen[name], required.get(name))
                findings.append(duplicate)
                if duplicate.severity is Severity.ERROR:
                    ambiguous.add(name)

        for name in sorted(required):
            package = required[name]
            if name in ambiguous:
                continue  # reported as duplicate-distribution: neither copy is picked
            found_dist = by_name.get(name)
            if found_dist is None:
                findings.append(
                    finding(
                        "missing",
                        name,
                        f"{name} {package.version} is required by poetry.lock but not installed",
                        expected=package.version,
                        found=None,
                        line=package.line,
                    )
                )
                continue
            dist = found_dist
            for other in (alternatives or {}).get(name, ()):
                # A name the lock holds twice for this target (ambiguous-lock): Poetry
                # installs both, so either version is what poetry.lock says.
                if same_version(dist.version, other.version):
                    package = other
            if not same_version(dist.version, package.version):
                findings.append(
                    finding(
                        "version-mismatch",
                        name,
                        f"{name} is installed at {dist.version}, poetry.lock has"
                        f" {package.version}{dist.location}",
                        expected=package.version,
                        found=dist.version,
                        line=package.line,
                    )
                )
                continue
            direct, problem = dist.read_json("direct_url.json")
            if problem:
                findings.append(
                    finding(
                        "invalid-distribution",
                        name,
                        f"{dist.path.name}: {problem}{dist.location}",
                        line=package.line,
                        path=str(dist.path / "direct_url.json"),
                    )
                )
                continue
            findings += self._source_findings(name, package, dist, direct)

        tools = poetry_installation(by_name, required) if self._runs_here else set()
        for name in sorted(by_name):
            if name in required or name in policy.allow_extraneous or name in ambiguous:
                continue
            dist = by_name[name]
            if name == self._root_name and self._own_install(dist):
                continue
            outside = (unselected or {}).get(name)
            if outside is not None and same_version(dist.version, outside[0].version):
                package, ways = outside
                # Locked, if for another selection: it must still come from where the
                # lock says (a reinstall from elsewhere is foreign whatever selects it).
                direct, problem = dist.read_json("direct_url.json")
                source = [] if problem else self._source_findings(name, package, dist, direct)
                if source:
                    findings += source
                    continue
                findings.append(
                    finding(
                        "unselected",
                        name,
                        f"{name} {dist.version} is locked, but for {' or '.join(ways)}, which"
                        f" this check does not select{dist.location}",
                        # The first option that selects it (the message names every one).
                        expected=ways[0],
                        found=dist.version,
                        line=package.line,
                        severity=Severity.ERROR if strict else None,
                    )
                )
                continue
            if name in tools:
                # Poetry's own installation shares this environment (virtualenvs.create
                # = false in an image): not drift, and `poetry sync` would remove Poetry.
                findings.append(
                    finding(
                        "tool-package",
                        name,
                        f"{name} {dist.version} belongs to the Poetry installation in this"
                        f" environment (Poetry, its plugins and what they require), not to"
                        f" poetry.lock{dist.location}",
                        found=dist.version,
                        path=str(dist.path),
                    )
                )
                continue
            if is_seed_package(dist, by_name):
                # Installed with the venv, not by Poetry: not drift (a package Poetry
                # installed and the lock no longer requires is extraneous).
                findings.append(
                    finding(
                        "seed-package",
                        name,
                        f"{name} {dist.version} is a seed package (installed with the"
                        f" virtualenv or the interpreter, not by Poetry), not from"
                        f" poetry.lock{dist.location}",
                        found=dist.version,
                        path=str(dist.path),
                        severity=Severity.ERROR if policy.seed_packages == "error" else None,
                    )
                )
                continue
            findings.append(
                finding(
                    "extraneous",
                    name,
                    f"{name} {dist.version} is installed but not required by poetry.lock"
                    f" for this selection{dist.location}",
                    expected=None,
                    found=dist.version,
                    path=str(dist.path) if dist.origin else None,
                )
            )
        return findings

    def _source_findings(
        self, name: str, package: LockedPackage, dist: Distribution, direct: dict[str, Any] | None
    ) -> list[Finding]:
        """``source-mismatch`` when ``dist`` was installed from another source than the
        lock's, else nothing."""
        mismatch = self._source_mismatch(package, dist, direct)
        if mismatch is None:
            return []
        expected, found = mismatch
        return [
            finding(
                "source-mismatch",
                name,
                f"{name} {dist.version} is installed from {found}, poetry.lock"
                f" has it from {expected}{dist.location}",
                expected=expected,
                found=found,
                line=package.line,
            )
        ]

    def _own_install(self, dist: Distribution) -> bool:
        """Whether ``dist`` is this project's own install (``poetry install`` of the
        root: its ``direct_url.json`` names the project directory). Anything else named
        like the project, from an index or another directory, is not exempt."""
        direct, problem = dist.read_json("direct_url.json")
        if problem or direct is None or "dir_info" not in direct:
            return False
        found = _file_url_path(str(direct.get("url", "")))
        return found is not None and found == self._project_dir.resolve()

    def _source_mismatch(
        self, package: LockedPackage, dist: Distribution, direct: dict[str, Any] | None
    ) -> tuple[str, str] | None:
        found = describe_direct_url(direct)
        source = package.source
        if source.is_registry:
            if direct is None:
                return None
            return ("a package index", found)
        if direct is None:
            return (f"{source.type} {source.url}", "a package index")
        url = str(direct.get("url", ""))
        if source.type == "git":
            vcs = direct.get("vcs_info")
            commit = vcs.get("commit_id", "") if isinstance(vcs, dict) else ""
            expected = f"git {source.url}@{source.resolved_reference}"
            if not isinstance(vcs, dict) or commit != source.resolved_reference:
                return (expected, found)
            if _norm_vcs(url) != _norm_vcs(source.url):
                return (expected, found)
            return None
        if source.type == "url":
            if "archive_info" not in direct or url.split("#")[0] != source.url.split("#")[0]:
                return (f"url {source.url}", found)
            return None
        # file and directory: compare the resolved paths.
        expected_path = (self._project_dir / source.url).resolve()
        found_path = _file_url_path(url)
        kind = "dir_info" if source.type == "directory" else "archive_info"
        if found_path is None or kind not in direct or found_path != expected_path:
            return (f"{source.type} {expected_path}", found)
        if source.type == "directory":
            dir_info = direct.get("dir_info")
            editable = (
                bool(dir_info.get("editable", False)) if isinstance(dir_info, dict) else False
            )
            if editable != package.develop:
                want = "editable" if package.develop else "non-editable"
                have = "editable" if editable else "non-editable"
                return (f"{want} directory {expected_path}", f"{have} directory {found_path}")
        return None


def _duplicate_finding(
    name: str, dists: list[Distribution], package: LockedPackage | None
) -> Finding:
    """Two or more distributions of one name: an error when two share a directory
    (which one Python imports is undefined), a warning when the first, in ``sys.path``
    order, shadows the others (it is the one compared with the lock)."""
    copies = ", ".join(sorted(f"{d.path} ({d.version})" for d in dists))
    directories = Counter(str(d.path.parent) for d in dists)
    if len(directories) < len(dists):
        # The directory holding the most copies (the first by name of a tie).
        shared, count = min(directories.items(), key=lambda item: (-item[1], item[0]))
        where = (
            "in one directory"
            if count == len(dists)
            else f"{count} of them in one directory ({shared})"
        )
        return finding(
            "duplicate-distribution",
            name,
            f"{name} is installed {len(dists)} times{',' if count < len(dists) else ''}"
            f" {where}: {copies}",
            found=", ".join(sorted(d.version for d in dists)),
            line=package.line if package else None,
            path=str(min(d.path for d in dists)),
        )
    return finding(
        "duplicate-distribution",
        name,
        f"{name} is installed {len(dists)} times: {copies}; {dists[0].path} comes first"
        " on sys.path and shadows the others",
        found=", ".join(d.version for d in dists),
        line=package.line if package else None,
        path=str(dists[0].path),
        severity=Severity.WARNING,
    )


def describe_direct_url(direct: dict[str, Any] | None) -> str:
    """A short human description of a PEP 610 ``direct_url.json``."""
    if direct is None:
        return "a package index"
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict):
        return f"{vcs.get('vcs', 'vcs')} {url}@{vcs.get('commit_id', '?')}"
    if "dir_info" in direct:
        info = direct["dir_info"]
        editable = isinstance(info, dict) and info.get("editable")
        path = _file_url_path(url)
        return f"{'editable ' if editable else ''}directory {path or url}"
    if url.startswith("file:"):
        return f"file {_file_url_path(url) or url}"
    return f"url {url}"


def _file_url_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if os.name == "nt" and path.startswith("/") and path[2:3] == ":":
        path = path[1:]
    return Path(path).resolve()


def _norm_vcs(url: str) -> str:
    url = url.removeprefix("git+")
    return url.removesuffix("/").removesuffix(".git")


def ambiguity_findings(ambiguous: Mapping[str, list[LockedPackage]]) -> list[Finding]:
    """``ambiguous-lock`` for each name locked more than once for this target."""
    findings = []
    for name in sorted(ambiguous):
        packages = ambiguous[name]
        where = ", ".join(
            f"{p.version}" + (f" (poetry.lock:{p.line})" if p.line else "") for p in packages
        )
        findings.append(
            finding(
                "ambiguous-lock",
                name,
                f"{name} is locked {len(packages)} times for this environment ({where}):"
                " Poetry installs each, one over the other, so any of them may be"
                " installed; run `poetry lock` to settle it",
                expected=", ".join(p.version for p in packages),
                line=packages[0].line,
            )
        )
    return findings
