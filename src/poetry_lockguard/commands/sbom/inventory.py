"""What an SBOM lists: the checked environment's components, their receipts and findings.

The inventory is taken right after a full check (``--integrity``, so receipts and
RECORDs are read) and from the same environment: every installed distribution, the
locked package it matches, the archive its install receipt names, the finding codes
the check reported for it, and the lock's dependency edges between what is installed.
A component is verified only when it is locked at the installed version and the check
found nothing about it; nothing the check did not verify is ever presented as verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.errors import EnvironmentInspectionError
from poetry_lockguard.errors import LockFileError
from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.versions import same_version


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Mapping

    from poetry_lockguard.commands.check import CheckOptions
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.lock.project import Project
    from poetry_lockguard.report.model import Report


@dataclass(frozen=True)
class Receipt:
    """The install receipt (provenance_url.json): the archive's URL and sha256, or the
    git commit that was built."""

    url: str = ""
    sha256: str = ""
    commit: str = ""


@dataclass(frozen=True)
class Component:
    """One installed distribution with what the lock and the check say about it.

    ``ref`` is unique in the inventory (``name@version``, ``#n`` added to a duplicate);
    ``locked`` is the lock's entry at the installed version, None when the lock has
    none; ``findings`` are the codes the check reported for this package.
    """

    ref: str
    name: str
    display_name: str
    version: str
    locked: LockedPackage | None
    receipt: Receipt | None
    findings: tuple[str, ...]
    groups: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """True when the lock has this exact version and the check found nothing."""
        return self.locked is not None and not self.findings


@dataclass(frozen=True)
class Inventory:
    """The environment as an SBOM describes it: the project, the components, the
    dependency edges between components (refs) and the findings on no listed
    component (``code`` and package name or None)."""

    report: Report
    project_name: str
    project_version: str
    components: tuple[Component, ...]
    root_dependencies: tuple[str, ...]
    dependencies: dict[str, tuple[str, ...]]
    other_findings: tuple[tuple[str, str | None], ...]

    @property
    def verified(self) -> bool:
        """True when the check found nothing at all."""
        return not self.report.findings


def _versions(options: CheckOptions) -> str | None:
    """The versions fingerprint of the environment ``options`` name, before the check;
    None when it cannot be worked out here (the check then says why)."""
    from poetry_lockguard.commands.check import target_interpreter
    from poetry_lockguard.env.distributions import scan_distributions
    from poetry_lockguard.env.fingerprint import fingerprint
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.lock.reader import read_lock

    try:
        project_dir = options.project_dir.resolve()
        interpreter = target_interpreter(project_dir, options.python)
        lock = read_lock(project_dir / "poetry.lock")
    except (LockguardError, OSError):
        return None
    installed = scan_distributions(interpreter.site_dirs)
    return fingerprint((d for d in installed if not d.problem), lock.by_name())


def take_inventory(options: CheckOptions) -> Inventory:
    """Run the full check for ``options`` (always with integrity) and list what it saw.

    Raises LockguardError when the project cannot be checked, when there is no
    poetry.lock to describe, and when the environment changed between the check and
    the listing (its fingerprint differs), so that a listing never outruns its check.
    """
    from poetry_lockguard.commands.check import run_check
    from poetry_lockguard.env.distributions import scan_distributions
    from poetry_lockguard.env.fingerprint import fingerprint
    from poetry_lockguard.env.probe import probe_interpreter
    from poetry_lockguard.lock.project import read_project
    from poetry_lockguard.lock.reader import read_lock
    from poetry_lockguard.lock.requirements import required_packages

    before = _versions(options)
    report = run_check(options.full_check())
    environment = report.environment
    if environment is None or report.selection is None:
        raise LockFileError(
            f"{report.lock.path}: file not found (an SBOM describes a locked environment;"
            " run `poetry lock`)"
        )
    project_dir = Path(report.project)
    project = read_project(project_dir / "pyproject.toml")
    lock = read_lock(Path(report.lock.path))
    # The check probed this interpreter with its tags just now: the probe cache answers.
    interpreter = probe_interpreter(Path(environment.python), with_tags=True)
    installed = scan_distributions(interpreter.site_dirs)
    # The report's fingerprint covers file contents (--integrity): compare the versions
    # listed now with those seen before the check.
    current = fingerprint((d for d in installed if not d.problem), lock.by_name())
    if before is not None and current != before:
        raise EnvironmentInspectionError(
            f"{environment.path}: the environment changed while the SBOM was made; run again"
        )
    required = required_packages(lock, project, report.selection, interpreter.marker_env)
    by_package: dict[str, list[str]] = {}
    for f in report.findings:
        if f.package is not None:
            by_package.setdefault(str(canonicalize_name(f.package)), []).append(f.code)
    components = _components(installed, project.name, lock, required, by_package)
    listed = {c.name for c in components}
    env = dict(interpreter.marker_env)
    root = _root_dependencies(project, report)
    return Inventory(
        report=report,
        project_name=_project_field(project, "name") or project_dir.name,
        project_version=_project_field(project, "version"),
        components=components,
        root_dependencies=tuple(c.ref for c in components if c.name in root),
        dependencies=_edges(components, root, env),
        other_findings=tuple(
            (f.code, f.package)
            for f in report.findings
            if f.package is None or str(canonicalize_name(f.package)) not in listed
        ),
    )


def _components(
    installed: Iterable[Distribution],
    root_name: str,
    lock: Lock,
    required: Mapping[str, LockedPackage],
    findings: Mapping[str, list[str]],
) -> tuple[Component, ...]:
    locked = lock.by_name()
    groups_known = lock.has_groups_and_markers
    components: list[Component] = []
    refs: set[str] = set()
    for dist in sorted(installed, key=lambda d: (d.name, d.version, str(d.path))):
        if dist.name == root_name and not dist.problem:
            continue  # the project itself is the SBOM's subject, not one of its parts
        candidates = [required[dist.name]] if dist.name in required else []
        candidates += locked.get(dist.name, [])
        package = next((p for p in candidates if same_version(p.version, dist.version)), None)
        ref = f"{dist.name}@{dist.version}"
        n = 0
        while ref in refs:
            n += 1
            ref = f"{dist.name}@{dist.version}#{n}"
        refs.add(ref)
        codes = findings.get(dist.name, [])
        if dist.problem and dist.problem_code not in codes:
            codes = [*codes, dist.problem_code]
        components.append(
            Component(
                ref=ref,
                name=dist.name,
                display_name=dist.display_name or dist.name,
                version=dist.version,
                locked=None if dist.problem else package,
                receipt=_receipt(dist),
                findings=tuple(dict.fromkeys(codes)),
                groups=tuple(sorted(package.groups)) if package and groups_known else (),
            )
        )
    return tuple(components)


def _receipt(dist: Distribution) -> Receipt | None:
    # The receipt check's own reading of the receipt, so both agree on its fields.
    from poetry_lockguard.checks.receipts import receipt_fields

    data = dist.provenance()
    if data is None:
        return None
    url, sha256 = receipt_fields(data)
    vcs = data.get("vcs_info")
    commit = vcs.get("commit_id") if isinstance(vcs, dict) else None
    return Receipt(url=url, sha256=sha256, commit=commit if isinstance(commit, str) else "")


def _project_field(project: Project, key: str) -> str:
    for table in (project.data.get("project", {}), project.data.get("tool", {}).get("poetry", {})):
        value = table.get(key) if isinstance(table, dict) else None
        if isinstance(value, str) and value:
            return value
    return ""


def _root_dependencies(project: Project, report: Report) -> dict[str, frozenset[str]]:
    """The project's direct dependencies in the selected groups: name -> extras asked
    for, read by poetry-core as Poetry reads them (optional ones only for a selected
    extra)."""
    from poetry.core.factory import Factory

    assert report.selection is not None
    try:
        root = Factory().create_poetry(project.directory).package
    except Exception as e:
        raise LockFileError(f"pyproject.toml: cannot be read by poetry-core: {e}") from e
    extras = {
        str(canonicalize_name(d.name))
        for extra, deps in root.extras.items()
        if str(canonicalize_name(extra)) in report.selection.extras
        for d in deps
    }
    wanted: dict[str, frozenset[str]] = {}
    for group in sorted(report.selection.groups):
        if not root.has_dependency_group(group):
            continue
        for dep in root.dependency_group(group).dependencies:
            name = str(canonicalize_name(dep.name))
            if dep.is_optional() and name not in extras:
                continue
            asked = frozenset(str(canonicalize_name(e)) for e in dep.extras)
            wanted[name] = wanted.get(name, frozenset()) | asked
    return wanted


def _edges(
    components: tuple[Component, ...],
    root: Mapping[str, frozenset[str]],
    env: dict[str, Any],
) -> dict[str, tuple[str, ...]]:
    """Each locked component's dependencies among the listed components, from the lock.

    An edge counts when its markers hold in the target (or cannot be decided); an
    optional edge only when an extra that needs it is asked for, by the project or by
    any installed package's edge.
    """
    from poetry_lockguard.lock.markers import evaluate_marker
    from poetry_lockguard.lock.requirements import requirement_name

    asked: dict[str, set[str]] = {name: set(extras) for name, extras in root.items()}
    for c in components:
        for dep in c.locked.dependencies if c.locked else ():
            asked.setdefault(dep.name, set()).update(str(canonicalize_name(e)) for e in dep.extras)
    refs: dict[str, list[str]] = {}
    for c in components:
        refs.setdefault(c.name, []).append(c.ref)
    edges: dict[str, tuple[str, ...]] = {}
    for c in components:
        if c.locked is None:
            continue
        extras = asked.get(c.name, set())
        by_extra = {
            str(canonicalize_name(requirement_name(spec)))
            for extra in extras
            for spec in c.locked.extras.get(extra, ())
        }
        targets: list[str] = []
        for dep in c.locked.dependencies:
            if dep.name not in refs or (dep.optional and dep.name not in by_extra):
                continue
            if dep.markers and evaluate_marker(dep.markers, {**env, "extra": extras}) is False:
                continue
            targets += refs[dep.name]
        edges[c.ref] = tuple(sorted(set(targets)))
    return edges
