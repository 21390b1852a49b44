"""Each finding code, produced by a real Poetry-installed environment."""

from __future__ import annotations

import json
import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support.artifacts import Dist
from tests.support.poetry import installed_project
from tests.support.scenarios import clear_files
from tests.support.scenarios import edit_lock_package
from tests.support.scenarios import git_repository


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result


def both(project: PoetryProject, *args: str) -> Result:
    """Run the plugin and the stand-alone check; they must agree; return the plugin's."""
    plugin = project.lockguard("--format", "json", *args)
    standalone = project.standalone("--format", "json", *args)
    assert plugin.returncode == standalone.returncode, (plugin.output, standalone.output)
    assert plugin.findings() == standalone.findings()
    return plugin


def test_clean_environment_passes_in_every_format(project: PoetryProject) -> None:
    installed_project(project, ["beta>=1.0", "gamma[fast]"])
    result = both(project)
    assert result.returncode == 0
    assert result.codes() == []
    doc = result.json()
    assert doc["ok"] is True
    assert doc["lock"]["version"] == "2.1"
    assert doc["selection"] == {"groups": ["main"], "extras": []}
    assert doc["environment"]["fingerprint"].startswith("sha256:")

    text = project.lockguard()
    assert text.returncode == 0
    assert "matches poetry.lock (lock-version 2.1): 4 locked packages checked" in text.stdout

    github = project.lockguard("--format", "github")
    assert github.returncode == 0
    assert "::error" not in github.stdout


def test_missing_and_version_mismatch_and_extraneous(project: PoetryProject) -> None:
    installed_project(project, ["beta>=1.0", "delta"])
    project.pip("uninstall", "-y", "delta")
    project.pip("install", "alpha==1.0.0", "stray")
    result = both(project)
    assert result.returncode == 1
    assert result.findings() == [
        ("extraneous", "stray"),
        ("missing", "delta"),
        ("version-mismatch", "alpha"),
    ]
    mismatch = next(f for f in result.json()["findings"] if f["code"] == "version-mismatch")
    assert (mismatch["expected"], mismatch["found"]) == ("2.0.0", "1.0.0")
    assert mismatch["line"] == _lock_line(project.lock, "alpha")

    text = project.lockguard()
    assert text.returncode == 1
    assert "alpha is installed at 1.0.0, poetry.lock has 2.0.0" in text.stdout
    assert "Hint: run `poetry sync`" in text.stdout

    github = project.lockguard("--format", "github")
    line = _lock_line(project.lock, "alpha")
    assert (
        f"::error file=poetry.lock,line={line},title=lockguard version-mismatch%3A alpha::"
        in github.stdout
    )


@pytest.mark.with_pip  # the configured list replaces the default, which allows pip
def test_allow_extraneous_and_root_project_are_not_extraneous(project: PoetryProject) -> None:
    installed_project(
        project, ["alpha"], package_mode=True, lockguard={"allow-extraneous": ["stray", "pip"]}
    )
    project.pip("install", "stray")
    result = both(project)
    assert result.returncode == 0, result.output
    assert result.codes() == []


def _plant_named_like_the_root(project: PoetryProject) -> None:
    (site,) = project.venv.glob("lib/python*/site-packages")
    dist_info = site / "demo_app-9.9.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-app\nVersion: 9.9\n\n")
    (site / "demo_app_hook.pth").write_text("import os\n")
    (dist_info / "RECORD").write_text(
        "demo_app-9.9.dist-info/METADATA,,\ndemo_app_hook.pth,,\ndemo_app-9.9.dist-info/RECORD,,\n"
    )


@pytest.mark.parametrize("package_mode", [True, False], ids=["package mode", "no package"])
def test_a_distribution_named_like_the_root_is_not_exempt(
    project: PoetryProject, package_mode: bool
) -> None:
    installed_project(project, ["alpha"], package_mode=package_mode)
    if package_mode:  # Poetry's own install of the root goes
        (own,) = project.venv.glob("lib/python*/site-packages/demo_app-0.1.0.dist-info")
        shutil.rmtree(own)
    _plant_named_like_the_root(project)
    result = both(project)
    assert result.returncode == 1, result.output
    assert result.findings() == [("extraneous", "demo-app")], result.output


