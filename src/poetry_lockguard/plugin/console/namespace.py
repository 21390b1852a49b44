from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import argument

from poetry_lockguard.plugin.console.base import LockguardCommand


if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument


class LockguardNamespaceCommand(LockguardCommand):
    name = "lockguard"
    description = "Lists the lockguard commands."

    #: A word after ``lockguard`` that names no command (``poetry lockguard chek``)
    #: lands here: cleo resolves the longest registered name, ``lockguard``.
    arguments: ClassVar[list[Argument]] = [
        argument("words", "A lockguard command (listed without one).", optional=True, multiple=True)
    ]

    def __init__(self) -> None:
        super().__init__()
        # `poetry lockguard chek --dry-run`: the options of the command meant are not
        # this one's; say which command does not exist rather than which option.
        self.ignore_validation_errors()

    help = """\
The <info>lockguard</info> commands compare an environment with <comment>poetry.lock</comment>.

  <info>poetry lockguard check</info>
  <info>poetry lockguard check --help</info>
"""

    def handle(self) -> int:
        application = self.get_application()
        commands = {
            name: command
            for name, command in application.all("lockguard").items()
            if name != self.name
        }
        unknown = " ".join(self.argument("words") or ())
        if not unknown:
            # No command named: an option nothing defines (`poetry lockguard --bogus`) is
            # a usage error again, as for every other command (exit 2).
            self.io.input.bind(self.definition)
        if unknown:
            from difflib import get_close_matches

            from poetry_lockguard.report.style import escape_tags

            wanted = f"{self.name} {unknown}"
            verbs = [name.partition(" ")[2] for name in sorted(commands)]
            close = [
                f"{self.name} {verb}" for verb in get_close_matches(unknown, verbs, cutoff=0.7)
            ]
            suggestion = f" Did you mean {' or '.join(close)}?" if close else ""
            self.line_error(
                f'<error>The command "{escape_tags(wanted)}" does not exist.{suggestion}'
                " (poetry lockguard lists the commands)</error>"
            )
            return 2
        width = max((len(name) for name in commands), default=0)
        self.line("<b>Available lockguard commands:</b>")
        for name in sorted(commands):
            self.line(f"  <info>{name.ljust(width)}</info>  {commands[name].description}")
        return 0
