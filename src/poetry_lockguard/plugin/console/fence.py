from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option

from poetry_lockguard.plugin.console.base import LockguardCommand
from poetry_lockguard.plugin.console.check import LockguardCheckCommand


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option


class LockguardFenceCommand(LockguardCommand):
    name = "lockguard fence"
    description = "Makes pip in the project's virtualenv refuse to install (--off removes it)."

    options: ClassVar[list[Option]] = [
        option("off", None, "Remove the fence."),
        *(o for o in LockguardCheckCommand.options if o.name == "python"),
    ]

    help = """\
The <info>lockguard fence</info> command configures the project's virtualenv so that pip run
inside it (<comment>.venv/bin/pip</comment>, <comment>python -m pip</comment>, \
<comment>poetry run pip</comment>) refuses to install or upgrade anything, and leads to
<info>poetry add</info> and <info>poetry sync</info> instead. Every guarded \
<info>poetry install</info> puts the fence in place
unless <comment>[tool.lockguard] pip-fence = false</comment>. Only a virtualenv (with
<comment>pyvenv.cfg</comment>) is fenced; pip installs into a directory outside it (<comment>--target</comment>, <comment>--prefix</comment>) are let through.

  <info>poetry lockguard fence</info>
  <info>poetry lockguard fence --off</info>
"""

    def handle(self) -> int:
        from poetry_lockguard.commands.check import target_interpreter
        from poetry_lockguard.commands.fence import install_fence
        from poetry_lockguard.commands.fence import remove_fence
        from poetry_lockguard.env.state import is_virtualenv
        from poetry_lockguard.env.state import recorded_sync_options
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.report.style import escape_tags

        try:
            project_dir = self.project_dir()
            interpreter = target_interpreter(project_dir, self.python_path())
        except LockguardError as e:
            self.line_error(f"<error>lockguard: {escape_tags(str(e))}</error>")
            return 2
        site = interpreter.site_dirs[0]
        if self.option("off"):
            removed = remove_fence(site)
            self.line(
                f"pip fence removed from {interpreter.prefix}"
                if removed
                else f"{interpreter.prefix} had no pip fence"
            )
            return 0
        if not is_virtualenv(interpreter.prefix):
            self.line_error(
                f"<error>lockguard: {escape_tags(str(interpreter.prefix))} is not a virtualenv"
                " (no pyvenv.cfg): the pip fence is put only into a project's virtualenv</error>"
            )
            return 2
        install_fence(
            site, interpreter.executable, recorded_sync_options(interpreter.prefix, project_dir)
        )
        self.line(
            f"pip fence in place in {interpreter.prefix}: pip install refuses there;"
            " use <info>poetry add</info> / <info>poetry sync</info>"
            " (<info>poetry lockguard fence --off</info> removes it)"
        )
        return 0
