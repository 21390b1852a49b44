"""Which locked packages a selection requires in a given marker environment."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.markers import evaluate_marker
from poetry_lockguard.names import canonicalize_name


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping

    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.model import LockedDependency
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.lock.project import Project
    from poetry_lockguard.lock.selection import Selection


def required_packages(
    lock: Lock,
    project: Project,
    selection: Selection,
    marker_env: Mapping[str, Any],
) -> dict[str, LockedPackage]:
    """The locked packages the selection needs in ``marker_env``, by normalized name.

    lock-version 2.1 answers from each package's groups and markers, as Poetry's
    installer does; older locks are walked from the project's root dependencies
    through edge markers and extras, as Poetry's re-resolution does.
    """
    if lock.has_groups_and_markers:
        return _from_groups_and_markers(lock, selection, marker_env)
    return _from_graph(lock, project, selection, marker_env)


def _evaluator(marker_env: Mapping[str, Any], extras: frozenset[str]) -> Callable[[str], bool]:
    env = dict(marker_env)
    env["extra"] = set(extras)
    cache: dict[str, bool] = {}

    def holds(marker: str) -> bool:
        if not marker or marker == "*":
            return True
        result = cache.get(marker)
        if result is None:
            # The simple markers nearly every lock holds are answered without building
            # poetry-core's marker parser (about 0.2 s); the rest go to poetry-core.
            result = evaluate_marker(marker, env)
        if result is None:
            from poetry.core.version.markers import parse_marker

            try:
                result = bool(parse_marker(marker).validate(env))
            except Exception as e:
                first = (str(e).strip().splitlines() or ["cannot be parsed"])[0]
                raise LockFileError(
                    f"poetry.lock: invalid marker {marker!r}: {first}"
                ) from e
        cache[marker] = result
        return result

    return holds


def _from_groups_and_markers(
    lock: Lock, selection: Selection, marker_env: Mapping[str, Any]
) -> dict[str, LockedPackage]:
    holds = _evaluator(marker_env, selection.extras)
    required: dict[str, LockedPackage] = {}
    for package in lock.packages:
        groups = set(package.groups) & selection.groups
        if not groups:
            continue
        if package.markers is None or isinstance(package.markers, str):
            ok = holds(package.markers or "")
        else:
            ok = any(holds(package.markers.get(group, "")) for group in groups)
        if ok:
            required[package.name] = package
    return required


def _from_graph(
    lock: Lock,
    project: Project,
    selection: Selection,
    marker_env: Mapping[str, Any],
) -> dict[str, LockedPackage]:
    """Walk lock-version 2.0 (and 1.x) graphs from the root's dependencies."""
    from poetry.core.factory import Factory

    try:
        poetry = Factory().create_poetry(project.directory)
    except Exception as e:
        raise LockFileError(f"pyproject.toml: cannot be read by poetry-core: {e}") from e
    root = poetry.package
    env = dict(marker_env)
    env["extra"] = set(selection.extras)

    roots: list[tuple[str, set[str]]] = []
    for group in sorted(selection.groups):
        if not root.has_dependency_group(group):
            continue
        for dep in root.dependency_group(group).dependencies:
            if dep.is_optional() and not (
                set(dep.in_extras) & selection.extras
                or any(
                    canonicalize_name(dep.name)
                    in {canonicalize_name(d.name) for d in root.extras.get(e, [])}  # type: ignore[call-overload]
                    for e in selection.extras
                )
            ):
                continue
            if not dep.marker.validate(env):
                continue
            roots.append((str(canonicalize_name(dep.name)), set(dep.extras)))

    # One evaluator (with its cache) per set of active extras: an edge's markers see
    # the extras requested on that edge, as Poetry's resolver does.
    evaluators: dict[frozenset[str], Callable[[str], bool]] = {}

    def holds_for(extras: frozenset[str]) -> Callable[[str], bool]:
        if extras not in evaluators:
            evaluators[extras] = _evaluator(marker_env, extras)
        return evaluators[extras]

    by_name = lock.by_name()
    required: dict[str, LockedPackage] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    stack = list(roots)
    while stack:
        name, extras = stack.pop()
        key = (name, frozenset(extras))
        if key in seen:
            continue
        seen.add(key)
        candidates = by_name.get(name)
        if not candidates:
            continue
        package = _pick(candidates, holds_for(selection.extras))
        required[name] = package
        extra_deps = {
            str(canonicalize_name(_requirement_name(spec)))
            for extra in extras
            for spec in package.extras.get(str(canonicalize_name(extra)), ())
        }
        edge_holds = holds_for(frozenset(str(canonicalize_name(e)) for e in extras))
        for edge in package.dependencies:
            if edge.optional and edge.name not in extra_deps:
                continue
            if not _edge_holds(edge, edge_holds):
                continue
            stack.append((edge.name, set(edge.extras)))
    return required


def _pick(candidates: list[LockedPackage], holds: Callable[[str], bool]) -> LockedPackage:
    """One version of a package locked several times: the one whose markers hold."""
    if len(candidates) == 1:
        return candidates[0]
    for package in candidates:
        if isinstance(package.markers, str) and holds(package.markers):
            return package
    return candidates[0]


def _edge_holds(dep: LockedDependency, holds: Callable[[str], bool]) -> bool:
    if dep.markers and not holds(dep.markers):
        return False
    if dep.python:
        from poetry.core.packages.dependency import Dependency

        probe = Dependency("x", "*")
        probe.python_versions = dep.python
        if not holds(str(probe.marker)):
            return False
    return True


def _requirement_name(spec: str) -> str:
    """``"foo (>=1.0)"`` or ``"foo[bar] >=1"`` -> ``"foo"``."""
    for i, ch in enumerate(spec):
        if ch in " ([<>=!~;":
            return spec[:i]
    return spec
