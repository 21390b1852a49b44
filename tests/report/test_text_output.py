"""The formats written for people (text, Markdown, GitHub annotations): at most a
readable number of findings with a count of the rest, and nothing from the environment,
the lock or a report that a terminal or a Markdown renderer would act on. The machine
formats (JSON, SARIF) stay complete."""

from __future__ import annotations

import json
import re

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.report.bound import PER_CODE
from poetry_lockguard.report.bound import TOTAL
from poetry_lockguard.report.formats import reporter_for
from poetry_lockguard.report.markdown import MarkdownReporter
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.report.style import render_tags
from poetry_lockguard.report.text import TextReporter


if TYPE_CHECKING:
    from poetry_lockguard.findings import Code
    from poetry_lockguard.findings import Finding


def report(findings: list[Finding], *, path: str = "/srv/app/.venv", **fields: object) -> Report:
    return Report(
        project="/srv/app",
        lock=LockInfo(path="/srv/app/poetry.lock", version="2.1"),
        environment=EnvironmentInfo(
            path=path,
            python="/srv/app/.venv/bin/python",
            python_version=str(fields.pop("python_version", "3.12.1")),
            fingerprint="sha256:" + "a" * 64,
            packages=3,
        ),
        selection=fields.pop("selection", None),  # type: ignore[arg-type]
        findings=tuple(findings),
        required=3,
    )


def missing_files(count: int, package: str = "big") -> list[Finding]:
    return [
        finding(
            "file-missing",
            package,
            f"{package}/f{i}.py is missing",
            path=f"/srv/app/.venv/lib/site-packages/{package}/f{i}.py",
            expected="sha256=x size=1",
        )
        for i in range(count)
    ]


def text(r: Report) -> str:
    return render_tags(TextReporter().render(r), colour=False)


def test_text_shows_the_first_findings_of_a_code_and_counts_the_rest() -> None:
    gamma = finding("missing", "gamma", "gamma 1.0.0 is required by poetry.lock but not installed")
    out = text(report([gamma, *missing_files(300_000)])).splitlines()
    assert out[:3] == [
        "missing (1)",
        "  • gamma 1.0.0 is required by poetry.lock but not installed",
        "",
    ]
    assert out[3] == "file-missing (300,000)"
    files = out[4 : 4 + PER_CODE]
    assert all(line.startswith("  missing  ") for line in files)
    assert out[4 + PER_CODE :][:2] == [
        "  … and 299,950 more file-missing findings (use --format json for all)",
        "",
    ]
    [summary] = [line for line in out if line.startswith("✗ ")]
    assert ": 300,001 errors, 0 warnings;" in summary
    assert len(out) == 4 + PER_CODE + 2 + 3  # the summary, the fingerprint and the hint


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ({"file-missing": PER_CODE}, {"file-missing": PER_CODE}),
        ({"file-missing": PER_CODE + 1}, {"file-missing": PER_CODE}),
        (
            {
                "missing": 60,
                "version-mismatch": 60,
                "extraneous": 60,
                "file-missing": 60,
                "file-modified": 60,
            },
            {
                "missing": 50,
                "version-mismatch": 50,
                "extraneous": 50,
                "file-missing": 50,
                "file-modified": 0,
            },
        ),
    ],
)
def test_text_bounds_findings_per_code_and_in_total(
    counts: dict[Code, int], shown: dict[str, int]
) -> None:
    findings = [
        finding(code, f"p{i}", f"{code} {i}", path=f"/x/{code}/{i}")
        for code, n in counts.items()
        for i in range(n)
    ]
    out = text(report(findings))
    assert sum(shown.values()) <= TOTAL
    for code, n in counts.items():
        assert f"\n{code} ({n})\n" in "\n" + out
        left = n - shown[code]
        more = f"… and {left:,} more {code} finding{'' if left == 1 else 's'} (use --format json for all)"
        assert (more in out) == (left > 0), code
    bullets = [line for line in out.splitlines() if line.startswith("  ") and "… and" not in line]
    assert len(bullets) == sum(shown.values()) + 1  # and the fingerprint line


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_hold_every_finding(fmt: str) -> None:
    document = json.loads(reporter_for(fmt).render(report(missing_files(1_000))))
    findings = document["findings"] if fmt == "json" else document["runs"][0]["results"]
    assert len(findings) == 1_000


