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

from poetry_lockguard.config import RUN_SYNC_VARIABLE
from poetry_lockguard.findings import Remedy
from poetry_lockguard.findings import codes_where


if TYPE_CHECKING:
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from cleo.io.io import IO

    from poetry_lockguard.lock.selection import SelectionRequest
    from poetry_lockguard.report.model import Report

#: The finding codes ``on-run = "sync"`` repairs with a (non-removing) guarded install.
SYNCABLE = codes_where(remedy=Remedy.SYNC, repair="install") | codes_where(
    remedy=Remedy.SYNC, repair="reinstall"
)
#: What ``on-run = "sync"`` reports and leaves in place, CMD still runs (like uv's
#: inexact sync). Any other error stops CMD as ``refuse`` does: a sync cannot fix it.
LEFT_IN_PLACE = codes_where(repair="remove")


class RunGuard:
    """The listeners that check the environment before ``poetry run`` runs CMD."""

    def __init__(self) -> None:
        self._exit_code: int | None = None

    def on_command(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        from poetry_lockguard.plugin.poetry_api import is_run_command

        assert isinstance(event, ConsoleCommandEvent)
        command = event.command
        if not is_run_command(command):
            return
        from poetry_lockguard.errors import LockguardError

        mode = None
        try:
            mode, source = _mode(command)
            if mode == "off":
                line = f"lockguard: the check before `poetry run` is off ({source})"
                event.io.write_error_line(f"<comment>{_escape(line)}</comment>")
            else:
                self._check(command, mode, event.io)
        except _StopError as stop:
            self._exit_code = stop.code
            event.disable_command()
        except LockguardError as e:
            line = f"lockguard: could not check the environment: {e}"
            if mode == "warn":  # warn never stops CMD
                event.io.write_error_line(f"<warning>{_escape(line)}</warning>")
                return
            event.io.write_error_line(f"<error>{_escape(line)}</error>")
            self._exit_code = 2
            event.disable_command()

    def on_terminate(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_terminate_event import ConsoleTerminateEvent

        assert isinstance(event, ConsoleTerminateEvent)
        if self._exit_code is not None:
            event.set_exit_code(self._exit_code)
            self._exit_code = None

    def _check(self, command: object, mode: str, io: IO) -> None:
        from poetry_lockguard.commands.check import CheckOptions
        from poetry_lockguard.commands.check import run_check
        from poetry_lockguard.env.state import clear_stamp
        from poetry_lockguard.env.state import environment_stamp
        from poetry_lockguard.env.state import read_selection
        from poetry_lockguard.env.state import stamp_matches
        from poetry_lockguard.env.state import write_stamp
        from poetry_lockguard.plugin.poetry_env import interpreter_of

        project_dir = Path(command.poetry.pyproject_path).parent  # type: ignore[attr-defined]
        interpreter = interpreter_of(command.env)  # type: ignore[attr-defined]
        if interpreter is None:
            return  # Poetry cannot describe its env: `poetry run` fails on its own
        prefix = interpreter.prefix
        recorded = read_selection(prefix) or {}
        stamp = environment_stamp(project_dir, interpreter.search_path, recorded)
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
        request = _selection(project_dir, prefix, io)
        options = CheckOptions(project_dir=project_dir, selection=request, recorded_selection=False)
        report = run_check(options, interpreter=interpreter)
        if report.ok:
            write_stamp(prefix, stamp)
            return
        clear_stamp(prefix)
        codes = {f.code for f in report.errors}
        if mode == "sync" and codes & SYNCABLE and codes <= SYNCABLE | LEFT_IN_PLACE:
            self._sync(project_dir, request, io)
            report = run_check(options, interpreter=interpreter)
            if not {f.code for f in report.errors} <= LEFT_IN_PLACE:
                head = "the sync could not bring the environment to poetry.lock"
                _write(io, "error", head, report)
                raise _StopError(1)
            if report.ok:
                write_stamp(
                    prefix, environment_stamp(project_dir, interpreter.search_path, recorded)
                )
            else:
                head = "after the sync, the environment still differs from poetry.lock"
                _write(io, "warning", head, report)
            return
        if mode == "refuse" or (mode == "sync" and not codes <= LEFT_IN_PLACE):
            head = "the environment does not match poetry.lock; the command was not started"
            _write(io, "error", head, report)
            io.write_error_line(
                "<comment>To run anyway: POETRY_LOCKGUARD_ON_RUN=warn poetry run ...</comment>"
            )
            raise _StopError(1)
        _write(io, "warning", "the environment does not match poetry.lock", report)

    @staticmethod
    def _sync(project_dir: Path, request: SelectionRequest, io: IO) -> None:
        """``poetry install`` with the recorded selection: through the guard (verified,
        receipts), and, unlike ``poetry sync``, removing nothing (so its own check leaves
        extraneous packages to this one, which reports them once)."""
        args = [sys.executable, "-m", "poetry", "install", "--no-root", "--no-interaction"]
        args += request.as_poetry_options().split()
        io.write_error_line(f"<comment>lockguard: running `{' '.join(args[2:])}`</comment>")
        env = dict(os.environ, POETRY_LOCKGUARD_ON_RUN="off", **{RUN_SYNC_VARIABLE: "1"})
        subprocess.run(
            args,
            cwd=project_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr,
            stderr=sys.stderr,
            check=False,
        )


def _mode(command: object) -> tuple[str, str]:
    """``on-run`` for this run (the variable, else ``[tool.lockguard]``) and where it
    was set, for the line that says the check is off."""
    from poetry_lockguard.config import ON_RUN_VARIABLE
    from poetry_lockguard.config import load_policy
    from poetry_lockguard.config import on_run_override

    override = on_run_override(os.environ)
    if override is not None:
        return override, f"{ON_RUN_VARIABLE}={override}"
    poetry = command.poetry  # type: ignore[attr-defined]
    table = poetry.pyproject.data.get("tool", {}).get("lockguard")
    mode = load_policy(table).on_run
    return mode, f'on-run = "{mode}" in [tool.lockguard] of pyproject.toml'


def _selection(project_dir: Path, prefix: Path, io: IO) -> SelectionRequest:
    """The recorded selection, less what pyproject.toml no longer has (with a note)."""
    from cleo.io.outputs.output import Verbosity

    from poetry_lockguard.env.state import recorded_request
    from poetry_lockguard.lock.project import read_project
    from poetry_lockguard.lock.selection import SelectionRequest

    project = read_project(project_dir / "pyproject.toml")
    memory = recorded_request(prefix, project, project_dir)
    if memory.ignored:
        line = f"lockguard: the recorded selection was ignored: {memory.ignored}"
        io.write_error_line(_escape(line), verbosity=Verbosity.VERBOSE)
    for note in memory.notes:
        io.write_error_line(f"<comment>{_escape(f'lockguard: {note}')}</comment>")
    return memory.request or SelectionRequest()


class _StopError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _write(io: IO, style: str, head: str, report: Report) -> None:
    """``lockguard: HEAD:``, the error findings (the warnings when there are none) and
    the one command that fixes them, from the check's own hints."""
    from poetry_lockguard.plugin.refusal import finding_lines
    from poetry_lockguard.report.text import report_hint

    io.write_error_line(f"<{style}>lockguard: {head}:</{style}>")
    for line in finding_lines(report.errors or report.warnings):
        io.write_error_line(_escape(line))
    fix = report_hint(report)
    if fix:
        io.write_error_line(f"<comment>Fix: {_escape(fix)}</comment>")


def _escape(text: str) -> str:
    from poetry_lockguard.report.style import escape_tags

    return escape_tags(text)
