from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option

from poetry_lockguard.plugin.console.base import LockguardCommand
from poetry_lockguard.plugin.poetry_api import group_dependency_options


if TYPE_CHECKING:
    from pathlib import Path

    from cleo.io.inputs.option import Option

    from poetry_lockguard.commands.check import CheckOptions
    from poetry_lockguard.env.download import Source


class LockguardCheckCommand(LockguardCommand):
    name = "lockguard check"
    description = "Checks that the environment is exactly what poetry.lock says."

    options: ClassVar[list[Option]] = [
        *group_dependency_options(),
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
            "strict",
            None,
            "Locked packages of unselected groups or extras are errors, not warnings, and"
            " so is a package --integrity cannot trace to its locked archive.",
        ),
        option(
            "wheelhouse",
            None,
            "A directory of locked archives --integrity verifies the installed files"
            " against (after Poetry's artifact cache).",
            flag=False,
            multiple=True,
        ),
        option(
            "download-archives",
            None,
            "--integrity downloads the locked archives it finds nowhere here, from the"
            " sources poetry.lock names (verified by their sha256), with Poetry's"
            " credentials.",
        ),
        option(
            "format",
            "f",
            "Output format: text, json, github, sarif or markdown.",
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

    def handle(self) -> int:
        from cleo.io.outputs.output import Type
        from cleo.io.outputs.output import Verbosity

        from poetry_lockguard.commands.check import Outcome
        from poetry_lockguard.commands.check import check
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.report.formats import FORMATS
        from poetry_lockguard.report.formats import render_error
        from poetry_lockguard.report.style import escape_tags

        fmt = self.option("format")
        if fmt not in FORMATS:
            self.line_error(
                f"<error>lockguard: --format must be one of {', '.join(FORMATS)}, not {fmt!r}</error>",
                verbosity=Verbosity.QUIET,
            )
            return 2
        progress = None
        if fmt == "text" and self.option("integrity") and self.io.error_output.is_decorated():
            import sys

            from poetry_lockguard.report.progress import ProgressBar

            progress = ProgressBar(sys.stderr)
        try:
            outcome = check(self._check_options(), fmt, progress=progress, debug=self.io.is_debug())
        except LockguardError as e:  # the project could not be found
            outcome = Outcome(render_error(fmt, str(e)), f"lockguard: {e}\n", 2)
        finally:
            if progress is not None:
                progress.close()
        from poetry_lockguard.commands.step_summary import append_step_summary

        warning = append_step_summary(fmt, outcome)
        if warning:
            self.line_error(f"<warning>{escape_tags(warning)}</warning>")
        if outcome.report is not None:
            for line in outcome.report.trace:
                self.line_error(f"lockguard: {escape_tags(line)}", verbosity=Verbosity.VERBOSE)
        if fmt == "text":
            self.io.write(outcome.stdout)
        else:
            # The machine formats must reach stdout exactly as rendered, -q or not.
            self.io.write(outcome.stdout, type=Type.RAW, verbosity=Verbosity.QUIET)
        if outcome.stderr:
            first, _, rest = outcome.stderr.partition("\n")
            # The error line is written under -q too: a silent exit 2 explains nothing.
            self.line_error(f"<error>{escape_tags(first)}</error>", verbosity=Verbosity.QUIET)
            if rest:
                self.io.write_error(rest, type=Type.RAW, verbosity=Verbosity.QUIET)
        return outcome.exit_code

    def _check_options(self) -> CheckOptions:
        from pathlib import Path

        from poetry_lockguard.commands.check import CheckOptions
        from poetry_lockguard.lock.selection import SelectionRequest

        project_dir = self.project_dir()
        return CheckOptions(
            project_dir=project_dir,
            python=self.python_path(),
            selection=SelectionRequest.from_poetry_options(self.option),
            lock_only=bool(self.option("lock-only")),
            integrity=bool(self.option("integrity")),
            strict=bool(self.option("strict")),
            wheelhouse=tuple(Path(w) for w in self.option("wheelhouse") or ()),
            hint_directory=self.hint_directory(project_dir),
            download_archives=bool(self.option("download-archives")),
            download_sources=self._download_sources(project_dir),
        )

    def _download_sources(self, project_dir: Path) -> tuple[tuple[str, Source], ...]:
        """The sources Poetry knows for this project, with its credentials, when the
        lock's archives may be downloaded (only then is Poetry loaded for them)."""
        from poetry_lockguard.config import load_policy
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.lock.project import read_project

        if not self.option("integrity"):
            return ()  # archives are downloaded for --integrity only
        if not self.option("download-archives"):
            try:
                table = read_project(project_dir / "pyproject.toml").lockguard_config
                if not load_policy(table).download_archives:
                    return ()
            except (LockguardError, OSError):  # the check reports a bad pyproject.toml
                return ()
        from poetry_lockguard.plugin.poetry_api import download_sources

        return tuple(sorted(download_sources(self.poetry).items()))