def test_markdown_and_github_are_bounded_too() -> None:
    r = report(missing_files(1_000))
    markdown = MarkdownReporter().render(r).splitlines()
    assert sum(line.startswith("| ❌ |") for line in markdown) == PER_CODE
    assert markdown[-1] == "… and 950 more file-missing findings (use --format json for all)"
    github = reporter_for("github").render(r).splitlines()
    assert sum(line.startswith("::error ") for line in github) == PER_CODE
    assert github[-2:] == [
        "… and 950 more file-missing findings (use --format json or --format sarif for all)",
        "lockguard failed: 1,000 errors, 0 warnings, 3 locked packages checked",
    ]


#: What a hostile METADATA, RECORD or lock could carry into a report.
HOSTILE = "\x1b[2K\r✓ fine\x07\x9b1m\u202e\u2028x"
INERT = "\\x1b[2K\\x0d✓ fine\\x07\\x9b1m\\u202e\\u2028x"


def _controls(out: str) -> list[str]:
    return [
        c
        for c in out
        if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2028"
    ]


def hostile_report() -> Report:
    f = finding(
        "version-mismatch",
        HOSTILE,
        f"{HOSTILE} is installed at {HOSTILE}",
        expected=HOSTILE,
        found=HOSTILE,
        path=f"/x/{HOSTILE}",
    )
    return report(
        [f],
        path=f"/srv/{HOSTILE}",
        python_version=HOSTILE,
        selection=Selection(groups=frozenset({HOSTILE}), extras=frozenset({HOSTILE})),
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_formats_for_people_show_control_characters_inert(fmt: str) -> None:
    out = reporter_for(fmt).render(hostile_report())
    if fmt == "text":
        out = render_tags(out, colour=False)
    assert _controls(out) == []
    assert "\\x1b[2K" in out


def test_markdown_cells_keep_their_columns_and_inline_syntax_inert() -> None:
    evil = "a|b`c`<img src=x>*d*[l](u)&amp;~~s~~"
    f = finding("version-mismatch", evil, evil, expected=evil, found=evil)
    out = MarkdownReporter().render(report([f], path="/srv/`a`|b"))
    [row] = [line for line in out.splitlines() if line.startswith("| ❌")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 8  # 7 columns
    for syntax in ("<img", "`c", "*d", "[l]", "&amp;", "~~s"):
        assert not re.search(r"(?<!\\)" + re.escape(syntax), row), syntax
    assert "\\&amp;" in row
    assert (
        out.splitlines()[0]
        == "### ❌ lockguard: ``/srv/`a`|b`` (Python 3.12.1) does not match poetry.lock"
    )


def test_markdown_escapes_control_characters_in_every_part() -> None:
    out = MarkdownReporter().render(hostile_report())
    assert _controls(out) == []
    # heading, python version, package, expected, found, message, groups, extras
    assert out.count("\\\\x1b\\[2K") == 8, out  # version, groups, extras, the cells
    assert "`/srv/\\x1b[2K" in out  # in a code span, where nothing needs escaping


def test_a_heading_takes_the_severity_its_findings_have() -> None:
    """seed-packages = "error" makes seed-package an error: its heading is red, as the
    exit code says, not the catalogue's info colour."""
    made_error = finding("seed-package", "setuptools", "seeded", severity=Severity.ERROR)
    text = TextReporter().render(report([made_error]))
    assert "<fg=red;options=bold>seed-package</> (1)" in text
    text = TextReporter().render(report([finding("seed-package", "setuptools", "seeded")]))
    assert "<fg=cyan;options=bold>seed-package</> (1)" in text
