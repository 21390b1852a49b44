"""Which locked packages a selection requires in a given marker environment."""

from __future__ import annotations

from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.markers import evaluate_marker
from poetry_lockguard.names import canonicalize_name


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Mapping
    from typing import Any

    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.model import LockedDependency
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.lock.project import Project
    from poetry_lockguard.lock.selection import Selection


#: A node of the solved graph: a package name and the extras it was asked for with.
Node = tuple[str, frozenset[str]]


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
                raise LockFileError(f"poetry.lock: invalid marker {marker!r}: {first}") from e
        cache[marker] = result
        return result

    return holds


def _from_groups_and_markers(
    lock: Lock, selection: Selection, marker_env: Mapping[str, Any]
) -> dict[str, LockedPackage]:
    # A name that applies twice (a lock with two meanings here, see ambiguous_packages):
    # the later entry, as Poetry's installer, which installs both, usually ends with.
    return {package.name: package for package in _applicable(lock, selection, marker_env)}


def ambiguous_packages(
    lock: Lock, selection: Selection, marker_env: Mapping[str, Any]
) -> dict[str, list[LockedPackage]]:
    """Names locked more than once whose entries all apply to the selection in
    ``marker_env`` (lock-version 2.1 only: older locks are solved to one version).

    Poetry then installs every one of them, one over the other, so the environment may
    hold any of those versions.
    """
    if not lock.has_groups_and_markers:
        return {}
    by_name: dict[str, list[LockedPackage]] = {}
    for package in _applicable(lock, selection, marker_env):
        by_name.setdefault(package.name, []).append(package)
    return {name: packages for name, packages in by_name.items() if len(packages) > 1}


def _applicable(
    lock: Lock, selection: Selection, marker_env: Mapping[str, Any]
) -> list[LockedPackage]:
    holds = _evaluator(marker_env, selection.extras)
    applicable: list[LockedPackage] = []
    for package in lock.packages:
        groups = set(package.groups) & selection.groups
        if not groups:
            continue
        if package.markers is None or isinstance(package.markers, str):
            ok = holds(package.markers or "")
        else:
            ok = any(holds(package.markers.get(group, "")) for group in groups)
        if ok:
            applicable.append(package)
    return applicable


