"""--format sarif (against the official SARIF 2.1.0 schema), --format markdown, and the
GitHub job summary written with --format github."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import finding
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.report.markdown import MarkdownReporter
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.report.sarif import SarifReporter
from tests.ci_and_fleet.support import SARIF_SCHEMA
from tests.ci_and_fleet.support import drift
from tests.ci_and_fleet.support import lock_line
from tests.ci_and_fleet.support import sarif_results
from tests.support.poetry import installed_project
from tests.support.schemas import draft
from tests.support.schemas import schema_errors


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject

VALIDATOR = "Draft4Validator"


def assert_sarif(document: Any) -> None:
    errors = schema_errors(SARIF_SCHEMA, document, validator=VALIDATOR)
    assert not errors, "\n".join(errors)


def _report(findings: tuple[Any, ...]) -> Report:
    return Report(
        project="/srv/app",
        lock=LockInfo(
            path="/srv/app/poetry.lock",
            version="2.1",
            content_hash="0" * 64,
            fresh=True,
            packages=3,
        ),
        environment=EnvironmentInfo(
            path="/srv/app/.venv",
            python="/srv/app/.venv/bin/python",
            python_version="3.11.7",
            fingerprint="sha256:" + "a" * 64,
            packages=3,
        ),
        selection=Selection(groups=frozenset({"main"}), extras=frozenset()),
        findings=findings,
        required=3,
    )


def test_the_vendored_schema_is_the_sarif_2_1_0_schema() -> None:
    draft(VALIDATOR).check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_every_code_has_a_rule_with_description_and_help_and_validates() -> None:
    findings = tuple(
        finding(
            code, None if code.startswith("lock-") else "pkg|*x*", f"{code} <b>|", line=i or None
        )
        for i, code in enumerate(CATALOGUE)
    )
    document = SarifReporter().document(_report(findings))
    assert_sarif(document)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CATALOGUE)
    for rule in rules:
        assert rule["shortDescription"]["text"].startswith(rule["id"] + ": ")
        assert rule["help"]["text"].endswith(".")
        severity = CATALOGUE[rule["id"]].severity.value
        assert rule["defaultConfiguration"]["level"] == {"info": "note"}.get(severity, severity)
    # Every code has its own help: the catalogue's hint, never the generic fallback.
    assert not any("see docs/check.md" in r["help"]["text"] for r in rules)
    results = document["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == list(CATALOGUE)
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    lock_missing = next(r for r in results if r["ruleId"] == "lock-missing")
    assert lock_missing["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "pyproject.toml"
    )

    # Markdown: one table row per finding; pipes and markup in values stay inside a cell.
    markdown = MarkdownReporter().render(_report(findings))
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(CATALOGUE)  # the header and one row a finding
    assert all(row.count(" | ") == 6 for row in rows[1:]), rows


@pytest.mark.slow
def test_sarif_and_markdown_of_a_real_drifted_environment(project: PoetryProject) -> None:
    installed_project(project, ["beta>=1.0", "delta"])
    clean = project.lockguard("--format", "sarif")
    assert clean.returncode == 0, clean.output
    assert_sarif(clean.json())
    assert clean.json()["runs"][0]["results"] == []

    drift(project)
    expected = [("extraneous", "stray"), ("missing", "delta"), ("version-mismatch", "alpha")]
    plugin = project.lockguard("--format", "sarif")
    standalone = project.standalone("--format", "sarif")
    for result in (plugin, standalone):
        assert result.returncode == 1, result.output
        assert result.stderr == ""
        document = result.json()
        assert_sarif(document)
        assert sarif_results(result) == expected
        results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
        location = results["version-mismatch"]["locations"][0]["physicalLocation"]
        # The working directory is the project: the URI is relative, as upload-sarif needs.
        assert location["artifactLocation"]["uri"] == "poetry.lock"
        assert location["region"]["startLine"] == lock_line(project.lock, "alpha")
        assert results["version-mismatch"]["properties"]["expected"] == "2.0.0"
        assert results["version-mismatch"]["properties"]["found"] == "1.0.0"
        assert results["version-mismatch"]["level"] == "error"
    assert plugin.json()["runs"][0]["results"] == standalone.json()["runs"][0]["results"]

    markdown = project.lockguard("--format", "markdown")
    assert markdown.returncode == 1
    assert markdown.stdout.startswith("### ❌ lockguard:")
    assert "| ❌ | `version-mismatch` | alpha | 2.0.0 | 1.0.0 |" in markdown.stdout
    assert "| ❌ | `missing` | delta | 1.0.0 |  |" in markdown.stdout
    assert "| ❌ | `extraneous` | stray |  | 1.0.0 |" in markdown.stdout
    assert (
        project.standalone("--format", "markdown").stdout.splitlines()[2:]
        == (markdown.stdout.splitlines()[2:])
    )


@pytest.mark.slow
def test_github_format_appends_the_table_to_the_step_summary(
    project: PoetryProject, tmp_path: Path
) -> None:
    installed_project(project, ["alpha"])
    summary = tmp_path / "step-summary.md"
    summary.write_text("# earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}

    clean = project.lockguard("--format", "github", env=env)
    assert clean.returncode == 0, clean.output
    project.pip("install", "alpha==1.0.0")
    drifted = project.standalone("--format", "github", env=env)
    assert drifted.returncode == 1, drifted.output
    # stdout is still annotations only; the table went to the summary file, appended.
    line = lock_line(project.lock, "alpha")
    assert drifted.stdout.startswith(
        f"::error file=poetry.lock,line={line},title=lockguard version-mismatch%3A alpha::"
    )
    assert "|" not in drifted.stdout
    text = summary.read_text()
    assert text.startswith("# earlier step\n### ✅ lockguard:")
    assert "### ❌ lockguard:" in text
    assert "| ❌ | `version-mismatch` | alpha | 2.0.0 | 1.0.0 |" in text
    plugin = project.lockguard("--format", "github", env=env)
    assert plugin.returncode == 1
    assert summary.read_text().count("### ❌ lockguard:") == 2

    # Other formats leave the summary alone.
    project.lockguard("--format", "json", env=env)
    project.standalone("--format", "text", env=env)
    assert summary.read_text().count("lockguard:") == 3


def test_could_not_check_writes_a_failed_sarif_invocation(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    project.lock.write_text("this is [not toml\n")
    for result in (project.standalone("--format", "sarif"), project.lockguard("--format", "sarif")):
        assert result.returncode == 2, result.output
        document = json.loads(result.stdout)
        assert_sarif(document)
        invocation = document["runs"][0]["invocations"][0]
        assert invocation["executionSuccessful"] is False
        assert "poetry.lock" in invocation["toolExecutionNotifications"][0]["message"]["text"]
        markdown = project.standalone("--format", "markdown")
        assert markdown.returncode == 2
        assert markdown.stdout.startswith("### ⚠️ lockguard could not check")
