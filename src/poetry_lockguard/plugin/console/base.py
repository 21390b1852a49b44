"""What every lockguard console command shares: the project Poetry was pointed at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.console.commands.command import Command


if TYPE_CHECKING:
    from pathlib import Path

    from cleo.io.io import IO


class LockguardCommand(Command):
    """A ``poetry lockguard ...`` command.

    ``project_dir()`` is the project the command works on, as Poetry finds it: the
    directory of ``-P/--project``, else of ``-C/--directory``, else the current one,
    and the nearest parent holding a pyproject.toml. A usage error (an unknown option,
    a missing value) is exit 2, "could not run", on every lockguard command.
    """

    def run(self, io: IO) -> int:
        from cleo.exceptions import CleoError

        try:
            return super().run(io)
        except CleoError as e:
            io.write_error_line(f"<error>{e}</error>")
            if io.is_debug():
                import traceback

                io.write_error_line(traceback.format_exc())
            return 2

    def project_dir(self) -> Path:
        """The directory of the project's pyproject.toml, found without Poetry's
        Factory (building Poetry's project object validates and parses every
        dependency: most of a small check's time). Raises LockguardError when there is
        none."""
        from poetry_lockguard.commands.check import find_project_dir
        from poetry_lockguard.plugin.poetry_api import project_directory

        return find_project_dir(project_directory(self.get_application()))

    def python_path(self) -> Path | None:
        """``--python``'s interpreter or venv directory; None when not given. An empty
        value raises LockguardError, as on the stand-alone command line."""
        from pathlib import Path

        from poetry_lockguard.errors import EMPTY_PYTHON
        from poetry_lockguard.errors import LockguardError

        value = self.option("python")
        if value is None:
            return None
        if not value:
            raise LockguardError(f"--python: {EMPTY_PYTHON}")
        return Path(value)

    def hint_directory(self, project_dir: Path) -> str:
        """`` -C DIR`` (``project_dir``, absolute) when Poetry was pointed at it with
        ``-P``/``-C``: Poetry has changed into it, and a hint's command must find it
        from wherever the user is."""
        from shlex import quote

        for name in ("project", "directory"):
            if self.io.input.has_option(name) and self.io.input.option(name):
                return f" -C {quote(str(project_dir))}"
        return ""
