"""The steps of ``repair`` that need no Poetry run: the plan from a check's findings,
nothing to repair, leftovers pip cannot take out, and a Poetry that cannot start."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.commands.check import CheckOptions
from poetry_lockguard.commands.repair import RepairPlan
from poetry_lockguard.commands.repair import plan_repair
from poetry_lockguard.commands.repair import run_repair
from poetry_lockguard.errors import EnvironmentInspectionError
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from tests.integrity.support import site_packages


ERROR = Severity.ERROR

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_mock import MockerFixture

    from tests.support.poetry import PoetryProject


@pytest.mark.parametrize("remove_extraneous", [False, True])
def test_the_plan_of_a_reinstall(remove_extraneous: bool) -> None:
    findings = (
        finding("lock-stale", None, "stale"),
        finding("ambiguous-lock", "delta", "twice"),  # a warning: nothing to do
        finding("unselected", "docs-tool", "docs"),
        finding("unselected", "zeta", "strict", severity=finding("missing", "x", "").severity),
        finding("extraneous", "stray", "stray"),
        finding("missing", "gamma", "missing"),
        finding("version-mismatch", "alpha", "1.0.0"),
        finding("file-modified", "alpha", "edited"),
        finding("unattested", "beta", "no receipt"),
        # seed-packages = "error": Poetry's sync removes setuptools, never a seed pip.
        finding("seed-package", "setuptools", "seeded", severity=ERROR),
        finding("seed-package", "pip", "seeded", severity=ERROR),
        finding("seed-package", "wheel", "seeded"),  # info: only poetry sync removes it
    )
    report = Report("demo", LockInfo("poetry.lock"), None, None, findings)
    pip = "seed-package: `poetry sync` keeps pip; `python -m pip uninstall pip` removes it"
    assert plan_repair(report, remove_extraneous=remove_extraneous) == RepairPlan(
        reinstall={"alpha": ("file-modified",), "beta": ("unattested",)},
        install={"gamma": ("missing",)},
        remove={"setuptools": "seed-package", "stray": "extraneous", "wheel": "seed-package"}
        if remove_extraneous
        else {},
        unfixable=("lock-stale",),
        left={"pip": pip}
        if remove_extraneous
        else {
            "pip": pip,
            "setuptools": "seed-package: --remove-extraneous removes it",
            "stray": "extraneous: --remove-extraneous removes it",
        },
    )


def test_a_stale_lock_alone_is_not_repairable(installed: PoetryProject) -> None:
    installed.pyproject.write_text(
        installed.pyproject.read_text().replace('"beta>=1.0"', '"beta>=1.0", "zeta"')
    )
    result = installed.main("repair", "-C", str(installed.path), "--python", str(installed.python))
    assert result.returncode == 1, result.output
    assert result.stdout.splitlines() == [
        "not repairable by reinstalling: lock-stale (see `poetry lockguard check`)",
        "nothing to repair",
    ]


def test_leftovers_are_taken_out_before_poetry_is_started(
    installed: PoetryProject, mocker: MockerFixture
) -> None:
    # Poetry names the checked venv as the one it installs into, then fails to start.
    mocker.patch(
        "poetry_lockguard.commands.repair._poetry_environment",
        return_value=installed.venv.resolve(),
    )
    site = site_packages(installed)
    (site / "alpha" / "__init__.py").write_text("print('owned')\n")  # file-modified
    # A second copy of alpha, and a distutils one (a file): pip takes out one at most.
    copy = site / "alpha-1.0.0.dist-info"
    copy.mkdir()
    (copy / "METADATA").write_text("Metadata-Version: 2.1\nName: alpha\nVersion: 1.0.0\n")
    (site / "alpha-0.9.egg-info").write_text("Metadata-Version: 1.1\nName: alpha\nVersion: 0.9\n")
    options = CheckOptions(project_dir=installed.path, python=installed.python)
    with pytest.raises(EnvironmentInspectionError) as error:
        run_repair(options, poetry=[str(installed.path / "no-poetry")])
    assert str(error.value) == "cannot start Poetry (No such file or directory)"
    # Its files stay for the install to overwrite; no metadata of it is left.
    assert list(site.glob("alpha-*")) == []


def test_take_out_never_follows_a_link_out_of_the_environment(tmp_path: Path) -> None:
    """A ``__pycache__`` or a site directory linked elsewhere: nothing there is removed."""
    from poetry_lockguard.commands.repair import _areas
    from poetry_lockguard.commands.repair import _remove

    prefix = tmp_path / "venv"
    site = prefix / "lib" / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mod.cpython-311.pyc").write_bytes(b"")
    (site / "pkg" / "mod.py").write_text("")
    (site / "pkg" / "__pycache__").symlink_to(outside)
    linked = prefix / "lib" / "linked-site"
    linked.symlink_to(outside)
    (outside / "other.py").write_text("")

    class Target:
        site_dirs = (site, linked)
        scripts = prefix / "bin"

    Target.prefix = prefix  # type: ignore[attr-defined]
    areas, scripts, venv = _areas(Target())  # type: ignore[arg-type]
    assert venv
    assert areas == (
        str(site.resolve()),
        *(str(prefix.resolve() / n) for n in ("share", "include", "etc")),
    )
    assert _remove(str(site / "pkg" / "mod.py"), areas, scripts, set(), True) == 1
    assert (outside / "mod.cpython-311.pyc").exists()  # not through the linked __pycache__
    assert _remove(str(linked / "other.py"), areas, scripts, set(), True) == 0
    assert (outside / "other.py").exists()
    # Outside a virtualenv only what the locked archive installs.
    (site / "pkg" / "listed.py").write_text("")
    assert _remove(str(site / "pkg" / "listed.py"), areas, scripts, set(), False) == 0
    assert (
        _remove(
            str(site / "pkg" / "listed.py"),
            areas,
            scripts,
            {str(site / "pkg" / "listed.py")},
            False,
        )
        == 1
    )
