from __future__ import annotations

from poetry.console.commands.command import Command


class LockguardCommand(Command):
    name = "lockguard"
    description = "Lists the lockguard commands."

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
        width = max((len(name) for name in commands), default=0)
        self.line("<b>Available lockguard commands:</b>")
        for name in sorted(commands):
            self.line(f"  <info>{name.ljust(width)}</info>  {commands[name].description}")
        return 0
