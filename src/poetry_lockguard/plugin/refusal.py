"""The guard's refusal: one exception Poetry prints as text and turns into exit code 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.plugin.poetry_api import refusal_base
from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from collections.abc import Iterable

    from poetry_lockguard.findings import Finding

if TYPE_CHECKING:
    _Base = RuntimeError
else:  # Poetry prints its PoetryRuntimeError's text without a trace (Poetry >= 2.1)
    _Base = refusal_base()


class GuardRefusal(_Base):
    """The install guard refused the command; the message says what and why."""

    def __init__(self, text: str) -> None:
        super().__init__(escape_tags(text))


class GuardInternalError(GuardRefusal):
    """The guard itself failed and so refused the command: exit code 2, one line."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    """``  • code: message (poetry.lock:LINE)``, one line per finding."""
    lines = []
    for f in findings:
        where = f" (poetry.lock:{f.line})" if f.line else ""
        lines.append(f"  • {f.code}: {f.message}{where}")
    return lines
