"""The scan of site directories: which entries are distributions (the oracle is
importlib.metadata, which Python and pip read them with) and a report that does not
depend on the order a directory lists its entries in."""

from __future__ import annotations

import importlib.metadata
import os
import random

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.environment import EnvironmentCheck
from poetry_lockguard.config import Policy
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.report.style import render_tags
from poetry_lockguard.report.text import TextReporter


if TYPE_CHECKING:
    from pytest_mock import MockerFixture


def _plant(site: Path, entry: str, name: str, version: str, *, as_file: bool = False) -> None:
    text = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
    if as_file:
        (site / entry).write_text(text)
        return
    (site / entry).mkdir()
    metadata = "PKG-INFO" if entry.lower().endswith(".egg-info") else "METADATA"
    (site / entry / metadata).write_text(text)


#: (entry, Name, Version, a file rather than a directory): spellings importlib.metadata
#: reads, and names it does not.
SPELLINGS = [
    ("Alpha-1.0.DIST-INFO", "Alpha", "1.0", False),
    ("beta-2.0.Dist-Info", "beta", "2.0", False),
    ("gamma-1.0.dist-info", "gamma", "1.0", False),
    ("Zeta_Pkg-4.0.dIsT-iNfO", "Zeta_Pkg", "4.0", False),
    ("Delta-3.0-py3.9.EGG-INFO", "Delta", "3.0", False),
    ("eps-1.0-py3.9.Egg-Info", "eps", "1.0", True),
    ("omega-1.0.dist-info.bak", "omega", "1.0", False),
    ("theta-1.0.distinfo", "theta", "1.0", False),
    ("iota-1.0.dist_info", "iota", "1.0", False),
    ("kappa-1.0.DIST-INFO~", "kappa", "1.0", False),
]


def test_the_scan_finds_what_importlib_metadata_finds(tmp_path: Path) -> None:
    for entry, name, version, as_file in SPELLINGS:
        _plant(tmp_path, entry, name, version, as_file=as_file)
    oracle = sorted(
        (str(canonicalize_name(d.metadata["Name"])), d.version)
        for d in importlib.metadata.distributions(path=[str(tmp_path)])
    )
    scanned = sorted((d.name, d.version) for d in scan_distributions((tmp_path,)))
    assert scanned == oracle
    assert scanned == [
        ("alpha", "1.0"),
        ("beta", "2.0"),
        ("delta", "3.0"),
        ("eps", "1.0"),
        ("gamma", "1.0"),
        ("zeta-pkg", "4.0"),
    ]
    assert all(d.problem == "" for d in scan_distributions((tmp_path,)))


@pytest.mark.parametrize(
    ("entry", "dist_info", "egg_info"),
    [
        ("alpha-1.0.DIST-INFO", True, False),
        ("alpha-1.0.dist-info", True, False),
        ("alpha-1.0-py3.9.EGG-INFO", False, True),
    ],
)
def test_a_distribution_kind_is_read_in_any_case(
    tmp_path: Path, entry: str, dist_info: bool, egg_info: bool
) -> None:
    _plant(tmp_path, entry, "alpha", "1.0")
    (tmp_path / entry / "INSTALLER").write_text("pip\n")
    [dist] = scan_distributions((tmp_path,))
    assert (dist.is_dist_info, dist.is_egg_info) == (dist_info, egg_info)
    assert dist.installer() == ("pip" if dist_info else "")


def _check(sites: tuple[Path, ...], required: dict[str, LockedPackage]) -> list[tuple[str, str]]:
    findings = EnvironmentCheck(Path("."), "root").run(
        required, scan_distributions(sites), Policy()
    )
    return [(f.code, f.package or "") for f in findings]


def test_an_upper_case_dist_info_is_checked_against_the_lock(tmp_path: Path) -> None:
    _plant(tmp_path, "alpha-2.0.DIST-INFO", "alpha", "2.0")
    _plant(tmp_path, "Stray-1.0.Dist-Info", "Stray", "1.0")
    required = {"alpha": LockedPackage(name="alpha", version="1.0", line=3)}
    assert _check((tmp_path,), required) == [
        ("version-mismatch", "alpha"),
        ("extraneous", "stray"),
    ]


