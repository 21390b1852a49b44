"""Packages a virtualenv was seeded with (pip, setuptools, wheel): info, not drift.

Unit tests on synthetic site-packages; the end-to-end case (`python -m venv`, then a
guarded `poetry install`) is in tests/guard/test_guard.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.checks.environment import EnvironmentCheck
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.errors import ConfigError
from poetry_lockguard.findings import Severity
from poetry_lockguard.lock.model import LockedPackage


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_lockguard.findings import Finding


def _dist(
    site: Path, name: str, version: str, installer: str | None = "pip", extra: tuple[str, ...] = ()
) -> None:
    """A dist-info as the venv tools leave it: METADATA, INSTALLER and a RECORD of
    the package's own files and scripts (and ``extra`` rows)."""
    dist_info = site / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )
    if installer is not None:
        (dist_info / "INSTALLER").write_text(installer + "\n")
    rows = [f"{name}/__init__.py", f"{name}/__pycache__/__init__.cpython-311.pyc"]
    if name == "setuptools":
        rows += ["pkg_resources/__init__.py", "_distutils_hack/__init__.py"]
        rows += ["distutils-precedence.pth"]
    if name in ("pip", "wheel"):
        rows += [f"../../../bin/{name}", f"../../../bin/{name}3"]
    rows += [f"{dist_info.name}/METADATA", f"{name}-{version}.virtualenv", *extra]
    digest = "sha256=" + "A" * 43  # a well-formed digest: the content is not checked here
    record = "".join(f"{row},{digest},1\n" for row in rows)
    (dist_info / "RECORD").write_text(record + f"{dist_info.name}/RECORD,,\n")


#: A policy without the default allow-extraneous (pip), so that pip is reported too.
NOTHING_ALLOWED: dict[str, Any] = {"allow-extraneous": []}


def _check(
    tmp_path: Path,
    table: dict[str, Any] | None = NOTHING_ALLOWED,
    required: dict[str, LockedPackage] | None = None,
) -> list[Finding]:
    return EnvironmentCheck(tmp_path / "project", "root").run(
        required or {}, scan_distributions((tmp_path / "site",)), load_policy(table)
    )


def test_seed_packages_are_info(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _dist(site, "pip", "23.2.1")
    _dist(site, "setuptools", "65.5.0")
    _dist(site, "wheel", "0.41.0", installer="uv")
    _dist(site, "stray", "1.0")
    findings = _check(tmp_path)
    assert [(f.code, f.package, f.severity) for f in findings] == [
        ("seed-package", "pip", Severity.INFO),
        ("seed-package", "setuptools", Severity.INFO),
        ("extraneous", "stray", Severity.ERROR),
        ("seed-package", "wheel", Severity.INFO),
    ]
    assert findings[1].message == (
        "setuptools 65.5.0 is a seed package (installed with the virtualenv or the"
        " interpreter, not by Poetry), not from poetry.lock"
    )


@pytest.mark.parametrize(
    ("name", "installer", "extra"),
    [
        ("setuptools", "pip", ("zz_evil.pth",)),  # a .pth it does not own runs at start-up
        ("wheel", "pip", ("requests/__init__.py",)),  # a file in another package
        ("pip", "pip", ("../../../bin/python",)),  # a script that is not its own
        ("pip", "pip", ("../../../bin/pipx-evil",)),  # named like it, not one of its own
        ("wheel", "pip", ("wheel/../zz_evil.pth",)),  # its own directory, then up out of it
        ("wheel", "evil", ()),  # not what a venv tool writes
        ("wheel", None, ()),  # no INSTALLER at all
        ("packaging", "uv", ()),  # packaging is seeded only beside wheel
    ],
)
def test_a_seed_name_without_a_seed_packages_evidence_is_extraneous(
    tmp_path: Path, name: str, installer: str | None, extra: tuple[str, ...]
) -> None:
    _dist(tmp_path / "site", name, "1.0", installer=installer, extra=extra)
    assert [(f.code, f.package) for f in _check(tmp_path)] == [("extraneous", name)]


def test_an_egg_info_or_a_broken_record_is_not_a_seed_package(tmp_path: Path) -> None:
    site = tmp_path / "site"
    egg = site / "setuptools-65.5.0-py3.11.egg-info"
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: setuptools\nVersion: 65.5.0\n")
    _dist(site, "wheel", "0.41.0")
    (site / "wheel-0.41.0.dist-info" / "RECORD").unlink()
    assert [(f.code, f.package) for f in _check(tmp_path)] == [
        ("extraneous", "setuptools"),
        ("extraneous", "wheel"),
    ]


def test_uv_seeds_packaging_with_wheel(tmp_path: Path) -> None:
    for name, version in (("pip", "26.0"), ("wheel", "0.48.0"), ("packaging", "26.0")):
        _dist(tmp_path / "site", name, version, installer="uv")
    assert [(f.code, f.package) for f in _check(tmp_path)] == [
        ("seed-package", "packaging"),
        ("seed-package", "pip"),
        ("seed-package", "wheel"),
    ]


def test_seed_packages_error_makes_them_errors(tmp_path: Path) -> None:
    _dist(tmp_path / "site", "setuptools", "65.5.0")
    findings = _check(tmp_path, {**NOTHING_ALLOWED, "seed-packages": "error"})
    assert [(f.code, f.severity) for f in findings] == [("seed-package", Severity.ERROR)]


def test_a_seed_name_that_poetry_installed_is_extraneous(tmp_path: Path) -> None:
    # Locked once, installed by Poetry, then dropped from the lock: drift `poetry sync` removes.
    _dist(tmp_path / "site", "setuptools", "80.0.0", installer="Poetry 2.1.3")
    assert [f.code for f in _check(tmp_path)] == ["extraneous"]


def test_a_list_without_pip_reports_pip_as_a_seed_package_not_extraneous(tmp_path: Path) -> None:
    _dist(tmp_path / "site", "pip", "23.2.1")
    _dist(tmp_path / "site", "ipython", "8.0.0")
    findings = _check(tmp_path, {"allow-extraneous": ["ipython"]})
    assert [(f.code, f.package, f.severity) for f in findings] == [
        ("seed-package", "pip", Severity.INFO)
    ]


def test_allow_extraneous_silences_a_seed_package(tmp_path: Path) -> None:
    _dist(tmp_path / "site", "pip", "23.2.1")
    _dist(tmp_path / "site", "setuptools", "65.5.0")
    assert [f.package for f in _check(tmp_path, {"allow-extraneous": ["pip"]})] == ["setuptools"]


def test_a_locked_seed_package_is_checked_like_any_other(tmp_path: Path) -> None:
    _dist(tmp_path / "site", "setuptools", "65.5.0")
    required = {"setuptools": LockedPackage("setuptools", "80.9.0")}
    findings = _check(tmp_path, required=required)
    assert [(f.code, f.expected, f.found) for f in findings] == [
        ("version-mismatch", "80.9.0", "65.5.0")
    ]


def test_pip_is_allowed_by_default_as_poetry_sync_keeps_it(tmp_path: Path) -> None:
    _dist(tmp_path / "site", "pip", "23.2.1")
    _dist(tmp_path / "site", "setuptools", "65.5.0")
    assert [(f.code, f.package) for f in _check(tmp_path, None)] == [("seed-package", "setuptools")]
    assert load_policy(None).seed_packages == "info"


@pytest.mark.parametrize("value", ["warn", True, ["pip"]])
def test_seed_packages_takes_info_or_error(value: object) -> None:
    with pytest.raises(ConfigError, match="seed-packages must be one of 'info', 'error'"):
        load_policy({"seed-packages": value})