def _from_graph(
    lock: Lock,
    project: Project,
    selection: Selection,
    marker_env: Mapping[str, Any],
) -> dict[str, LockedPackage]:
    """Re-resolve a lock-version 2.0 (or 1.x) lock the way Poetry's installer does.

    Poetry solves again over the locked packages alone: from the selected groups' root
    dependencies (every extra's packages in view), through each edge whose markers hold
    in the target, taking for each name the highest locked version that satisfies every
    edge to it and whose ``python-versions`` admits the target. A solved package is
    optional when every path to it through the followed edges starts at an optional
    root dependency; those no selected extra reaches are dropped. The lock's own
    ``optional`` flags play no part.
    """
    root_edges, root_optional, root_extras = _root_edges(project, selection, marker_env)
    by_name = lock.by_name()
    python = str(marker_env.get("python_full_version", ""))

    # One evaluator (with its cache) per set of active extras: an edge's markers see
    # the extras requested on that edge, as Poetry's resolver does.
    evaluators: dict[frozenset[str], Callable[[str], bool]] = {}

    def holds_for(extras: frozenset[str]) -> Callable[[str], bool]:
        if extras not in evaluators:
            evaluators[extras] = _evaluator(marker_env, extras)
        return evaluators[extras]

    # Which version of a name is taken depends on every edge to it, and which edges
    # exist depends on the versions taken: walk again with the constraints the last
    # walk found until the choice is stable (one or two walks on real locks).
    constraints: dict[str, list[str]] = {}
    required: dict[str, LockedPackage] = {}
    nodes: dict[Node, set[Node]] = {}
    for _ in range(8):
        seen_constraints: dict[str, list[str]] = {}
        required = {}
        nodes = {}
        done: set[tuple[str, frozenset[str]]] = set()
        stack = list(root_edges)
        while stack:
            name, constraint, extras = stack.pop()
            seen_constraints.setdefault(name, []).append(constraint)
            key = (name, extras)
            if key in done:
                continue
            done.add(key)
            candidates = by_name.get(name)
            if not candidates:
                continue
            package = _pick(candidates, constraints.get(name) or [constraint], python)
            required[name] = package
            extra_deps = {
                str(canonicalize_name(requirement_name(spec)))
                for extra in extras
                for spec in package.extras.get(extra, ())
            }
            edge_holds = holds_for(extras)
            # A package with extras is a node of its own in Poetry's solved graph,
            # which depends on the plain package as well.
            followed = nodes.setdefault(key, {(name, frozenset())} if extras else set())
            for edge in package.dependencies:
                if edge.optional and edge.name not in extra_deps:
                    continue
                if not _edge_holds(edge, edge_holds):
                    continue
                edge_extras = _names(edge.extras)
                followed.add((edge.name, edge_extras))
                stack.append((edge.name, edge.constraint, edge_extras))
        if seen_constraints == constraints:
            break
        constraints = seen_constraints

    required_path = {
        name for name, _ in _reached(nodes, [n for n, opt in root_optional.items() if not opt])
    }
    by_name_edges: dict[Node, set[Node]] = {}
    for (name, _), targets in nodes.items():
        by_name_edges.setdefault((name, frozenset()), set()).update(
            (target, frozenset()) for target, _ in targets
        )
    reached = {
        name
        for name, _ in _reached(
            by_name_edges,
            [(n, frozenset()) for extra in selection.extras for n in root_extras.get(extra, ())],
        )
    }
    return {
        name: package
        for name, package in required.items()
        if name in required_path or name in reached
    }


def _root_edges(
    project: Project, selection: Selection, marker_env: Mapping[str, Any]
) -> tuple[list[tuple[str, str, frozenset[str]]], dict[Node, bool], dict[str, list[str]]]:
    """The root's dependency edges for the selected groups whose markers hold, whether
    each dependency name is optional (all its root dependencies are), and the root's
    extras."""
    from poetry.core.factory import Factory

    try:
        poetry = Factory().create_poetry(project.directory)
    except Exception as e:
        raise LockFileError(f"pyproject.toml: cannot be read by poetry-core: {e}") from e
    root = poetry.package
    env = dict(marker_env)
    env["extra"] = set(selection.extras)
    edges: list[tuple[str, str, frozenset[str]]] = []
    optional: dict[Node, bool] = {}
    for group in sorted(selection.groups):
        if not root.has_dependency_group(group):
            continue
        for dep in root.dependency_group(group).dependencies:
            name = str(canonicalize_name(dep.name))
            node = (name, _names(dep.extras))
            optional[node] = optional.get(node, True) and dep.is_optional()
            # Optional dependencies stay in view whatever the extras: Poetry drops the
            # packages no selected extra asks for only after solving.
            if not dep.marker.validate(env):
                continue
            edges.append((name, str(dep.constraint), _names(dep.extras)))
    extras = {
        str(canonicalize_name(extra)): [str(canonicalize_name(d.name)) for d in deps]
        for extra, deps in root.extras.items()
    }
    return edges, optional, extras


def _reached(edges: Mapping[Node, set[Node]], start: Iterable[Node]) -> set[Node]:
    """Nodes of the solved graph reachable from ``start`` through the edges the solve
    followed (Poetry's solved packages carry only those dependencies, and both its
    ``optional`` computation and ``get_extra_package_names`` walk them)."""
    reached: set[Node] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node not in edges or node in reached:
            continue
        reached.add(node)
        stack += edges[node]
    return reached


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(str(canonicalize_name(v)) for v in values)