def test_an_upper_case_dist_info_beside_the_locked_one_is_a_duplicate(tmp_path: Path) -> None:
    _plant(tmp_path, "alpha-1.0.dist-info", "alpha", "1.0")
    _plant(tmp_path, "ALPHA-2.0.DIST-INFO", "alpha", "2.0")
    required = {"alpha": LockedPackage(name="alpha", version="1.0", line=3)}
    assert _check((tmp_path,), required) == [("duplicate-distribution", "alpha")]


def _text(sites: tuple[Path, ...]) -> str:
    required = {
        "alpha": LockedPackage(name="alpha", version="1.0", line=3),
        "beta": LockedPackage(name="beta", version="1.0", line=9),
    }
    findings = EnvironmentCheck(Path("."), "root").run(
        required, scan_distributions(sites), Policy()
    )
    report = Report(
        project="/srv/app",
        lock=LockInfo(path="/srv/app/poetry.lock", version="2.1"),
        environment=EnvironmentInfo(
            path="/srv/app/.venv",
            python="/srv/app/.venv/bin/python",
            python_version="3.12.1",
            fingerprint="sha256:" + "a" * 64,
            packages=len(findings),
        ),
        selection=None,
        findings=tuple(findings),
        required=2,
    )
    return render_tags(TextReporter().render(report), colour=False)


def test_duplicate_distribution_text_does_not_depend_on_listing_order(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    first, second = tmp_path / "site", tmp_path / "user"
    first.mkdir()
    second.mkdir()
    for entry, name, version in [
        ("alpha-1.0.dist-info", "alpha", "1.0"),
        ("Alpha-2.0.dist-info", "Alpha", "2.0"),
        ("ALPHA-3.0.DIST-INFO", "alpha", "3.0"),
        ("alpha-4.0-py3.9.egg-info", "alpha", "4.0"),
        ("a_b-1.0.dist-info", "a_b", "1.0"),
        ("A.B-2.0.dist-info", "A.B", "2.0"),
        ("beta-1.0.dist-info", "beta", "1.0"),
    ]:
        _plant(first, entry, name, version)
    _plant(second, "beta-1.0.dist-info", "beta", "1.0")
    _plant(second, "alpha-5.0.dist-info", "alpha", "5.0")

    real_scandir = os.scandir
    rng = random.Random(0)
    orders: list[list[str]] = []

    def shuffled(path: str | os.PathLike[str]) -> object:
        """os.scandir over the real entries, in a shuffled order."""
        with real_scandir(path) as it:
            entries = list(it)
        rng.shuffle(entries)
        orders.append([e.name for e in entries])
        listing = mocker.MagicMock()
        listing.__enter__.return_value = listing
        listing.__iter__.side_effect = lambda: iter(entries)
        return listing

    mocker.patch("poetry_lockguard.env.distributions.os.scandir", side_effect=shuffled)
    texts = {_text((first, second)) for _ in range(6)}
    assert len({tuple(o) for o in orders[::2]}) > 1  # the listings did differ
    [text] = texts
    lines = text.splitlines()
    assert lines[0] == "duplicate-distribution (3)"
    assert lines[1] == (
        f"  • a-b is installed 2 times in one directory: {first}/A.B-2.0.dist-info (2.0),"
        f" {first}/a_b-1.0.dist-info (1.0)"
    )
    assert lines[2] == (
        f"  • alpha is installed 5 times, 4 of them in one directory ({first}):"
        f" {first}/ALPHA-3.0.DIST-INFO (3.0), {first}/Alpha-2.0.dist-info (2.0),"
        f" {first}/alpha-1.0.dist-info (1.0), {first}/alpha-4.0-py3.9.egg-info (4.0),"
        f" {second}/alpha-5.0.dist-info (5.0)  (poetry.lock:3)"
    )
    assert lines[3] == (
        f"  • beta is installed 2 times: {first}/beta-1.0.dist-info (1.0),"
        f" {second}/beta-1.0.dist-info (1.0); {first}/beta-1.0.dist-info comes first on"
        " sys.path and shadows the others  (poetry.lock:9)"
    )
