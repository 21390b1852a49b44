"""``compare``: the JSON reports of many machines in one table."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.fleet.compare import Machine
from poetry_lockguard.fleet.compare import compare as compare_machines
from poetry_lockguard.fleet.render import render_text
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result


def compare(project: PoetryProject, *args: str) -> Result:
    """``python -m poetry_lockguard compare ARGS``, by its main() in this process."""
    return project.main("compare", *args)


def _report(
    ok: bool, fingerprint: str, findings: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "ok": ok,
        "project": "/srv/app",
        "host": "h",
        "generated_at": "2025-01-01T00:00:00Z",
        "lock": {
            "path": "/srv/app/poetry.lock",
            "version": "2.1",
            "content_hash": "c" * 64,
            "fresh": True,
            "packages": 2,
        },
        "environment": {
            "path": "/srv/app/.venv",
            "python": "/srv/app/.venv/bin/python",
            "python_version": "3.11.7",
            "fingerprint": fingerprint,
            "packages": 2,
        },
        "selection": {"groups": ["main"], "extras": []},
        "findings": findings or [],
        "summary": {},
    }


@pytest.mark.slow
def test_compare_real_reports_of_three_machines(project_factory: Any, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    machines = {}
    for name in ("web-1", "web-2", "web-3"):
        machines[name] = installed_project(project_factory(name), ["beta>=1.0", "delta"])
    machines["web-3"].pip("install", "alpha==1.0.0", "stray")
    for name, machine in machines.items():
        run = machine.lockguard if name == "web-1" else machine.standalone
        result = run("--format", "json")
        (reports / f"{name}.json").write_text(result.stdout)
    web1 = machines["web-1"]

    text = compare(web1, str(reports))
    assert text.returncode == 1, text.output
    rows = [line.split() for line in text.stdout.splitlines()]
    assert rows[0] == ["machine", "status", "package", "expected", "found", "code"]
    fingerprint = json.loads((reports / "web-1.json").read_text())["environment"]["fingerprint"]
    assert rows[2][:3] == ["web-1", "matches", "fingerprint"]
    assert rows[3][:3] == ["web-2", "matches", "fingerprint"]
    assert rows[2][3] == fingerprint[:19] + "…"
    assert ["web-3", "differs", "stray", "-", "1.0.0", "extraneous"] in rows
    assert ["web-3", "differs", "alpha", "2.0.0", "1.0.0", "version-mismatch"] in rows
    assert "✗ 3 machines: 2 match poetry.lock (1 fingerprint), 1 differs." in text.stdout

    doc = compare(
        web1, "--format", "json", *(str(p) for p in sorted(reports.glob("*.json")))
    ).json()
    assert doc["ok"] is False
    assert doc["machines"] == 3
    assert doc["matching"] == [
        {
            "fingerprint": fingerprint,
            "lock_content_hash": json.loads((reports / "web-1.json").read_text())["lock"][
                "content_hash"
            ],
            "machines": ["web-1", "web-2"],
        }
    ]
    [web3] = doc["differing"]
    assert web3["machine"] == "web-3"
    assert sorted(
        (d["code"], d["package"], d["expected"], d["found"]) for d in web3["differences"]
    ) == [
        ("extraneous", "stray", None, "1.0.0"),
        ("version-mismatch", "alpha", "2.0.0", "1.0.0"),
    ]

    # The plugin command gives the same document; every machine matching is exit 0.
    plugin = web1.poetry("lockguard", "compare", str(reports), "--format", "json")
    assert plugin.returncode == 1, plugin.output
    assert plugin.json() == doc
    (reports / "web-3.json").unlink()
    assert compare(web1, str(reports)).returncode == 0
    assert web1.poetry("lockguard", "compare", str(reports)).returncode == 0


def test_compare_groups_by_fingerprint_and_reports_errors(
    project: PoetryProject, tmp_path: Path
) -> None:
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    files = {
        "one": _report(True, a),
        "two": _report(True, b),
        "three": _report(True, a),
        "warned": _report(
            True,
            a,
            [
                {
                    "code": "unattested",
                    "severity": "warning",
                    "package": "x",
                    "message": "m",
                    "expected": None,
                    "found": None,
                }
            ],
        ),
        "broken": {
            "schema_version": 1,
            "ok": False,
            "error": {"message": "poetry.lock: bad"},
            "findings": [],
        },
    }
    for name, document in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    result = compare(project, str(tmp_path), "--format", "json")
    assert result.returncode == 1
    doc = result.json()
    assert [g["machines"] for g in doc["matching"]] == [["one", "three", "warned"], ["two"]]
    assert [(m["machine"], m["error"]) for m in doc["differing"]] == [
        ("broken", "poetry.lock: bad")
    ]
    text = compare(project, str(tmp_path))
    assert ["broken", "could", "not", "check", "poetry.lock:", "bad"] in [
        line.split() for line in text.stdout.splitlines()
    ]
    assert "5 machines: 4 match poetry.lock (2 fingerprints), 1 differs." in text.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"schema_version": 2, "findings": []}', "not a lockguard JSON report"),
        ("[]", "not a lockguard JSON report"),
    ],
)
def test_compare_unreadable_report_is_exit_2(
    project: PoetryProject, tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "bad.json").write_text(content)
    result = compare(project, str(tmp_path / "bad.json"), "--format", "json")
    assert result.returncode == 2
    assert message in result.stderr
    assert result.json() == {
        "schema_version": 1,
        "ok": False,
        "error": {"message": result.stderr.strip().removeprefix("lockguard: ")},
    }


def test_compare_missing_path_and_empty_directory_are_exit_2(
    project: PoetryProject, tmp_path: Path
) -> None:
    missing = compare(project, str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr == f"lockguard: {tmp_path / 'nope'}: no such report file or directory\n"
    empty = compare(project, str(tmp_path))
    assert empty.returncode == 2
    assert "no *.json report found" in empty.stderr
    assert compare(project).returncode == 2  # no REPORT at all: a usage error


@pytest.mark.parametrize(
    ("oks", "summary"),
    [
        ((True,), "✓ 1 machine: 1 matches poetry.lock (1 fingerprint), 0 differ."),
        ((False,), "✗ 1 machine: 0 match poetry.lock (0 fingerprints), 1 differs."),
        (
            (True, True, False, False),
            "✗ 4 machines: 2 match poetry.lock (1 fingerprint), 2 differ.",
        ),
    ],
)
def test_summary_line_counts_in_the_right_number(oks: tuple[bool, ...], summary: str) -> None:
    machines = [
        Machine(
            name=f"m{i}",
            source=f"m{i}.json",
            host=None,
            generated_at=None,
            ok=ok,
            fingerprint="sha256:00",
            lock_hash="sha256:11",
            error=None,
            differences=(),
        )
        for i, ok in enumerate(oks)
    ]
    assert render_text(compare_machines(machines)).splitlines()[-1] == summary
