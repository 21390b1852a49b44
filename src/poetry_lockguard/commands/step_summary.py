"""GitHub's job summary: with ``--format github`` the Markdown report is appended to the
file ``$GITHUB_STEP_SUMMARY`` names, so the run's summary page shows the table.

Called by both entry points after the check; the reporters stay pure.
"""

from __future__ import annotations

import os


TYPE_CHECKING = False
if TYPE_CHECKING:
    from poetry_lockguard.commands.check import Outcome


def append_step_summary(fmt: str, outcome: Outcome) -> str | None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when ``fmt`` is ``github``
    and the variable is set; return a warning line when the file cannot be written."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt != "github" or not path:
        return None
    from poetry_lockguard.report.markdown import MarkdownReporter
    from poetry_lockguard.report.markdown import error_markdown

    if outcome.report is not None:
        text = MarkdownReporter().render(outcome.report)
    else:
        line = outcome.stderr.partition("\n")[0].removeprefix("lockguard: ")
        text = error_markdown(line)
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(text)
    except OSError as e:
        return f"lockguard: cannot append to $GITHUB_STEP_SUMMARY ({path}): {e.strerror or e}"
    return None
