"""The finding catalogue: each code once, and every list of codes derived from it."""

from __future__ import annotations

from poetry_lockguard.findings import CATALOGUE
from poetry_lockguard.findings import Remedy
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import code_order
from poetry_lockguard.findings import codes_where
from poetry_lockguard.findings import finding
from poetry_lockguard.findings import hint
from poetry_lockguard.plugin.run_guard import LEFT_IN_PLACE
from poetry_lockguard.plugin.run_guard import SYNCABLE
from scripts import finding_codes


#: The public contract, written out: a code's string and default severity never change.
GOLDEN = {
    "lock-missing": "error",
    "lock-stale": "error",
    "unhashed": "error",
    "weak-hash": "error",
    "unpinned-vcs": "error",
    "ambiguous-lock": "warning",
    "python-unsupported": "warning",
    "missing": "error",
    "root-missing": "error",
    "version-mismatch": "error",
    "extraneous": "error",
    "seed-package": "info",
    "tool-package": "info",
    "unselected": "warning",
    "source-mismatch": "error",
    "invalid-distribution": "error",
    "metadata-mismatch": "error",
    "duplicate-distribution": "error",
    "hash-mismatch": "error",
    "sdist-fallback": "error",
    "build-refused": "error",
    "file-modified": "error",
    "file-missing": "error",
    "file-not-in-archive": "error",
    "unowned-file": "error",
    "bytecode-unverified": "warning",
    "site-unverified": "warning",
    "archive-invalid": "error",
    "unanchored": "warning",
    "record-missing": "error",
    "record-invalid": "error",
    "record-unhashed": "warning",
    "unattested": "warning",
    "artifact-not-locked": "error",
    "built-from-source": "error",
    "source-built": "info",
}


def test_codes_and_severities_are_the_public_contract() -> None:
    assert {code: info.severity.value for code, info in CATALOGUE.items()} == GOLDEN
    assert list(CATALOGUE) == list(GOLDEN)  # reports list findings in this order


def test_every_code_has_a_meaning_and_a_hint() -> None:
    for code, info in CATALOGUE.items():
        assert info.meaning and info.meaning[0].islower(), code
        assert hint(code) and "{" not in hint(code), code


def test_the_derived_lists() -> None:
    assert codes_where(repair="reinstall") == {
        "source-mismatch",
        "invalid-distribution",
        "metadata-mismatch",
        "duplicate-distribution",
        "file-modified",
        "file-missing",
        "file-not-in-archive",
        "record-missing",
        "record-invalid",
        "record-unhashed",
        "unattested",
        "artifact-not-locked",
        "built-from-source",
    }
    assert codes_where(repair="install") == {"missing", "root-missing", "version-mismatch"}
    assert codes_where(per_file=True) == {"file-modified", "file-missing", "file-not-in-archive"}
    assert codes_where(remedy=Remedy.REPAIR) == codes_where(repair="reinstall") - {
        "source-mismatch"
    }
    # `on-run = "sync"`: a non-removing install fixes these, and leaves what it would
    # have to remove.
    assert {"missing", "root-missing", "version-mismatch", "source-mismatch"} == SYNCABLE
    assert {"extraneous", "seed-package"} == LEFT_IN_PLACE


def test_hints_fill_in_the_selection() -> None:
    assert hint("missing", " --with docs") == (
        "run `poetry sync --with docs` to make the environment match poetry.lock"
    )
    assert hint("no-such-code") == ""


def test_unknown_codes_sort_last() -> None:
    assert code_order("lock-missing") == 0
    assert code_order("no-such-code") == len(CATALOGUE)


def test_a_finding_takes_its_codes_severity_unless_given() -> None:
    assert finding("unattested", "x", "m").severity is Severity.WARNING
    assert finding("unattested", "x", "m", severity=Severity.ERROR).severity is Severity.ERROR


def test_the_docs_table_and_the_schema_list_the_catalogue() -> None:
    assert finding_codes.stale_files() == [], "run `python scripts/finding_codes.py`"


def test_the_generator_mends_a_drifted_table() -> None:
    text = finding_codes.CHECK_MD.read_text(encoding="utf-8")
    drifted = text.replace("| `lock-stale` | error |", "| `lock-stale` | warning |")
    assert finding_codes.check_md(drifted) == text
    assert finding_codes.check_md(drifted) != drifted
