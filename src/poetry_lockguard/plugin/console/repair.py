from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option

from poetry_lockguard.plugin.console.base import LockguardCommand
from poetry_lockguard.plugin.console.check import LockguardCheckCommand


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

_SHARED = ("with", "without", "only", "all-groups", "extras", "all-extras", "python")


class LockguardRepairCommand(LockguardCommand):
    name = "lockguard repair"
    description = (
        "Reinstalls, through the guard, every package whose check finding Poetry's sync"
        " would not fix."
    )

    options: ClassVar[list[Option]] = [
        *(o for o in LockguardCheckCommand.options if o.name in _SHARED),
        option("dry-run", None, "List what would be done, change nothing."),
        option("remove-extraneous", None, "Also remove packages poetry.lock does not require."),
    ]

    help = """\
The <info>lockguard repair</info> command checks the environment with <comment>--integrity</comment>, takes out
every package with a finding a reinstall fixes (an edited or missing file, a broken
RECORD, no install receipt, another source), and runs one guarded <info>poetry install</info>
so that each comes back from an archive verified against <comment>poetry.lock</comment>, with a
receipt. Missing and wrong versions are installed too; extraneous packages are removed
only with <comment>--remove-extraneous</comment> (then <info>poetry sync</info> runs).

  <info>poetry lockguard repair --dry-run</info>
  <info>poetry lockguard repair --with docs</info>
"""

    def handle(self) -> int:
        from poetry_lockguard.commands.check import CheckOptions
        from poetry_lockguard.commands.repair import run_repair
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.lock.selection import SelectionRequest
        from poetry_lockguard.report.style import escape_tags

        try:
            options = CheckOptions(
                project_dir=self.project_dir(),
                python=self.python_path(),
                selection=SelectionRequest.from_poetry_options(self.option),
            )
            run = run_repair(
                options,
                dry_run=bool(self.option("dry-run")),
                remove_extraneous=bool(self.option("remove-extraneous")),
            )
        except LockguardError as e:
            self.line_error(f"<error>lockguard: {escape_tags(str(e))}</error>")
            return 2
        for line in run.lines:
            self.line(escape_tags(line))
        return run.exit_code
