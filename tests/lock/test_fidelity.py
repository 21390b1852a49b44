"""Small cases, in the test index, of what the real-lock corpus found: for each, Poetry's
own plan (``install --dry-run`` into an empty venv) and both entry points agree."""

from __future__ import annotations

import re
import sys

from typing import TYPE_CHECKING

import pytest

from tests.support.artifacts import Dist
from tests.support.differential import Harness
from tests.support.forkserver import POETRY
from tests.support.scenarios import downgrade_lock_to_2_0


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.differential import Comparison
    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return Harness(POETRY, tmp_path_factory.mktemp("differential"), in_process=True)


def _compare(harness: Harness, project: PoetryProject) -> list[Comparison]:
    result = harness.compare(project.path)
    assert not isinstance(result, str), result
    return result


def _plans(comparisons: list[Comparison]) -> dict[tuple[str, ...], object]:
    return {
        c.selection: sorted(c.poetry.plan) if c.poetry.plan is not None else c.poetry.refusal
        for c in comparisons
    }


def _add_entry(lock: Path, after: str, entry: str) -> None:
    """Insert a ``[[package]]`` entry before the one of ``after``."""
    text = lock.read_text()
    at = text.index(f'[[package]]\nname = "{after}"')
    lock.write_text(text[:at] + entry + "\n" + text[at:])


def _set_python_versions(lock: Path, name: str, version: str, value: str) -> None:
    text = lock.read_text()
    pattern = (
        rf'(name = "{name}"\nversion = "{re.escape(version)}"\n(?:.*\n)*?python-versions = )"[^"]*"'
    )
    text, count = re.subn(pattern, rf'\1"{value}"', text)
    assert count == 1
    lock.write_text(text)


def test_repeated_name_per_python_range_follows_the_edge(
    harness: Harness, project_factory: ProjectFactory
) -> None:
    # alpha is locked twice (1.0.0 for old Pythons, 2.0.0 for new ones): Poetry takes
    # the entry that the root's edge for the target asks for, not the first one.
    project = project_factory("repeated-edge")
    project.write_pyproject(
        legacy_dependencies={
            "python": ">=3.9",
            "alpha": [
                {"version": "1.0.0", "python": "<3.11"},
                {"version": "2.0.0", "python": ">=3.11"},
            ],
        }
    )
    project.poetry("lock", check=True)
    downgrade_lock_to_2_0(project.lock)
    comparisons = _compare(harness, project)
    assert _plans(comparisons)[()] == [("alpha", "2.0.0")]
    assert [c.problems for c in comparisons if not c.agree] == []


def test_repeated_name_picks_the_entry_whose_python_versions_fit(
    harness: Harness, project_factory: ProjectFactory
) -> None:
    # beta -> alpha>=1.0 and alpha locked twice: 2.0.0 only for Python < 3.0, so on the
    # target Poetry installs 1.0.0 although 2.0.0 comes first and is higher.
    project = project_factory("repeated-python")
    project.write_pyproject(["beta>=1.0"])
    project.poetry("lock", check=True)
    downgrade_lock_to_2_0(project.lock)
    _set_python_versions(project.lock, "alpha", "2.0.0", "<3.0")
    _add_entry(
        project.lock,
        "beta",
        '[[package]]\nname = "alpha"\nversion = "1.0.0"\ndescription = ""\noptional = false\n'
        'python-versions = ">=3.0"\nfiles = []\n',
    )
    comparisons = _compare(harness, project)
    assert _plans(comparisons)[()] == [("alpha", "1.0.0"), ("beta", "1.0.0")]
    assert [c.problems for c in comparisons if not c.agree] == []


@pytest.mark.parametrize("lock_version", ["2.1", "2.0"])
def test_extras_reached_by_a_required_path_too(
    harness: Harness, project_factory: ProjectFactory, lock_version: str
) -> None:
    # alpha is an extra of the root and also required through beta; zeta only through
    # the extra: every extra selection installs what Poetry installs.
    project = project_factory(f"extras-{lock_version}")
    project.write_pyproject(["beta>=1.0"], extras={"e1": ["alpha>=1.0", "zeta"]})
    project.poetry("lock", check=True)
    if lock_version == "2.0":
        downgrade_lock_to_2_0(project.lock)
    comparisons = _compare(harness, project)
    plans = _plans(comparisons)
    assert plans[()] == [("alpha", "2.0.0"), ("beta", "1.0.0")]
    assert plans[("-E", "e1")] == [("alpha", "2.0.0"), ("beta", "1.0.0"), ("zeta", "1.0.0")]
    assert [c.problems for c in comparisons if not c.agree] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--only", "main"), "Group(s) not found: main (via --only)"),
        (("--with", "nope"), "Group(s) not found: nope (via --with)"),
        (("--without", "nope", "--only", "dev"), "Group(s) not found: nope (via --without)"),
        (("-E", "nope"), "Extra [nope] is not specified."),
        (("-E", "e1", "--all-extras"), "You cannot specify explicit `--extras` while installing"),
    ],
)
def test_selections_poetry_refuses_are_exit_2_in_its_words(
    project_factory: ProjectFactory, args: tuple[str, ...], message: str
) -> None:
    project = project_factory("refused")
    if "-E" in args:
        project.write_pyproject(["beta"], extras={"e1": ["zeta"]})
    else:
        # A PEP 621 project without [project].dependencies has no "main" group.
        project.write_pyproject(groups={"dev": ["alpha"]})
        text = project.pyproject.read_text().replace("dependencies = []\n", "", 1)
        project.pyproject.write_text(text)
    project.poetry("lock", check=True)
    refused = project.poetry("install", "--dry-run", *args)
    assert refused.returncode == 1, refused.output
    assert message in refused.output.replace("\n", " ")
    for result in (project.standalone(*args), project.lockguard(*args)):
        assert result.returncode == 2, result.output
        assert message in result.stderr.replace("\n", " "), result.stderr


