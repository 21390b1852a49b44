"""The check after a good install: drift the command made, and drift it found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.findings import finding
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.plugin.install_guard.after_install import drift_lines
from poetry_lockguard.plugin.install_guard.after_install import installed_entries
from poetry_lockguard.plugin.install_guard.after_install import preexisting


if TYPE_CHECKING:
    from pathlib import Path


def site(tmp_path: Path, *entries: str) -> Path:
    directory = tmp_path / "site-packages"
    directory.mkdir(exist_ok=True)
    for entry in entries:
        (directory / entry).mkdir()
    return directory


def test_installed_entries_are_the_metadata_directories_by_name(tmp_path: Path) -> None:
    where = site(
        tmp_path, "Stray_Pkg-1.0.0.dist-info", "old-2.0-py3.9.egg-info", "Upper-1.DIST-INFO", "pkg"
    )
    (where / "notes.txt").write_text("")
    entries = installed_entries([where, where, tmp_path / "absent"])
    assert entries == {
        "stray-pkg": frozenset({f"{where}/Stray_Pkg-1.0.0.dist-info"}),
        "old": frozenset({f"{where}/old-2.0-py3.9.egg-info"}),
        "upper": frozenset({f"{where}/Upper-1.DIST-INFO"}),
    }


def test_only_an_untouched_package_installed_as_before_is_preexisting(tmp_path: Path) -> None:
    before = {
        "stray": frozenset({"s/stray-1.0.dist-info"}),
        "moved": frozenset({"s/moved-1.0.dist-info"}),
        "ours": frozenset({"s/ours-1.0.dist-info"}),
    }
    after = {
        "stray": frozenset({"s/stray-1.0.dist-info"}),
        "moved": frozenset({"s/moved-2.0.dist-info"}),  # changed during the command
        "ours": frozenset({"s/ours-1.0.dist-info"}),
        "new": frozenset({"s/new-1.0.dist-info"}),  # appeared during the command
    }
    findings = [
        finding("extraneous", "Stray", "stray 1.0"),
        finding("extraneous", "moved", "moved 2.0"),
        finding("source-mismatch", "ours", "ours from elsewhere"),
        finding("extraneous", "new", "new 1.0"),
        finding("lock-stale", None, "stale"),
    ]
    found = preexisting(findings, before, after, touched={"ours"})
    assert [(f.code, f.package) for f in found] == [("extraneous", "Stray")]


def test_drift_lines_split_what_the_command_made_from_what_it_found() -> None:
    old = finding("extraneous", "stray", "stray 1.0.0 is installed")
    new = finding("missing", "alpha", "alpha 2.0.0 is not installed")
    info = finding("seed-package", "setuptools", "setuptools came with the venv")
    made, found = drift_lines(
        [old, new, info],
        reported=set(),
        command_line="poetry add",
        selection=SelectionRequest(with_groups=("docs",)),
        before=[old],
    )
    assert made == [
        "lockguard: after `poetry add` the environment does not match poetry.lock (1 error)",
        "  • missing: alpha 2.0.0 is not installed",
        "Hint: run `poetry sync --with docs` to make the environment match poetry.lock",
    ]
    assert found == [
        (
            "lockguard: the environment already differed from poetry.lock before `poetry add`"
            " (1 warning, not caused by this command):"
        ),
        "  • extraneous: stray 1.0.0 is installed",
        "Hint: run `poetry sync --with docs` to remove packages poetry.lock does not require",
    ]
    only_old = drift_lines([old], set(), "poetry remove", SelectionRequest(), before=[old])
    assert only_old[0] == []
    assert only_old[1][0] == (
        "lockguard: `poetry remove` succeeded; the environment already differed from"
        " poetry.lock before it (1 warning, not caused by this command):"
    )
    assert drift_lines([old], {("extraneous", "stray")}, "poetry add", SelectionRequest()) == (
        [],
        [],
    )