def _pick(candidates: list[LockedPackage], constraints: list[str], python: str) -> LockedPackage:
    """One version of a name locked several times: the highest that satisfies every
    edge's constraint and whose ``python-versions`` admits the target's Python."""
    if len(candidates) == 1:
        return candidates[0]
    from poetry.core.constraints.version import Version
    from poetry.core.constraints.version import parse_constraint

    def allows(constraint: str, version: str) -> bool:
        try:
            return parse_constraint(constraint or "*").allows(Version.parse(version))
        except ValueError:
            return True  # an unreadable constraint does not exclude a candidate

    fitting = [p for p in candidates if all(allows(c, p.version) for c in constraints)] or [
        p for p in candidates if any(allows(c, p.version) for c in constraints)
    ]
    if python:
        fitting = [p for p in fitting if allows(p.python_versions, python)] or fitting
    if not fitting:
        return candidates[0]

    def version_key(package: LockedPackage) -> Any:
        try:
            return (1, Version.parse(package.version))
        except ValueError:
            return (0, package.version)

    return max(fitting, key=version_key)


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


def widening_options(
    lock: Lock,
    project: Project,
    selection: Selection,
    marker_env: Mapping[str, Any],
    candidates: set[str],
) -> dict[str, tuple[LockedPackage, tuple[str, ...]]]:
    """Of ``candidates`` (locked names the selection does not require), those one more
    group or extra would require in ``marker_env``: name -> (locked package, the
    options that select it, e.g. ``--with docs``, ``-E pg``)."""
    from poetry_lockguard.lock.selection import Selection

    result: dict[str, tuple[LockedPackage, tuple[str, ...]]] = {}
    if not candidates:
        return result
    widenings = [
        (Selection(selection.groups | {g}, selection.extras), f"--with {g}")
        for g in sorted(set(project.groups) - selection.groups)
    ] + [
        (Selection(selection.groups, selection.extras | {e}), f"-E {e}")
        for e in sorted(set(project.extras) - selection.extras)
    ]
    options: dict[str, tuple[LockedPackage, list[str]]] = {}
    for wider, option in widenings:
        for name, package in required_packages(lock, project, wider, marker_env).items():
            if name in candidates:
                options.setdefault(name, (package, []))[1].append(option)
    if len(options) < len(candidates):
        # A package needing a group and an extra at once: everything, as a last resort.
        everything = Selection(frozenset(project.groups), frozenset(project.extras))
        for name, package in required_packages(lock, project, everything, marker_env).items():
            if name in candidates and name not in options:
                options[name] = (package, ["--all-groups --all-extras"])
    for name, (package, ways) in options.items():
        result[name] = (package, tuple(ways))
    return result


def packages_on_some_platform(
    lock: Lock, project: Project, selection: Selection
) -> list[LockedPackage]:
    """What ``--lock-only`` checks: the packages the selection installs on some
    platform. Groups and extras count as in the full check, so both count the same
    packages wherever the lock has no platform or Python markers; any other marker is
    taken as possibly true (there is no interpreter to ask)."""
    if not lock.has_groups_and_markers:
        return list(required_packages(lock, project, selection, {}).values())
    extras = {"extra": set(selection.extras)}

    def may_hold(marker: str) -> bool:
        if "extra" not in marker:
            return True
        known = evaluate_marker(marker, extras)
        if known is not None:
            return known
        from poetry.core.version.markers import parse_marker

        # poetry-core takes a variable missing from the environment as satisfied.
        return bool(parse_marker(marker).validate(extras))

    packages = []
    for package in lock.packages:
        groups = set(package.groups) & selection.groups
        markers = package.markers
        if groups and (
            not markers
            or (
                may_hold(markers)
                if isinstance(markers, str)
                else any(may_hold(markers.get(g, "")) for g in groups)
            )
        ):
            packages.append(package)
    return packages


def requirement_name(spec: str) -> str:
    """``"foo (>=1.0)"`` or ``"foo[bar] >=1"`` -> ``"foo"``."""
    for i, ch in enumerate(spec):
        if ch in " ([<>=!~;":
            return spec[:i]
    return spec
