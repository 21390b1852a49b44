from __future__ import annotations

import json

from importlib.resources import files
from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.report.json_report import JsonReporter
from poetry_lockguard.report.model import SCHEMA_VERSION
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from tests.support.schemas import draft
from tests.support.schemas import schema_errors
from tests.support.schemas import validator_for


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result

VALIDATOR = "Draft202012Validator"
SCHEMA: dict[str, Any] = json.loads(
    files("poetry_lockguard.report").joinpath("schema.json").read_text(encoding="utf-8")
)


def assert_valid(document: Any) -> None:
    errors = schema_errors(SCHEMA, document, validator=VALIDATOR)
    assert not errors, "\n".join(errors)


def validated(result: Result) -> dict[str, Any]:
    assert result.stderr == "", result.output
    document: dict[str, Any] = result.json()
    assert_valid(document)
    return document


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    draft(VALIDATOR).check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_schema_code_enum_equals_declared_codes() -> None:
    enum = SCHEMA["$defs"]["code"]["enum"]
    assert len(enum) == len(set(enum))
    assert enum == list(CATALOGUE)


def _report_with_every_code() -> Report:
    findings = tuple(
        finding(
            code,
            None if code.startswith("lock-") else f"pkg-{i}",
            f"{code} happened",
            expected="1.0" if i % 2 else None,
            found="2.0" if i % 3 else None,
            line=i + 1 if i % 2 else None,
            path=f"/site-packages/pkg_{i}.dist-info" if i % 4 == 0 else None,
        )
        for i, code in enumerate(CATALOGUE)
    )
    return Report(
        project="/srv/app",
        lock=LockInfo(
            path="/srv/app/poetry.lock",
            version="2.1",
            content_hash="0" * 64,
            fresh=False,
            packages=len(findings),
        ),
        environment=EnvironmentInfo(
            path="/srv/app/.venv",
            python="/srv/app/.venv/bin/python",
            python_version="3.12.1",
            fingerprint="sha256:" + "a" * 64,
            packages=3,
        ),
        selection=Selection(groups=frozenset({"main", "dev"}), extras=frozenset({"pg"})),
        findings=findings,
        required=7,
        integrity=True,
        files_checked=120,
    )


def test_every_code_and_severity_validates() -> None:
    report = _report_with_every_code()
    document = json.loads(JsonReporter().render(report))
    assert_valid(document)
    assert {f["code"] for f in document["findings"]} == set(CATALOGUE)
    assert {f["severity"] for f in document["findings"]} == {"error", "warning", "info"}
    infos = [code for code, info in CATALOGUE.items() if info.severity.value == "info"]
    assert infos == ["seed-package", "tool-package", "source-built"]
    assert document["summary"]["infos"] == len(infos)
    assert document["ok"] is False
    assert document["summary"]["by_code"] == dict.fromkeys(sorted(CATALOGUE), 1)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["findings"][0].update(code="no-such-code"), ["findings", 0, "code"]),
        (lambda d: d["findings"][0].pop("expected"), ["findings", 0]),
        (lambda d: d["findings"][0].update(severity="notice"), ["findings", 0, "severity"]),
        (lambda d: d["environment"].update(fingerprint="abc"), ["environment", "fingerprint"]),
        (lambda d: d["lock"].update(version="3.0"), ["lock", "version"]),
        (lambda d: d["summary"]["by_code"].update({"bogus": 1}), ["summary", "by_code"]),
        (lambda d: d.update(extra_field=True), []),
        (lambda d: d.update(schema_version=1), ["schema_version"]),
    ],
)
def test_schema_rejects_what_the_reporter_never_writes(mutate: Any, where: list[object]) -> None:
    document = json.loads(JsonReporter().render(_report_with_every_code()))
    mutate(document)
    errors = list(validator_for(SCHEMA, VALIDATOR).iter_errors(document))
    assert errors
    # Errors under oneOf (nullable objects) are reported at the parent with the
    # branch's errors as their context.
    flat = [*errors, *(c for e in errors for c in e.context or ())]
    assert any(list(e.absolute_path) == where for e in flat), [
        (list(e.absolute_path), e.message) for e in flat
    ]


def test_json_output_without_a_lock_validates(project: PoetryProject) -> None:
    project.write_pyproject(["alpha"])
    result = project.standalone("--format", "json")
    assert result.returncode == 1, result.output
    document = validated(result)
    assert result.codes() == ["lock-missing"]
    assert document["lock"]["version"] is None
    assert document["lock"]["fresh"] is None
    assert document["environment"] is None


@pytest.mark.slow
def test_real_json_output_validates(project: PoetryProject) -> None:
    project.write_pyproject(
        ["beta>=1.0", "alpha<2", "gamma"],
        groups={"docs": ["docs-tool"]},
        optional_groups={"docs"},
    )
    project.poetry("lock", check=True)
    project.poetry("install", check=True)

    for run in (project.lockguard, project.standalone):
        clean = run("--format", "json")
        assert clean.returncode == 0, clean.output
        document = validated(clean)
        assert document["ok"] is True
        assert document["findings"] == []
        assert document["selection"] == {"groups": ["main"], "extras": []}

    project.pip("install", "alpha==2.0.0", "stray==1.0.0")
    project.pip("uninstall", "-y", "gamma")

    for run in (project.lockguard, project.standalone):
        drift = run("--format", "json", "--with", "docs")
        assert drift.returncode == 1, drift.output
        document = validated(drift)
        assert drift.findings() == [
            ("extraneous", "stray"),
            ("missing", "docs-tool"),
            ("missing", "gamma"),
            ("version-mismatch", "alpha"),
        ]
        assert document["ok"] is False
        assert document["summary"]["by_code"] == {
            "extraneous": 1,
            "missing": 2,
            "version-mismatch": 1,
        }
        assert all(f["severity"] == Severity.ERROR.value for f in document["findings"])

        lock_only = run("--format", "json", "--lock-only")
        assert lock_only.returncode == 0, lock_only.output
        document = validated(lock_only)
        assert document["environment"] is None
        assert document["lock"]["fresh"] is True
