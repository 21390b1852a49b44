"""``compare``: the JSON reports of many machines in one table."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.commands.compare import compare_reports
from poetry_lockguard.commands.compare.fleet import Machine
from poetry_lockguard.commands.compare.fleet import compare as compare_machines
from poetry_lockguard.commands.compare.fleet import compare_paths
from poetry_lockguard.commands.compare.render import render_error
from poetry_lockguard.commands.compare.render import render_text
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


def _finding(**fields: Any) -> dict[str, Any]:
    base = {
        "code": "version-mismatch",
        "severity": "error",
        "package": "alpha",
        "message": "alpha is installed at 2.0.0, poetry.lock has 1.0.0",
        "expected": "1.0.0",
        "found": "2.0.0",
        "line": 3,
        "path": None,
    }
    base.update(fields)
    return base


def _with(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**document, **fields}


_GOOD = _report(False, "sha256:" + "a" * 64, [_finding()])

#: Documents that are JSON but not a report compare can read, and the problem named.
BAD_REPORTS = [
    ("a string", "the document is a string, not an object"),
    (_with(_GOOD, schema_version=True), "schema_version is true, not 1 or 2"),
    (_with(_GOOD, schema_version=1.0), "schema_version is 1.0, not 1 or 2"),
    ({"ok": True, "findings": []}, "schema_version is missing, not 1 or 2"),
    (_with(_GOOD, ok="yes"), "ok is a string, not a boolean"),
    (_with(_GOOD, schema_version=3), "schema_version is 3, not 1 or 2"),
    (_with(_GOOD, ok=True), "ok is true, but findings[0] is an error"),
    (
        _with(_GOOD, ok=True, findings=[], error={"message": "boom"}),
        "ok is true, but the report has an error",
    ),
    (_with(_GOOD, findings={"0": {}}), "findings is an object, not an array"),
    (_with(_GOOD, findings=["alpha"]), "findings[0] is a string, not an object"),
    (_with(_GOOD, host=7), "host is a number, not a string or null"),
    (_with(_GOOD, environment="/srv/app/.venv"), "environment is a string, not an object or null"),
    (_with(_GOOD, lock=[]), "lock is an array, not an object or null"),
    (
        _with(_GOOD, environment={"fingerprint": 12345}),
        "environment.fingerprint is a number, not a string",
    ),
    (
        _with(_GOOD, environment={"fingerprint": "sha256:abc"}),
        "environment.fingerprint is not sha256: and 64 hex digits",
    ),
    (_with(_GOOD, lock={"content_hash": 1}), "lock.content_hash is a number, not a string or null"),
    (_with(_GOOD, error="boom"), "error is a string, not an object or null"),
    (_with(_GOOD, error={"message": ["boom"]}), "error.message is an array, not a string"),
    (_with(_GOOD, error={}), "error.message is missing"),
    (
        _with(_GOOD, findings=[_finding(code={"x": 1})]),
        "findings[0].code is an object, not a string",
    ),
    (
        _with(_GOOD, findings=[_finding(package=["x"])]),
        "findings[0].package is an array, not a string or null",
    ),
    (
        _with(_GOOD, findings=[_finding(expected=1.5)]),
        "findings[0].expected is a number, not a string or null",
    ),
    (
        _with(_GOOD, findings=[_finding(found=False)]),
        "findings[0].found is a boolean, not a string or null",
    ),
    (_with(_GOOD, findings=[_finding(message=None)]), "findings[0].message is null, not a string"),
    (
        _with(_GOOD, findings=[_finding(severity="fatal")]),
        "findings[0].severity is not one of error, warning, info",
    ),
    (
        _with(_GOOD, findings=[_finding(), {"code": "missing"}]),
        "findings[1].severity is missing",
    ),
]


@pytest.mark.parametrize(("document", "problem"), BAD_REPORTS)
def test_compare_refuses_a_report_of_the_wrong_shape(
    tmp_path: Path, document: Any, problem: str
) -> None:
    report = tmp_path / "web-1.json"
    report.write_text(json.dumps(document))
    for fmt in ("text", "json"):
        stdout, stderr, code = compare_reports([report], fmt)
        assert (code, stderr) == (
            2,
            f"lockguard: {report}: not a lockguard JSON report ({problem})\n",
        )
        assert stdout == ("" if fmt == "text" else render_error("json", stderr[11:-1]))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "not JSON (nested too deeply)"),
        (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "not JSON (nested too deeply)"),
        (b"\xff\xfe", "not JSON ("),
        (b"1" * 5000, "not JSON ("),
    ],
)
def test_compare_refuses_json_it_cannot_parse(tmp_path: Path, content: bytes, problem: str) -> None:
    report = tmp_path / "deep.json"
    report.write_bytes(content)
    stdout, stderr, code = compare_reports([report], "text")
    assert (stdout, code) == ("", 2)
    assert stderr.startswith(f"lockguard: {report}: {problem}")
    assert stderr.count("\n") == 1


def test_compare_accepts_what_a_newer_lockguard_adds(tmp_path: Path) -> None:
    # New codes and fields may come within schema_version 1 (output.md, compatibility).
    newer = _with(_GOOD, added={"x": 1}, findings=[_finding(code="future-code", extra=1)])
    (tmp_path / "web-1.json").write_text(json.dumps(newer))
    stdout, stderr, code = compare_reports([tmp_path], "text")
    assert (stderr, code) == ("", 1)
    assert ["web-1", "differs", "alpha", "1.0.0", "2.0.0", "future-code"] in [
        line.split() for line in stdout.splitlines()
    ]


#: Text in a report that would move the cursor, recolour or redraw a row.
HOSTILE = "\x1b[1A\x1b[2K\rweb-9  matches\x07\u202e\x9b31m\ud800"


def test_compare_table_shows_control_characters_inert(tmp_path: Path) -> None:
    findings = [
        _finding(package=HOSTILE, expected=HOSTILE, found=HOSTILE, code=HOSTILE),
    ]
    (tmp_path / "web-1.json").write_text(json.dumps(_report(False, "sha256:" + "a" * 64, findings)))
    broken = {"schema_version": 1, "ok": False, "error": {"message": HOSTILE}, "findings": []}
    (tmp_path / f"web-2{HOSTILE[:4]}.json").write_text(json.dumps(broken))
    stdout, stderr, code = compare_reports([tmp_path], "text")
    assert (stderr, code) == ("", 1)
    stdout.encode("utf-8")  # writable to any UTF-8 terminal: no lone surrogate
    assert not [c for c in stdout if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert "\u202e" not in stdout
    inert = "\\x1b[1A\\x1b[2K\\x0dweb-9  matches\\x07\\u202e\\x9b31m\\ud800"
    assert stdout.count(inert) == 5  # package, expected, found, code, error
    assert "web-2\\x1b[1A" in stdout
    # The JSON format keeps the text as it is (escaped by JSON itself).
    doc = json.loads(compare_reports([tmp_path], "json")[0])
    assert doc["differing"][0]["differences"][0]["package"] == HOSTILE


def test_compare_names_a_hostile_file_name_inert(tmp_path: Path) -> None:
    report = tmp_path / "web\x1b]0;pwned\x07.json"
    report.write_text("[]")
    _, stderr, code = compare_reports([report], "text")
    assert code == 2
    assert stderr == (
        f"lockguard: {tmp_path}/web\\x1b]0;pwned\\x07.json: not a lockguard JSON report"
        " (the document is an array, not an object)\n"
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            json.dumps(_with(_GOOD, environment={"fingerprint": 5})),
            "environment.fingerprint is a number",
        ),
        ("[" * 200_000, "not JSON (nested too deeply)"),
    ],
)
def test_both_entry_points_refuse_a_bad_report_in_one_line(
    project: PoetryProject, tmp_path: Path, content: str, line: str
) -> None:
    report = tmp_path / "web-1.json"
    report.write_text(content)
    for result in (
        compare(project, str(report)),
        project.poetry_in_process("lockguard", "compare", str(report)),
    ):
        assert result.returncode == 2, result.output
        assert result.stdout == ""
        [error] = result.stderr.splitlines()
        assert error.startswith(f"lockguard: {report}: ") and line in error, error


def test_compare_table_shows_at_most_50_rows_of_a_code_per_machine(tmp_path: Path) -> None:
    findings = [
        _finding(code="file-missing", package="big", expected=f"f{i}") for i in range(300_000)
    ]
    findings.append(_finding())
    (tmp_path / "web-1.json").write_text(json.dumps(_report(False, "sha256:" + "a" * 64, findings)))
    (tmp_path / "web-2.json").write_text(json.dumps(_report(True, "sha256:" + "a" * 64)))
    stdout, stderr, code = compare_reports([tmp_path], "text")
    assert (stderr, code) == ("", 1)
    rows = [line.split() for line in stdout.splitlines()]
    assert sum(r[:2] == ["web-1", "differs"] for r in rows) == 50 + 1 + 1
    assert ["web-1", "differs", "alpha", "1.0.0", "2.0.0", "version-mismatch"] in rows
    assert stdout.splitlines()[2 + 1 + 51] == (
        "web-1    differs  … and 299,950 more findings (use --format json for all)"
    )
    doc = json.loads(compare_reports([tmp_path], "json")[0])
    assert len(doc["differing"][0]["differences"]) == 300_001


def test_compare_refuses_a_path_that_is_not_a_file_or_directory(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "web-1.json"
    os.mkfifo(fifo)
    assert compare_reports([fifo], "text") == (
        "",
        f"lockguard: {fifo}: not a regular file or directory\n",
        2,
    )
    # In a directory, only its regular *.json files are reports.
    (tmp_path / "web-2.json").write_text(json.dumps(_report(True, "sha256:" + "a" * 64)))
    assert compare_reports([tmp_path], "text")[2] == 0


def test_compare_names_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    import os

    report = tmp_path / os.fsdecode(b"web-\xff.json")
    report.write_text(json.dumps(_report(False, "sha256:" + "a" * 64, [_finding()])))
    stdout, stderr, code = compare_reports([tmp_path], "text")
    assert (stderr, code) == ("", 1)
    assert "web-\\udcff  differs" in stdout
    stdout.encode("utf-8")
    assert json.loads(compare_reports([tmp_path], "json")[0])["differing"][0]["machine"] == (
        "web-\udcff"
    )


def test_reports_of_two_schema_versions_are_never_one_group(tmp_path: Path) -> None:
    # schema_version 1's fingerprint covers versions only; 2's covers file contents
    # under --integrity: even an equal string does not make the machines equal.
    same = "sha256:" + "b" * 64
    (tmp_path / "old.json").write_text(json.dumps(_report(True, same)))
    (tmp_path / "new.json").write_text(json.dumps(_with(_report(True, same), schema_version=2)))
    (tmp_path / "new-2.json").write_text(json.dumps(_with(_report(True, same), schema_version=2)))
    comparison = compare_paths([tmp_path])
    assert [g.machines for g in comparison.matching] == [("new-2", "new"), ("old",)]
