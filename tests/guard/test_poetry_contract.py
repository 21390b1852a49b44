"""The contract with Poetry's internals, on the Poetry under test (CI: 2.0.0 and the newest).

Every name ``guard/poetry_api.py`` takes from Poetry exists with the parameters
the guard passes; no other module touches one; and a Poetry without one is refused in
enforce mode with one line and exit code 2 (simulated by taking a name away in-process).
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.io.null_io import NullIO
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.installation.chooser import Chooser
from poetry.installation.executor import Executor
from poetry.repositories import RepositoryPool
from poetry.utils.env import MockEnv

import poetry_lockguard

from poetry_lockguard.plugin import poetry_api
from poetry_lockguard.plugin.poetry_api import EXECUTOR_CONTRACT
from poetry_lockguard.plugin.poetry_api import ExecutorInternals
from poetry_lockguard.plugin.poetry_api import MissingInternalsError
from poetry_lockguard.plugin.poetry_api import NoLockedArtifactError
from poetry_lockguard.plugin.poetry_api import missing_names
from poetry_lockguard.plugin.poetry_api import poetry_version
from tests.support.artifacts import Dist


if TYPE_CHECKING:
    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject


def executor() -> Executor:
    return Executor(MockEnv(), RepositoryPool(), Config(), NullIO())


@pytest.mark.parametrize("need", EXECUTOR_CONTRACT, ids=lambda need: need.path)
def test_every_executor_name_exists_with_the_parameters_passed(need: Any) -> None:
    target: Any = executor()
    for part in need.path.split("."):
        assert hasattr(target, part), f"Poetry {poetry_version()}: no Executor.{need.path}"
        target = getattr(target, part)
    if need.parameters:
        parameters = inspect.signature(target).parameters
        assert set(need.parameters) <= set(parameters), (need.path, list(parameters))
    assert missing_names(executor()) == []


def test_the_cache_is_asked_with_keywords() -> None:
    # strict/env/download_func are passed by keyword: they must stay keyword-capable.
    method = executor()._artifact_cache.get_cached_archive_for_link
    kinds = {p.name: p.kind for p in inspect.signature(method).parameters.values()}
    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    assert all(kinds[name] in keyword for name in ("strict", "env", "download_func"))


def test_names_outside_the_executor() -> None:
    downloader = poetry_api.downloader_class()
    assert {"url", "dest", "session", "max_retries"} <= set(
        inspect.signature(downloader).parameters
    )
    assert "chunk_size" in inspect.signature(downloader.download_with_progress).parameters
    options = [o.name for o in poetry_api.group_dependency_options()]
    assert options == ["without", "with", "only"]
    base = poetry_api.refusal_base()
    expected = "RuntimeError" if poetry_version() == "2.0.0" else "PoetryRuntimeError"
    assert base.__name__ == expected and issubclass(base, Exception)
    internals = ExecutorInternals(executor())
    assert internals.supports_wheel("demo-1.0.0-py3-none-any.whl")
    assert not internals.supports_wheel("demo-1.0.0-py2-none-any.whl")
    assert not internals.supports_wheel("demo.whl")  # not a wheel name
    assert internals.allows_wheel(Package("demo", "1.0.0"))
    assert all(isinstance(p, Path) for p in internals.site_dirs())
    assert isinstance(internals.env.site_packages.writable_candidates, list)
    # Public names the guard relies on as well: the installer's executor, the env.
    from poetry.console.commands.installer_command import InstallerCommand
    from poetry.installation.installer import Installer
    from poetry.utils.env import Env

    assert isinstance(InstallerCommand.installer, property)
    assert isinstance(Installer.executor, property)
    for name in (
        "marker_env",
        "paths",
        "python",
        "path",
        "base",
        "purelib",
        "platlib",
        "site_packages",
    ):
        assert hasattr(Env, name), name
    # Package.clone and the files setter tell a hash mismatch from other failures.
    package = Package("demo", "1.0.0")
    package.files = [{"file": "demo-1.0.0.tar.gz", "hash": "sha256:00"}]
    clone = package.clone()
    clone.files = []
    assert package.files and not clone.files


def _private_poetry_names() -> set[str]:
    names = {p for need in EXECUTOR_CONTRACT for p in need.path.split(".") if p[0] == "_"}
    return names | {"_group_dependency_options"}


def _attribute_uses(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in names
    ]


def _private_names_by_string(path: Path) -> list[str]:
    """Private names reached with getattr/setattr/hasattr/delattr and a string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
        and node.args[1].value.startswith("_")
        and not node.args[1].value.startswith("__")
    ]


