"""Where a package was installed from (direct_url.json) against where the lock has it,
in-process: the cases between a git, url, file or directory source and what pip or
Poetry wrote."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.checks.environment import EnvironmentCheck
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource


if TYPE_CHECKING:
    from pathlib import Path

REPO = "https://example.invalid/pkg.git"
COMMIT = "a" * 40
ARCHIVE = "https://example.invalid/pkg-1.0.tar.gz"

#: (source type, url, develop, direct_url.json, expected, found); None: no finding.
CASES: list[tuple[str, str, bool, dict[str, Any], tuple[str, str] | None]] = [
    (
        "git",
        REPO,
        False,
        {
            "url": "https://example.invalid/other.git",
            "vcs_info": {"vcs": "git", "commit_id": COMMIT},
        },
        (f"git {REPO}@{COMMIT}", f"git https://example.invalid/other.git@{COMMIT}"),
    ),
    (
        "git",
        REPO,
        False,
        {"url": f"git+{REPO}", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
        None,
    ),
    ("url", ARCHIVE, False, {"url": ARCHIVE, "archive_info": {}}, None),
    (
        "url",
        ARCHIVE,
        False,
        {"url": ARCHIVE, "dir_info": {}},
        (f"url {ARCHIVE}", f"directory {ARCHIVE}"),
    ),
    (
        "directory",
        "pkg",
        True,
        {"url": "file://{project}/pkg", "dir_info": {}},
        ("editable directory {project}/pkg", "non-editable directory {project}/pkg"),
    ),
    (
        "directory",
        "pkg",
        False,
        {"url": "file://{project}/pkg", "dir_info": {"editable": True}},
        ("non-editable directory {project}/pkg", "editable directory {project}/pkg"),
    ),
    ("directory", "pkg", False, {"url": "file://{project}/pkg", "dir_info": "not a table"}, None),
    (
        "file",
        "pkg-1.0.tar.gz",
        False,
        {"url": "file://{project}/pkg-1.0.tar.gz", "archive_info": {}},
        None,
    ),
    (
        "file",
        "pkg-1.0.tar.gz",
        False,
        {"url": ARCHIVE, "archive_info": {}},
        ("file {project}/pkg-1.0.tar.gz", f"url {ARCHIVE}"),
    ),
    (
        "",
        "",
        False,
        {"url": "file://{project}/other", "dir_info": {"editable": True}},
        ("a package index", "editable directory {project}/other"),
    ),
]


@pytest.mark.parametrize(
    ("kind", "url", "develop", "direct", "mismatch"),
    CASES,
    ids=[f"{c[0] or 'registry'}-{n}" for n, c in enumerate(CASES)],
)
def test_source_mismatch(
    tmp_path: Path,
    kind: str,
    url: str,
    develop: bool,
    direct: dict[str, Any],
    mismatch: tuple[str, str] | None,
) -> None:
    project = tmp_path / "project"
    site = tmp_path / "site"
    dist_info = site / "pkg-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
    text = json.dumps(direct).replace("{project}", str(project))
    (dist_info / "direct_url.json").write_text(text)
    source = LockedSource(type=kind, url=url, resolved_reference=COMMIT if kind == "git" else "")
    package = LockedPackage("pkg", "1.0", source=source, develop=develop)
    findings = EnvironmentCheck(project, "root").run(
        {"pkg": package}, scan_distributions((site,)), load_policy(None)
    )
    found = [(f.code, f.expected, f.found) for f in findings]
    if mismatch is None:
        assert found == []
    else:
        expected, got = (side.replace("{project}", str(project)) for side in mismatch)
        assert found == [("source-mismatch", expected, got)]