def test_only_main_with_python_alone_is_accepted(
    harness: Harness, project_factory: ProjectFactory
) -> None:
    project = project_factory("python-only")
    project.write_pyproject(legacy_dependencies={"python": ">=3.9"}, groups={"dev": ["alpha"]})
    text = project.pyproject.read_text().replace("dependencies = []\n", "", 1)
    project.pyproject.write_text(text)
    project.poetry("lock", check=True)
    comparisons = _compare(harness, project)
    assert _plans(comparisons)[("--only", "main")] == []
    assert [c.problems for c in comparisons if not c.agree] == []


@pytest.mark.parametrize("no_root", [False, True])
def test_package_mode_install_passes_integrity(
    project_factory: ProjectFactory, no_root: bool
) -> None:
    # The root project is installed editable, with absolute paths in its RECORD.
    project = project_factory("package-mode")
    project.write_pyproject(["beta>=1.0"], package_mode=True)
    project.poetry("lock", check=True)
    project.poetry("install", *(["--no-root"] if no_root else []), check=True)
    for result in (
        project.lockguard("--integrity", "--format", "json"),
        project.standalone("--integrity", "--format", "json"),
    ):
        assert (result.returncode, result.codes()) == (0, []), result.output


def test_optional_is_decided_by_the_followed_edges_not_the_lock_flag(
    harness: Harness, project_factory: ProjectFactory, index: PackageIndex
) -> None:
    # zeta is locked optional = false (plat-dep needs it on Windows), but on this
    # target only the optional needs-zeta reaches it: Poetry skips it unless -E e1.
    index.add(
        Dist("plat-dep", "1.0.0", requires=('zeta>=1.0; sys_platform == "win32"',)),
        Dist("needs-zeta", "1.0.0", requires=("zeta>=1.0",)),
    )
    project = project_factory("optional-flag")
    project.write_pyproject(["plat-dep"], extras={"e1": ["needs-zeta"]})
    project.poetry("lock", check=True)
    downgrade_lock_to_2_0(project.lock)
    assert re.search(
        r'name = "zeta"\nversion = "1.0.0"\n(?:.*\n)*?optional = false', project.lock.read_text()
    )
    comparisons = _compare(harness, project)
    plans = _plans(comparisons)
    assert plans[()] == [("plat-dep", "1.0.0")]
    assert plans[("-E", "e1")] == [
        ("needs-zeta", "1.0.0"),
        ("plat-dep", "1.0.0"),
        ("zeta", "1.0.0"),
    ]
    assert [c.problems for c in comparisons if not c.agree] == []


def test_a_package_asked_for_with_extras_is_its_own_node(
    harness: Harness, project_factory: ProjectFactory, index: PackageIndex
) -> None:
    # gamma is required plainly, and gamma[fast] only through the optional wants-fast:
    # delta (gamma's fast extra) is optional, though gamma itself is not.
    index.add(
        Dist("uses-gamma", "1.0.0", requires=("gamma",)),
        Dist("wants-fast", "1.0.0", requires=("gamma[fast]",)),
    )
    project = project_factory("extras-node")
    project.write_pyproject(["uses-gamma"], extras={"e1": ["wants-fast"]})
    project.poetry("lock", check=True)
    downgrade_lock_to_2_0(project.lock)
    comparisons = _compare(harness, project)
    plans = _plans(comparisons)
    assert plans[()] == [("gamma", "1.0.0"), ("uses-gamma", "1.0.0")]
    assert ("delta", "1.0.0") in plans[("-E", "e1")]  # type: ignore[operator]
    assert [c.problems for c in comparisons if not c.agree] == []


def test_a_name_locked_twice_for_the_target_is_ambiguous_lock(
    harness: Harness, project_factory: ProjectFactory
) -> None:
    # Two alpha entries that both apply (a real lock had this): Poetry installs both,
    # one over the other; lockguard warns and accepts either version.
    project = project_factory("ambiguous")
    project.write_pyproject(["beta>=1.0"], lockguard={"allow-unhashed": ["alpha"]})
    project.poetry("lock", check=True)
    _add_entry(
        project.lock,
        "alpha",
        '[[package]]\nname = "alpha"\nversion = "1.0.0"\ndescription = ""\noptional = false\n'
        'python-versions = "*"\ngroups = ["main"]\nfiles = []\n',
    )
    comparisons = _compare(harness, project)
    # Poetry 2.5 plans both entries; 2.0.0 the later one only.
    assert _plans(comparisons)[()] in (
        [("alpha", "1.0.0"), ("alpha", "2.0.0"), ("beta", "1.0.0")],
        [("alpha", "2.0.0"), ("beta", "1.0.0")],
    )
    assert all(c.lockguard.ambiguous == {"alpha"} for c in comparisons)
    assert [c.problems for c in comparisons if not c.agree] == []
    # (Poetry itself, installing both at once, can leave two alpha dist-infos.)
    project.poetry("env", "use", sys.executable, check=True)
    project.pip("install", "beta==1.0.0", "alpha==1.0.0")
    for version in ("1.0.0", "2.0.0"):
        project.pip("install", f"alpha=={version}")
        result = project.standalone("--format", "json")
        assert (result.returncode, result.findings()) == (0, [("ambiguous-lock", "alpha")]), (
            result.output
        )
