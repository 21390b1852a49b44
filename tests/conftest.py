from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest

from tests.support.artifacts import Dist
from tests.support.forkserver import close_servers
from tests.support.index import PackageIndex
from tests.support.interpreters import MISSING
from tests.support.interpreters import REQUIRED_VARIABLE
from tests.support.interpreters import required
from tests.support.poetry import PoetryProject


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.types import ProjectFactory

#: Tests whose subject is Poetry itself (the install guard, its hooks into Poetry's
#: internals, the plugin's commands and option parsing, repair, envs Poetry names) carry
#: the ``poetry`` marker: CI runs them on every Poetry version it tests. The rest (lock/,
#: env/, checks/, report/, fleet, zipapp, the stand-alone) do not depend on which Poetry
#: runs them and run once, on the newest. A module outside these paths opts in with
#: ``pytestmark = pytest.mark.poetry``; a test inside them whose subject does not depend on
#: Poetry (pip's side of the pip fence) opts out with ``pytest.mark.poetry_independent``.
POETRY_FACING = (
    "tests/guard/",
    "tests/checks/test_smoke.py",
    "tests/checks/test_selection_memory.py",
    "tests/env/test_locate",
    "tests/integrity/test_repair.py",
    "tests/integrity/test_source_built.py",
    "tests/integrity/test_git_receipts.py",
    "tests/env/test_site_dirs.py",
    "tests/team/test_sbom.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Modules with tests marked ``slow`` (the fleet playbook, pre-commit, the zipapp...)
    # go first: xdist hands out whole modules in this order, and a long one handed out
    # last keeps one worker busy while the other has nothing left to do.
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)
    for item in items:
        if (
            item.path.relative_to(config.rootpath).as_posix().startswith(POETRY_FACING)
            and item.get_closest_marker("poetry_independent") is None
        ):
            item.add_marker(pytest.mark.poetry)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A skip for a missing interpreter that LOCKGUARD_REQUIRED_PYTHONS names is a
    failure: where CI promises a Python 3.9, the zipapp's 3.9 run must not vanish."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if reason.startswith(MISSING) and reason[len(MISSING) :].split(":")[0] in required():
            report.outcome = "failed"
            report.longrepr = f"{reason} ({REQUIRED_VARIABLE} requires it)"
    return report


#: The catalogue every test can install from.
CATALOGUE = (
    Dist("alpha", "1.0.0"),
    Dist("alpha", "2.0.0"),
    Dist("beta", "1.0.0", requires=("alpha>=1.0",)),
    Dist("gamma", "1.0.0", extras={"fast": ("delta>=1.0",)}),
    Dist("delta", "1.0.0"),
    Dist("epsilon", "1.0.0", requires=('zeta>=1.0; python_version < "3.0"',)),
    Dist("zeta", "1.0.0"),
    Dist("docs-tool", "1.0.0"),
    Dist("stray", "1.0.0"),
    Dist("both", "1.0.0", sdist=True),
    Dist("onlysdist", "1.0.0", wheel=False, sdist=True),
)


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    idx = PackageIndex(tmp_path_factory.mktemp("index"))
    idx.add(*CATALOGUE)
    yield idx
    idx.close()


@pytest.fixture(scope="session")
def poetry_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("poetry-home")


@pytest.fixture(scope="session", autouse=True)
def lockguard_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """In-process checks cache their probes under pytest's tmp path, never in ~/.cache,
    and keep their key there, never in ~/.local/state; the user site every interpreter
    of the tests sees is an empty one of the session (what a developer installed with
    `pip install --user` is no test's business)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("lockguard-cache")))
        patch.setenv("POETRY_LOCKGUARD_STATE_DIR", str(tmp_path_factory.mktemp("lockguard-state")))
        patch.setenv("PYTHONUSERBASE", str(tmp_path_factory.mktemp("user-base")))
        yield


@pytest.fixture(scope="session", autouse=True)
def fork_servers() -> Iterator[None]:
    """The worker's Poetry fork servers end with its session."""
    yield
    close_servers()


@pytest.fixture
def project_factory(
    tmp_path: Path, index: PackageIndex, poetry_home: Path, request: pytest.FixtureRequest
) -> ProjectFactory:
    """Projects whose venvs Poetry makes without pip, unless the test is marked
    ``with_pip`` or asks for it (see :class:`PoetryProject`)."""
    counter = iter(range(1000))
    default = request.node.get_closest_marker("with_pip") is not None

    def make(name: str = "project", *, with_pip: bool = default) -> PoetryProject:
        return PoetryProject(
            tmp_path / f"{name}-{next(counter)}", poetry_home, index.url, with_pip=with_pip
        )

    return make


@pytest.fixture
def project(project_factory: ProjectFactory) -> PoetryProject:
    return project_factory()