def test_lock_missing(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    result = both(project)
    assert result.returncode == 1
    assert result.findings() == [("lock-missing", None)]
    assert project.lockguard("--lock-only", "--format", "json").codes() == ["lock-missing"]


def test_lock_stale(project: PoetryProject) -> None:
    installed_project(project, ["alpha"])
    project.pyproject.write_text(
        project.pyproject.read_text().replace('"alpha"', '"alpha", "delta"')
    )
    result = project.lockguard("--format", "json", "--lock-only")
    assert result.returncode == 1
    assert result.findings() == [("lock-stale", None)]
    assert both(project).codes() == ["lock-stale"]
    # Poetry agrees that the lock is stale.
    assert project.poetry("check", "--lock").returncode == 1
    # In text, a lock-only check names the lock, not an environment (the pre-commit
    # hook lockguard-lock shows this).
    text = project.lockguard("--lock-only")
    assert text.returncode == 1, text.output
    assert "✗ poetry.lock (lock-version 2.1) has problems: 1 error, 0 warnings" in text.stdout
    assert "Hint: run `poetry lock`" in text.stdout


def test_unhashed_weak_hash_and_allow_unhashed(project: PoetryProject) -> None:
    installed_project(project, ["alpha", "delta"])
    clear_files(project.lock, "alpha")
    edit_lock_package(
        project.lock,
        "delta",
        r'hash = "sha256:[0-9a-f]+"',
        'hash = "md5:0123456789abcdef0123456789abcdef"',
    )
    result = both(project)
    assert result.returncode == 1
    assert result.findings() == [("unhashed", "alpha"), ("weak-hash", "delta")]
    assert project.lockguard("--lock-only", "--format", "json").findings() == [
        ("unhashed", "alpha"),
        ("weak-hash", "delta"),
    ]
    # Poetry itself sees nothing wrong with a hashless lock.
    assert project.poetry("check", "--lock").returncode == 0

    project.pyproject.write_text(
        project.pyproject.read_text() + '\n[tool.lockguard]\nallow-unhashed = ["alpha", "delta"]\n'
    )
    assert both(project).codes() == []


def test_source_mismatch_registry_vs_file(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    installed_project(project, ["alpha==1.0.0"])
    wheel = index.root / "alpha" / "alpha-1.0.0-py3-none-any.whl"
    project.pip("install", "--force-reinstall", "--no-deps", str(wheel))
    result = both(project)
    assert result.returncode == 1
    assert result.findings() == [("source-mismatch", "alpha")]
    finding = result.json()["findings"][0]
    assert finding["expected"] == "a package index"
    assert finding["found"].startswith("file ")


def test_file_url_and_git_sources(
    project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    wheels = project.path / "wheels"
    wheels.mkdir(parents=True)
    (wheels / "delta-1.0.0-py3-none-any.whl").write_bytes(
        (index.root / "delta" / "delta-1.0.0-py3-none-any.whl").read_bytes()
    )
    commit = git_repository(Dist("gitpkg", "1.0.0"), tmp_path / "gitrepo")
    url = index.url.replace("/simple/", "/files/alpha/alpha-1.0.0-py3-none-any.whl")
    installed_project(
        project,
        [
            f"gitpkg @ git+file://{tmp_path / 'gitrepo'}",
            f"alpha @ {url}",
            f"delta @ file://{wheels / 'delta-1.0.0-py3-none-any.whl'}",
        ],
    )
    lock = project.lock.read_text()
    assert commit in lock
    assert both(project).codes() == []

    # Installed from the registry instead of the locked url: source-mismatch.
    project.pip("install", "--force-reinstall", "--no-deps", "alpha==1.0.0")
    # The git package's locked commit moved (a force-pushed ref re-locked elsewhere).
    other = "f" * 40
    edit_lock_package(
        project.lock,
        "gitpkg",
        f'resolved_reference = "{commit}"',
        f'resolved_reference = "{other}"',
    )
    result = both(project)
    assert result.findings() == [("source-mismatch", "alpha"), ("source-mismatch", "gitpkg")]

    edit_lock_package(
        project.lock, "gitpkg", f'resolved_reference = "{other}"', 'resolved_reference = "abc123"'
    )
    assert ("unpinned-vcs", "gitpkg") in both(project).findings()


def test_invalid_distribution_is_a_finding(project: PoetryProject) -> None:
    installed_project(project, ["alpha"])
    site = next(project.venv.glob("lib/python*/site-packages"))
    (site / "alpha-2.0.0.dist-info" / "METADATA").unlink()
    broken = site / "ghost-1.0.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_bytes(b"Name: gh\xffost\nVersion: 1.0\n\n")
    result = both(project)
    assert result.returncode == 1
    assert result.findings() == [
        ("invalid-distribution", "alpha"),
        ("invalid-distribution", "ghost"),
        ("missing", "alpha"),
    ]


# The plugin takes its group options from Poetry (GroupCommand): every Poetry version.
@pytest.mark.poetry
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # No option: the selection the install recorded (--with docs --all-extras).
        ((), []),
        (("--with", "docs"), [("unselected", "epsilon")]),
        (("-E", "e1"), [("unselected", "docs-tool")]),
        (("--with", "docs", "--all-extras"), []),
        (("--all-groups", "--all-extras"), []),
        (("--only", "docs"), [("unselected", "alpha"), ("unselected", "epsilon")]),
        (
            ("--without", "main", "--with", "docs"),
            [("unselected", "alpha"), ("unselected", "epsilon")],
        ),
        (("--only", "docs", "--strict"), [("unselected", "alpha"), ("unselected", "epsilon")]),
    ],
)
def test_selection_follows_poetry_install_options(
    project: PoetryProject, options: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    if not project.lock.exists():
        project.write_pyproject(
            ["alpha"],
            groups={"docs": ["docs-tool"]},
            optional_groups={"docs"},
            extras={"e1": ["epsilon"]},
        )
        project.poetry("lock", check=True)
        project.poetry("install", "--with", "docs", "--all-extras", check=True)
    result = both(project, *options)
    assert result.findings() == expected
    errors = [c for c, _ in expected if c != "unselected"] or ("--strict" in options and expected)
    assert result.returncode == (1 if errors else 0)


def _lock_line(lock: Path, name: str) -> int:
    lines = lock.read_text().splitlines()
    for i, line in enumerate(lines):
        if line == f'name = "{name}"':
            return i  # the [[package]] header is the line before (1-based: i)
    raise AssertionError(name)


def test_json_stdout_holds_only_json(project: PoetryProject) -> None:
    installed_project(project, ["alpha"])
    result = project.lockguard("--format", "json")
    json.loads(result.stdout)
    result = project.standalone("--format", "json")
    json.loads(result.stdout)
