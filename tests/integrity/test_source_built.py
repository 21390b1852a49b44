"""The build policy, check side: a package the guard built from an sdist because
poetry.lock has no wheel for the environment is ``source-built`` (info, exit 0 in every
format, with ``--strict`` too); a build despite a locked compatible wheel stays
``built-from-source`` (an error)."""

from __future__ import annotations

import json
import re

from typing import TYPE_CHECKING

from tests.integrity.support import dist_info_of
from tests.integrity.support import run_both


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def test_only_an_sdist_locked_is_source_built_info(project: PoetryProject, tmp_path: Path) -> None:
    project.write_pyproject(["onlysdist==1.0.0", "alpha==2.0.0"])
    project.poetry("lock", check=True)
    result = project.poetry("install", env={"POETRY_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.output
    assert "built from source: onlysdist 1.0.0 (sdist)" in result.output
    receipt = json.loads((dist_info_of(project, "onlysdist") / "provenance_url.json").read_text())
    assert receipt["url"].endswith("/onlysdist-1.0.0.tar.gz")
    line = next(
        i
        for i, text in enumerate(project.lock.read_text().splitlines())
        if text == 'name = "onlysdist"'
    )  # its [[package]] line, counted from 1

    for result in run_both(project, "--integrity", "--format", "json", "--strict", hostile=False):
        assert result.returncode == 0, result.output
        document = result.json()
        assert [(f["code"], f["severity"], f["package"]) for f in document["findings"]] == [
            ("source-built", "info", "onlysdist")
        ]
        [f] = document["findings"]
        assert f["message"] == (
            "onlysdist 1.0.0 was built from the sdist onlysdist-1.0.0.tar.gz: poetry.lock"
            " lists no wheel this environment can install"
        )
        assert (f["found"], f["line"]) == ("onlysdist-1.0.0.tar.gz", line)
        assert document["ok"] is True
        assert (
            document["summary"]["errors"],
            document["summary"]["warnings"],
            document["summary"]["infos"],
        ) == (0, 0, 1)

    for result in run_both(project, "--integrity", "--format", "github", hostile=False):
        assert result.returncode == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("::notice file=poetry.lock,line=")
        assert "title=lockguard source-built%3A onlysdist::" in lines[0]
        assert lines[-1] == (
            "lockguard ok: 0 errors, 0 warnings, 1 notice, 2 locked packages checked"
        )

    for result in run_both(project, "--integrity", "--format", "sarif", hostile=False):
        assert result.returncode == 0, result.output
        [run] = result.json()["runs"]
        assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("source-built", "note")]
        rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "source-built")
        assert rule["defaultConfiguration"] == {"level": "note"}

    for result in run_both(project, "--integrity", "--format", "markdown", hostile=False):
        assert result.returncode == 0, result.output
        assert "0 errors, 0 warnings, 1 info;" in result.stdout
        assert "| ℹ️ | `source-built` | onlysdist |" in result.stdout

    for result in run_both(project, "--integrity", hostile=False):
        assert result.returncode == 0, result.output
        text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
        assert "source-built (1)\n  • onlysdist 1.0.0 was built from the sdist" in text
        assert "2 locked packages checked, " in text and " (1 info)." in text


def test_build_despite_a_locked_wheel_stays_built_from_source(
    project: PoetryProject, tmp_path: Path
) -> None:
    # Built from the sdist by the guard; then the lock gains a wheel this environment
    # can install (a re-lock after upstream published one) and the env is not synced.
    project.write_pyproject(["onlysdist==1.0.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True, env={"POETRY_CACHE_DIR": str(tmp_path / "cache")})
    for result in run_both(project, "--integrity", "--format", "json", hostile=False):
        assert (result.returncode, result.codes()) == (0, ["source-built"]), result.output
    lock = project.lock.read_text()
    sdist_row = re.search(r'\{file = "onlysdist-1.0.0.tar.gz", hash = "sha256:\w+"\}', lock)
    assert sdist_row is not None
    wheel_row = '{file = "onlysdist-1.0.0-py3-none-any.whl", hash = "sha256:' + "e" * 64 + '"}'
    project.lock.write_text(
        lock.replace(sdist_row.group(0), f"{wheel_row},\n    {sdist_row.group(0)}")
    )
    for result in run_both(project, "--integrity", "--format", "json", "--strict", hostile=False):
        assert result.returncode == 1, result.output
        assert [
            (f["code"], f["severity"], f["package"], f["expected"])
            for f in result.json()["findings"]
        ] == [
            # --strict: every package anchored; no archive has the wheel's sha256.
            ("unanchored", "error", "onlysdist", None),
            ("built-from-source", "error", "onlysdist", "onlysdist-1.0.0-py3-none-any.whl"),
        ]
