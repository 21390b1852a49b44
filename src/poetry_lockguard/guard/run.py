"""``poetry run`` checks first: the environment against poetry.lock before CMD starts.

The check covers the selection the last guarded install recorded in the environment
(default groups otherwise) and is skipped when the environment's stamp shows nothing
changed since the last clean check. ``[tool.lockguard] on-run`` (or
``POETRY_LOCKGUARD_ON_RUN``) says what happens on error findings: ``refuse`` (CMD does
not start, exit 1), ``sync`` (missing and wrong-version packages are installed through
the guard, then CMD runs), ``warn`` (findings on stderr, CMD runs) or ``off``. CMD's
own exit code, streams and signals are never touched: only the COMMAND event is used.
"""

from __future__ import annotations

import os
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from cleo.io.io import IO

    from poetry_lockguard.checks.finding import Finding
    from poetry_lockguard.lock.selection import SelectionRequest

#: The finding codes ``on-run = "sync"`` repairs with a (non-removing) guarded install.
SYNCABLE = frozenset({"missing", "version-mismatch", "source-mismatch"})


class RunGuard:
    """The listeners that check the environment before ``poetry run`` runs CMD."""

    def __init__(self) -> None:
        self._exit_code: int | None = None

    def on_command(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent
        from poetry.console.commands.run import RunCommand

        assert isinstance(event, ConsoleCommandEvent)
        command = event.command
        if not isinstance(command, RunCommand):
            return
        from poetry_lockguard.errors import LockguardError

        try:
            self._check(command, event.io)
        except _StopError as stop:
            self._exit_code = stop.code
            event.disable_command()
        except LockguardError as e:
            event.io.write_error_line(f"<error>lockguard: {_escape(str(e))}</error>")
            self._exit_code = 2
            event.disable_command()

    def on_terminate(
        self, event: Event, event_name: str, dispatcher: EventDispatcher
    ) -> None:
        from cleo.events.console_terminate_event import ConsoleTerminateEvent

        assert isinstance(event, ConsoleTerminateEvent)
        if self._exit_code is not None:
            event.set_exit_code(self._exit_code)
            self._exit_code = None

    def _check(self, command: object, io: IO) -> None:
        from poetry_lockguard.app import CheckOptions
        from poetry_lockguard.app import run_check
        from poetry_lockguard.config import load_policy
        from poetry_lockguard.config import on_run_override
        from poetry_lockguard.env.state import clear_stamp
        from poetry_lockguard.env.state import environment_stamp
        from poetry_lockguard.env.state import read_selection
        from poetry_lockguard.env.state import stamp_matches
        from poetry_lockguard.env.state import write_stamp
        from poetry_lockguard.guard.poetry_env import interpreter_of
        from poetry_lockguard.lock.selection import SelectionRequest

        poetry = command.poetry  # type: ignore[attr-defined]
        project_dir = Path(poetry.pyproject_path).parent
        table = poetry.pyproject.data.get("tool", {}).get("lockguard")
        mode = on_run_override(os.environ) or load_policy(table).on_run
        if mode == "off":
            return
        env = command.env  # type: ignore[attr-defined]
        interpreter = interpreter_of(env)
        if interpreter is None:
            return  # Poetry cannot describe its env: `poetry run` fails on its own
        prefix = interpreter.prefix
        request = SelectionRequest.from_dict(read_selection(prefix)) or SelectionRequest()
        stamp = environment_stamp(project_dir, interpreter.site_dirs, request.as_dict())
        from cleo.io.outputs.output import Verbosity

        if stamp_matches(prefix, stamp):
            io.write_error_line(
                "lockguard: nothing changed since the last clean check (stamp)",
                verbosity=Verbosity.VERBOSE,
            )
            return
        io.write_error_line(
            "lockguard: checking the environment before `poetry run`",
            verbosity=Verbosity.VERBOSE,
        )
        options = CheckOptions(project_dir=project_dir, selection=request)
        errors = list(run_check(options, interpreter=interpreter).errors)
        if not errors:
            write_stamp(prefix, stamp)
            return
        clear_stamp(prefix)
        fix = f"poetry sync{request.as_poetry_options()}"
        if mode == "sync" and {f.code for f in errors} & SYNCABLE:
            self._sync(project_dir, request, io)
            errors = list(run_check(options, interpreter=interpreter).errors)
            remaining = [f for f in errors if f.code in SYNCABLE]
            if remaining:
                _write(io, "error", "could not bring the environment to poetry.lock", remaining, fix)
                raise _StopError(1)
            if errors:
                _write(io, "warning", "after the sync, still differs from poetry.lock", errors, fix)
            else:
                write_stamp(
                    prefix, environment_stamp(project_dir, interpreter.site_dirs, request.as_dict())
                )
            return
        if mode == "refuse":
            _write(io, "error", "does not match poetry.lock; the command was not started", errors, fix)
            io.write_error_line(
                "<comment>To run anyway: POETRY_LOCKGUARD_ON_RUN=warn poetry run ...</comment>"
            )
            raise _StopError(1)
        _write(io, "warning", "does not match poetry.lock", errors, fix)

    @staticmethod
    def _sync(project_dir: Path, request: SelectionRequest, io: IO) -> None:
        """``poetry install`` with the recorded selection: through the guard (verified,
        receipts), and, unlike ``poetry sync``, removing nothing."""
        args = [sys.executable, "-m", "poetry", "install", "--no-root", "--no-interaction"]
        args += request.as_poetry_options().split()
        io.write_error_line(f"<comment>lockguard: running `{' '.join(args[2:])}`</comment>")
        env = dict(os.environ, POETRY_LOCKGUARD_ON_RUN="off")
        subprocess.run(
            args, cwd=project_dir, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr,
            stderr=sys.stderr, check=False,
        )


class _StopError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _write(io: IO, style: str, what: str, findings: list[Finding], fix: str) -> None:
    from poetry_lockguard.guard.refusal import finding_lines

    io.write_error_line(f"<{style}>lockguard: the environment {what}:</{style}>")
    for line in finding_lines(findings):
        io.write_error_line(_escape(line))
    io.write_error_line(f"<comment>Fix: {fix}</comment>")


def _escape(text: str) -> str:
    from poetry_lockguard.report.style import escape_tags

    return escape_tags(text)
