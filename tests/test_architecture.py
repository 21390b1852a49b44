"""The layout docs/architecture.md draws, kept true: layers import only downwards, no
import circle anywhere (imports inside functions and under TYPE_CHECKING included), only
``plugin/`` imports Poetry's application or cleo, and every module imports on its own in
a fresh interpreter (an import-order bug shows there, not in a process that has
imported everything already)."""

from __future__ import annotations

import ast
import subprocess
import sys

from pathlib import Path

import pytest

import poetry_lockguard


SOURCE = Path(poetry_lockguard.__file__).parent

#: Each module's layer, from the bottom: a module may import its own layer's modules and
#: any lower layer's, never a higher one's. The first matching prefix decides.
LAYERS: tuple[tuple[str, ...], ...] = (
    # core: errors, configuration, the finding catalogue, safe file access
    (
        "poetry_lockguard",
        "poetry_lockguard.errors",
        "poetry_lockguard.config",
        "poetry_lockguard.findings",
        "poetry_lockguard.names",
        "poetry_lockguard.versions",
        "poetry_lockguard.safe_io",
        "poetry_lockguard.install_route",
    ),
    ("poetry_lockguard.lock",),
    ("poetry_lockguard.env",),
    ("poetry_lockguard.checks", "poetry_lockguard.report"),
    ("poetry_lockguard.commands",),
    ("poetry_lockguard.standalone", "poetry_lockguard.plugin"),
    ("poetry_lockguard.__main__",),
)

#: Folders of one layer that must not import each other.
SIBLINGS = (
    ("poetry_lockguard.checks", "poetry_lockguard.report"),
    ("poetry_lockguard.standalone", "poetry_lockguard.plugin"),
)

#: What only the plugin may import: Poetry's application and its console library.
APPLICATION = ("poetry", "cleo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports, anywhere in it, with the line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append((submodule if submodule in MODULES else node.module, node.lineno))
    return found


def _own(name: str) -> str | None:
    """The lockguard module ``name`` is, or lies in (a name imported from a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _layer(name: str) -> int:
    best = (-1, -1)
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if _under(name, prefix) and len(prefix) > best[1]:
                best = (rank, len(prefix))
    assert best[0] >= 0, f"{name} is in no layer of LAYERS"
    return best[0]


GRAPH = {
    module: {
        own: line
        for imported, line in _imports(path)
        if (own := _own(imported)) is not None and own != module
    }
    for module, path in MODULES.items()
}


def test_every_module_has_a_layer() -> None:
    assert all(_layer(module) >= 0 for module in MODULES)


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{MODULES[module].relative_to(SOURCE.parent)}:{line} imports {target}"
        for module, targets in GRAPH.items()
        for target, line in targets.items()
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_siblings_do_not_import_each_other() -> None:
    across = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        for left, right in SIBLINGS
        if (_under(module, left) and _under(target, right))
        or (_under(module, right) and _under(target, left))
    ]
    assert across == []


def _circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return circles


def test_no_import_circle() -> None:
    assert _circles() == []


def test_a_circle_would_be_found() -> None:
    GRAPH["poetry_lockguard.errors"]["poetry_lockguard.config"] = 1
    try:
        assert _circles() == [["poetry_lockguard.config", "poetry_lockguard.errors"]]
    finally:
        del GRAPH["poetry_lockguard.errors"]["poetry_lockguard.config"]


def test_only_the_plugin_imports_poetrys_application() -> None:
    outside = [
        f"{path.relative_to(SOURCE.parent)}:{line} imports {imported}"
        for module, path in MODULES.items()
        if not _under(module, "poetry_lockguard.plugin")
        for imported, line in _imports(path)
        if imported.split(".")[0] in APPLICATION and not _under(imported, "poetry.core")
    ]
    assert outside == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_on_its_own(module: str) -> None:
    """A fresh interpreter imports just this module: nothing imported before it hides a
    missing import or an order that only works after another module ran."""
    if module.endswith("__main__"):
        pytest.skip("running it is the stand-alone's own test (tests/test_cli.py)")
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("entry", "forbidden"),
    [
        ("poetry_lockguard.standalone.cli", ("poetry.console", "poetry.factory", "cleo")),
        ("poetry_lockguard.commands.check", ("poetry.console", "poetry.factory", "cleo")),
    ],
)
def test_the_stand_alone_never_loads_poetrys_application(
    entry: str, forbidden: tuple[str, ...]
) -> None:
    code = (
        f"import sys, {entry}\nprint(sorted(m for m in sys.modules if m.startswith({forbidden!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