def test_no_module_but_the_poetry_api_reaches_a_private_name_by_string() -> None:
    source = Path(poetry_lockguard.__file__).parent
    module = source / "plugin" / "poetry_api.py"
    elsewhere = {
        str(p.relative_to(source)): names
        for p in sorted(source.rglob("*.py"))
        if p != module and (names := _private_names_by_string(p))
    }
    assert elsewhere == {}
    assert "_project_directory" in _private_names_by_string(module)


def test_only_the_poetry_api_touches_private_names_each_once() -> None:
    names = _private_poetry_names()
    source = Path(poetry_lockguard.__file__).parent
    module = source / "plugin" / "poetry_api.py"
    elsewhere = {
        str(p.relative_to(source)): uses
        for p in sorted(source.rglob("*.py"))
        if p != module and (uses := _attribute_uses(p, names))
    }
    assert elsewhere == {}
    uses = _attribute_uses(module, names)
    # The wrapped operation methods are reached by name (getattr/setattr), once each.
    expected = sorted(names - set(poetry_api.OPERATION_METHODS))
    assert sorted(uses) == expected


def _names_lockguard_defines(adapter: Path) -> set[str]:
    """Every name lockguard's own code (the adapter aside) defines: functions, classes,
    parameters, assigned names and attributes. An attribute of any other name is
    someone else's: Poetry's, cleo's or the standard library's."""
    names: set[str] = set()
    for path in Path(poetry_lockguard.__file__).parent.rglob("*.py"):
        if path == adapter:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return names


def _own_state(node: ast.expr) -> bool:
    """``self`` or ``self.x``: lockguard's own object, not one of Poetry's."""
    if isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "self"


