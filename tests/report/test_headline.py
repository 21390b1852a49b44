"""The headline says what disagrees: the environment and the lock, or the lock itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.findings import finding
from poetry_lockguard.report.markdown import MarkdownReporter
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.report.style import render_tags
from poetry_lockguard.report.text import TextReporter


if TYPE_CHECKING:
    from poetry_lockguard.findings import Code


def report(*codes: Code) -> Report:
    return Report(
        project="/srv/app",
        lock=LockInfo(path="/srv/app/poetry.lock", version="2.1"),
        environment=EnvironmentInfo(
            path="/srv/app/.venv",
            python="/srv/app/.venv/bin/python",
            python_version="3.12.1",
            fingerprint="sha256:" + "a" * 64,
            packages=3,
        ),
        selection=None,
        findings=tuple(
            finding(code, None if code.startswith("lock") else "pkg", code) for code in codes
        ),
        required=3,
    )


@pytest.mark.parametrize(
    ("codes", "text", "markdown"),
    [
        (
            ("lock-stale",),
            (
                "✗ pyproject.toml and poetry.lock (lock-version 2.1) disagree;"
                " /srv/app/.venv (Python 3.12.1) matches the lock: 1 error"
            ),
            (
                "### ❌ lockguard: pyproject.toml and poetry.lock disagree;"
                " `/srv/app/.venv` (Python 3.12.1) matches the lock"
            ),
        ),
        (
            ("lock-stale", "unhashed", "unselected"),
            (
                "✗ poetry.lock (lock-version 2.1) has problems;"
                " /srv/app/.venv (Python 3.12.1) matches the lock: 2 errors"
            ),
            (
                "### ❌ lockguard: poetry.lock has problems;"
                " `/srv/app/.venv` (Python 3.12.1) matches the lock"
            ),
        ),
        (
            ("lock-stale", "missing"),
            (
                "✗ /srv/app/.venv (Python 3.12.1) does not match poetry.lock (lock-version 2.1):"
                " 2 errors"
            ),
            "### ❌ lockguard: `/srv/app/.venv` (Python 3.12.1) does not match poetry.lock",
        ),
    ],
)
def test_the_headline_names_what_disagrees(
    codes: tuple[Code, ...], text: str, markdown: str
) -> None:
    rendered = render_tags(TextReporter().render(report(*codes)), colour=False)
    assert text in rendered, rendered
    assert MarkdownReporter().render(report(*codes)).splitlines()[0] == markdown
