from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import argument
from cleo.helpers import option

from poetry_lockguard.plugin.console.base import LockguardCommand


if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option


class LockguardCompareCommand(LockguardCommand):
    name = "lockguard compare"
    description = "Compares the JSON reports of many machines with each other and the lock."

    arguments: ClassVar[list[Argument]] = [
        argument(
            "reports",
            "JSON reports (`lockguard check --format json`), or directories of *.json reports.",
            multiple=True,
        )
    ]
    options: ClassVar[list[Option]] = [
        option("format", "f", "Output format: text or json.", flag=False, default="text"),
    ]

    help = """\
The <info>lockguard compare</info> command reads the <comment>--format json</comment> reports
that <info>lockguard check</info> wrote on many machines and prints one table: the machines
that match poetry.lock, grouped by environment fingerprint, and for every other machine
what differs (package, expected, found, finding code).

  <info>poetry lockguard compare reports/</info>
  <info>poetry lockguard compare web-1.json web-2.json --format json</info>

Exit codes: 0 every machine matches, 1 a machine differs, 2 a report cannot be read.
"""

    def handle(self) -> int:
        from cleo.io.outputs.output import Type

        from poetry_lockguard.commands.compare import compare_reports
        from poetry_lockguard.report.style import escape_tags

        fmt = self.option("format")
        if fmt not in ("text", "json"):
            self.line_error(f"<error>--format must be text or json, not {fmt!r}</error>")
            return 2
        stdout, stderr, code = compare_reports([Path(p) for p in self.argument("reports")], fmt)
        self.io.write(stdout, type=Type.RAW)
        if stderr:
            self.line_error(f"<error>{escape_tags(stderr.rstrip())}</error>")
        return code