def _reaches_into_poetry(path: Path, own: set[str]) -> list[str]:
    """What ``path`` takes from Poetry that only the adapter may: a private attribute
    lockguard does not define, a getattr-family call with a string on anything but the
    object's own state (``self`` or an attribute of it), or a private name imported
    from Poetry or cleo."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in own
        ):
            found.append(f"{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and not _own_state(node.args[0])
        ):
            found.append(f"{node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in ("poetry", "cleo")
            and any(
                part.startswith("_") and not part.startswith("__")
                for part in [*node.module.split("."), *(a.name for a in node.names)]
            )
        ):
            found.append(f"{node.lineno}: from {node.module} import a private name")
    return found


def test_no_module_but_the_poetry_api_reaches_into_poetry() -> None:
    """Not only the names the contract lists: any private Poetry name, and any
    getattr with a string on a Poetry object, outside plugin/poetry_api.py fails here."""
    source = Path(poetry_lockguard.__file__).parent
    adapter = source / "plugin" / "poetry_api.py"
    own = _names_lockguard_defines(adapter)
    elsewhere = {
        str(p.relative_to(source)): found
        for p in sorted((source / "plugin").rglob("*.py"))
        if p != adapter and (found := _reaches_into_poetry(p, own))
    }
    assert elsewhere == {}
    # The same rule sees what the adapter does take.
    taken = " ".join(_reaches_into_poetry(adapter, own))
    assert "._chooser" in taken
    assert "getattr(..., 'name')" in taken


def test_a_new_reach_into_poetry_would_be_found(tmp_path: Path) -> None:
    module = tmp_path / "command.py"
    module.write_text(
        "from poetry.console.commands._private import X\n"
        "def f(command):\n"
        "    return command._io, getattr(command, 'poetry'), command.name\n",
        encoding="utf-8",
    )
    own = _names_lockguard_defines(Path("no adapter"))
    assert _reaches_into_poetry(module, own) == [
        "1: from poetry.console.commands._private import a private name",
        "3: ._io",
        "3: getattr(..., 'poetry')",
    ]


# -- a Poetry without a name: refused in enforce mode, never an AttributeError -------
def _drop_execute_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(Executor, "_execute_update")


def _drop_chooser(monkeypatch: pytest.MonkeyPatch) -> None:
    init = Executor.__init__

    def without_chooser(self: Executor, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        del self._chooser

    monkeypatch.setattr(Executor, "__init__", without_chooser)


def _rename_choose_for_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    choose_for = Chooser.choose_for

    def renamed(self: Chooser, candidate: Package) -> Any:
        return choose_for(self, candidate)

    monkeypatch.setattr(Chooser, "choose_for", renamed)


SIMULATIONS = [
    (_drop_execute_update, "Executor._execute_update(operation)"),
    (
        _drop_chooser,
        (
            "Executor._chooser.choose_for(package),"
            " Executor._chooser._no_binary_policy.allows(package_name)"
        ),
    ),
    (_rename_choose_for_parameter, "Executor._chooser.choose_for(package)"),
]


@pytest.fixture(scope="module")
def locked_project(tmp_path_factory: pytest.TempPathFactory, index: PackageIndex) -> PoetryProject:
    from tests.support.poetry import PoetryProject

    home = tmp_path_factory.mktemp("contract-home")
    project = PoetryProject(tmp_path_factory.mktemp("contract") / "project", home, index.url)
    project.write_pyproject(["alpha"])
    project.poetry("lock", check=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project.venv)], check=True)
    return project


def run_poetry_in_process(
    project: PoetryProject, monkeypatch: pytest.MonkeyPatch, args: str, **env: str
) -> tuple[int, str]:
    from cleo.testers.application_tester import ApplicationTester
    from poetry.console.application import Application

    for name, value in project.env(**env).items():
        if name.startswith("POETRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.chdir(project.path)
    tester = ApplicationTester(Application())
    status = tester.execute(args)
    return status, tester.io.fetch_output() + tester.io.fetch_error()


@pytest.mark.parametrize(("simulate", "name"), SIMULATIONS)
def test_a_missing_name_refuses_in_enforce_mode(
    locked_project: PoetryProject, monkeypatch: pytest.MonkeyPatch, simulate: Any, name: str
) -> None:
    simulate(monkeypatch)
    status, output = run_poetry_in_process(locked_project, monkeypatch, "install")
    assert status == 2, output
    lines = [line for line in output.splitlines() if "lockguard" in line]
    assert lines == [
        (
            f"lockguard: Poetry {poetry_version()} has no {name}, which the install guard needs;"
            " refusing `poetry install` (enforce mode). Nothing was changed."
            " POETRY_LOCKGUARD_MODE=warn runs it without the guard."
        )
    ], output
    assert "AttributeError" not in output and "Traceback" not in output
    assert "alpha" not in locked_project.installed()


def test_a_missing_name_in_warn_mode_runs_without_the_guard(
    locked_project: PoetryProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drop_execute_update(monkeypatch)
    status, output = run_poetry_in_process(
        locked_project, monkeypatch, "install --dry-run", POETRY_LOCKGUARD_MODE="warn"
    )
    assert status == 0, output
    assert (
        f"lockguard: Poetry {poetry_version()} has no Executor._execute_update(operation),"
        " which the install guard needs; `poetry install --dry-run` runs without the guard"
        " (warn mode)"
    ) in output
    assert "Installing alpha" in output


def test_the_session_refuses_before_wrapping_anything() -> None:
    e = executor()
    del e._chooser
    original = e.execute
    with pytest.raises(MissingInternalsError) as raised:
        ExecutorInternals(e)
    assert raised.value.names == [
        "Executor._chooser.choose_for(package)",
        "Executor._chooser._no_binary_policy.allows(package_name)",
    ]
    assert e.execute == original


# -- a hash mismatch is told by asking again without the hashes, not by Poetry's text --
def chooser_internals(index: PackageIndex, tmp_path: Path) -> ExecutorInternals:
    from poetry.repositories.legacy_repository import LegacyRepository

    config = Config()
    config.merge({"cache-dir": str(tmp_path / "cache")})
    pool = RepositoryPool([LegacyRepository("local", index.url, config=config)], config=config)
    return ExecutorInternals(Executor(MockEnv(), pool, config, NullIO()))


def index_package(index: PackageIndex, dist: Dist, sha256: str) -> Package:
    package = Package(
        dist.name,
        dist.version,
        source_type="legacy",
        source_url=index.url,
        source_reference="local",
    )
    package.files = [{"file": dist.wheel_name, "hash": f"sha256:{sha256}"}]
    return package


def test_the_chooser_finds_the_locked_wheel_or_says_no_locked_artifact(
    index: PackageIndex, tmp_path: Path
) -> None:
    internals = chooser_internals(index, tmp_path)
    dist = Dist("alpha", "2.0.0")
    good = hashlib.sha256((index.root / "alpha" / dist.wheel_name).read_bytes()).hexdigest()
    assert internals.choose(index_package(index, dist, good)).filename == dist.wheel_name
    with pytest.raises(NoLockedArtifactError):
        internals.choose(index_package(index, dist, "0" * 64))


def test_other_chooser_errors_are_poetrys_own(index: PackageIndex, tmp_path: Path) -> None:
    # A wheel the environment cannot install: no candidate at all, hashes or not.
    dist = Dist("py2only-contract", "1.0.0", python_tag="py2")
    index.add(dist)
    good = hashlib.sha256((index.root / dist.name / dist.wheel_name).read_bytes()).hexdigest()
    with pytest.raises(Exception, match="Unable to find installation candidates") as raised:
        chooser_internals(index, tmp_path).choose(index_package(index, dist, good))
    assert not isinstance(raised.value, NoLockedArtifactError)
