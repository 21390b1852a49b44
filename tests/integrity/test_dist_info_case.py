"""A ``.DIST-INFO`` spelled in upper case is a distribution to Python (importlib.metadata
matches the suffix in any case), so both entry points check it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.integrity.support import run_both
from tests.integrity.support import site_packages


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def test_an_upper_case_dist_info_is_checked(installed: PoetryProject) -> None:
    dist = site_packages(installed) / "Evil-1.0.DIST-INFO"
    dist.mkdir()
    (dist / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: Evil\nVersion: 1.0\n\n")
    for result in run_both(installed, "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert result.findings() == [("extraneous", "evil")]
    for result in run_both(installed, "--format", "json", "--integrity", hostile=False):
        assert result.returncode == 1, result.output
        assert result.findings() == [("extraneous", "evil"), ("record-missing", "evil")]
        [missing] = [f for f in result.json()["findings"] if f["code"] == "record-missing"]
        assert "egg-info" not in missing["message"]
