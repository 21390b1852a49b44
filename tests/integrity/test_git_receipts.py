"""The git receipt read back: the commit the guard verified and built, against the
lock's ``resolved_reference`` (``source-mismatch``), through both entry points."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

import tomlkit

from tests.guard.test_guard import fresh_name
from tests.guard.test_guard import locked
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.support.artifacts import Dist
from tests.support.scenarios import git_repository


if TYPE_CHECKING:
    from pathlib import Path

    from tests.types import ProjectFactory


def test_git_receipt_is_compared_with_the_locked_commit(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    dist = Dist(fresh_name("gitrcpt"), "1.0.0")
    commit = git_repository(dist, repo)
    project = locked(project_factory(), [f"{dist.name} @ git+file://{repo}"])
    project.poetry("install", check=True)
    dist_info = next(project.venv.glob(f"lib/python*/site-packages/{dist.module}-1.0.0.dist-info"))
    receipt = dist_info / "provenance_url.json"
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert (result.returncode, result.codes()) == (0, []), result.output

    # The receipt names another commit (RECORD fixed up to match, so only the receipt
    # speaks): what was verified and built is not what poetry.lock pins.
    other = "0" * 40
    data = json.loads(receipt.read_text())
    data["vcs_info"]["commit_id"] = other
    forged = (json.dumps(data, sort_keys=True) + "\n").encode()
    receipt.write_bytes(forged)
    rewrite_record_row(dist_info, f"{dist_info.name}/provenance_url.json", forged)
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        [f] = result.json()["findings"]
        assert (f["code"], f["severity"], f["package"]) == ("source-mismatch", "error", dist.name)
        assert f["message"] == (
            f"{dist.name} 1.0.0: the install receipt says commit {other} of {data['url']}"
            f" was verified and built, poetry.lock pins {commit}"
        )
        assert (f["expected"], f["found"]) == (
            f"git {data['url']}@{commit}",
            f"git {data['url']}@{other}",
        )
    # Without --integrity receipts are not read: direct_url.json names the locked commit.
    for result in run_both(project, "--format", "json", hostile=False):
        assert (result.returncode, result.codes()) == (0, []), result.output

    # No receipt at all (installed without the guard): unattested, an error when
    # receipts are required.
    receipt.unlink()
    rewrite_record_row(dist_info, f"{dist_info.name}/provenance_url.json", None)
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 0, result.output
        assert result.findings() == [("unattested", dist.name)]
    doc = tomlkit.parse(project.pyproject.read_text())
    doc["tool"]["lockguard"] = {"require-receipts": True}
    project.pyproject.write_text(tomlkit.dumps(doc))
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert result.returncode == 1, result.output
        assert result.findings() == [("unattested", dist.name)]
