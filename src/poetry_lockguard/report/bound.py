"""How many findings the formats written for people show: enough to act on, never a
screenful per installed file. A RECORD of 300,000 rows is 300,000 findings; the text,
Markdown and GitHub formats show the first of each code and say how many they left out,
``json`` and ``sarif`` hold every one.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Protocol
    from typing import TypeVar

    class Coded(Protocol):
        """A finding, or a row of ``compare``'s table: anything with a code."""

        @property
        def code(self) -> str: ...

    F = TypeVar("F", bound=Coded)

#: Findings of one code shown (the rest of that code is counted).
PER_CODE = 50
#: Findings shown in all, whatever their codes.
TOTAL = 200


def bounded(
    findings: Iterable[F], per_code: int = PER_CODE, total: int = TOTAL
) -> tuple[list[F], dict[str, int]]:
    """(the findings to show, in their order; the number left out, per code).

    The first ``per_code`` findings of each code are shown, while fewer than ``total``
    have been; every other finding is counted under its code."""
    shown: list[F] = []
    by_code: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for f in findings:
        seen = by_code.get(f.code, 0)
        by_code[f.code] = seen + 1
        if seen < per_code and len(shown) < total:
            shown.append(f)
        else:
            left_out[f.code] = left_out.get(f.code, 0) + 1
    return shown, left_out


def more_line(count: int, code: str = "", machine_formats: str = "--format json") -> str:
    """``… and 299,950 more file-missing findings (use --format json for all)``."""
    noun = f"{code} finding" if code else "finding"
    plural = "" if count == 1 else "s"
    return f"… and {count:,} more {noun}{plural} (use {machine_formats} for all)"
