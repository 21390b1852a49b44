from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option
from poetry.console.commands.command import Command
from poetry.console.commands.group_command import GroupCommand


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from cleo.io.io import IO

    from poetry_lockguard.checks.runner import CheckOptions
    from poetry_lockguard.lock.project import Project


class LockguardCheckCommand(Command):
    name = "lockguard check"
    description = "Checks that the environment is exactly what poetry.lock says."

    options: ClassVar[list[Option]] = [
        *GroupCommand._group_dependency_options(),
        option("all-groups", None, "Include every dependency group."),
        option(
            "extras",
            "E",
            "Extra sets of dependencies to include.",
            flag=False,
            multiple=True,
        ),
        option("all-extras", None, "Include every extra."),
        option(
            "python",
            None,
            "The interpreter (or virtualenv directory) to check instead of the"
            " project's environment.",
            flag=False,
        ),
        option("lock-only", None, "Check only the lock: present, fresh and hashed."),
        option("integrity", None, "Also verify every installed file against its RECORD."),
        option(
            "format",
            "f",
            "Output format: text, json or github.",
            flag=False,
            default="text",
        ),
    ]

    help = """\
The <info>lockguard check</info> command compares the project's environment with what
<comment>poetry.lock</comment> requires for the selected groups and extras (by default
what <info>poetry install</info> would install), and checks the lock itself.

  <info>poetry lockguard check</info>
  <info>poetry lockguard check --with docs -E postgres --format json</info>
  <info>poetry lockguard check --python /srv/app/.venv/bin/python</info>

Exit codes: 0 matches (warnings allowed), 1 error findings, 2 could not check.
"""

    def run(self, io: IO) -> int:
        from cleo.exceptions import CleoError

        try:
            return super().run(io)
        except CleoError as e:
            # A usage error (unknown option, missing value) is "could not check": 2.
            if io.is_debug():
                raise
            io.write_error_line(f"<error>{e}</error>")
            return 2

    def handle(self) -> int:
        from poetry_lockguard.checks.runner import exit_code
        from poetry_lockguard.checks.runner import run_check
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.report.formats import FORMATS
        from poetry_lockguard.report.formats import reporter_for

        fmt = self.option("format")
        if fmt not in FORMATS:
            self.line_error(
                f"<error>--format must be one of {', '.join(FORMATS)}, not {fmt!r}</error>"
            )
            return 2
        progress = None
        if fmt == "text" and self.option("integrity") and self.io.error_output.is_decorated():
            import sys

            from poetry_lockguard.report.progress import ProgressBar

            progress = ProgressBar(sys.stderr)
        try:
            report = run_check(
                self._check_options(), find_interpreter=self._find_interpreter,
                progress=progress,
            )
        except LockguardError as e:
            if self.io.is_debug():
                raise
            self.line_error(f"<error>{e}</error>")
            return 2
        finally:
            if progress is not None:
                progress.close()
        text = reporter_for(fmt, self._sync_options()).render(report)
        if fmt == "text":
            self.io.write(text)
        else:
            self.io.write_raw(text) if hasattr(self.io, "write_raw") else self._raw(text)
        return exit_code(report)

    def _raw(self, text: str) -> None:
        from cleo.io.outputs.output import Type

        self.io.write(text, type=Type.RAW)

    def _check_options(self) -> CheckOptions:
        from poetry_lockguard.checks.runner import CheckOptions
        from poetry_lockguard.lock.selection import SelectionRequest

        python = self.option("python")
        return CheckOptions(
            project_dir=self.poetry.pyproject_path.parent,
            python=Path(python) if python else None,
            selection=SelectionRequest(
                with_groups=tuple(self.option("with")),
                without_groups=tuple(self.option("without")),
                only_groups=tuple(self.option("only")),
                all_groups=bool(self.option("all-groups")),
                extras=tuple(self.option("extras")),
                all_extras=bool(self.option("all-extras")),
            ),
            lock_only=bool(self.option("lock-only")),
            integrity=bool(self.option("integrity")),
        )

    def _sync_options(self) -> str:
        parts = [f" --{key} {v}" for key in ("with", "without", "only") for v in self.option(key)]
        parts += [f" -E {e}" for e in self.option("extras")]
        parts += [f" --{flag}" for flag in ("all-groups", "all-extras") if self.option(flag)]
        return "".join(parts)

    def _find_interpreter(self, project: Project) -> Path:
        return find_poetry_interpreter(self)


def find_poetry_interpreter(command: Command) -> Path:
    """The interpreter of the env Poetry would use, without ever creating one.

    Poetry's ``EnvManager.get()`` falls back to the interpreter Poetry found on PATH
    when the project has no environment yet; that is only the project's environment
    when ``virtualenvs.create`` is off.
    """
    import os

    from poetry.utils.env import EnvManager

    from poetry_lockguard.errors import EnvironmentInspectionError

    project_dir = command.poetry.pyproject_path.parent
    manager = EnvManager(command.poetry, io=command.io)
    try:
        env = manager.get()
    except Exception as e:
        raise EnvironmentInspectionError(
            f"{project_dir}: cannot find the project's environment ({e})"
        ) from e
    if not command.poetry.config.get("virtualenvs.create", True):
        return Path(env.python)
    env_path = Path(env.path).resolve()
    active = os.environ.get("VIRTUAL_ENV") or os.environ.get("CONDA_PREFIX")
    owned = (
        (active and Path(active).resolve() == env_path)
        or (manager.in_project_venv_exists() and manager.in_project_venv.resolve() == env_path)
        or env_path.parent == command.poetry.config.virtualenvs_path.resolve()
    )
    if owned:
        return Path(env.python)
    raise EnvironmentInspectionError(
        f"{project_dir}: no environment found for this project"
        " (run `poetry install` first, or name one with --python)"
    )
