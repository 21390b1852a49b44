"""The install guard's entry: listeners on Poetry's installing commands."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

from poetry_lockguard.plugin.refusal import GuardInternalError
from poetry_lockguard.plugin.refusal import GuardRefusal
from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from collections.abc import Callable

    from cleo.events.console_command_event import ConsoleCommandEvent
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from poetry.console.application import Application

    from poetry_lockguard.plugin.install_guard.session import GuardSession

#: Runs before Poetry's own COMMAND listeners (priority 0): a missing lock is refused
#: before Poetry creates a virtualenv for the project.
GATE_PRIORITY = 16


def register_guard(application: Application) -> None:
    """Attach the guard to ``install``, ``sync``, ``add``, ``update`` and ``remove``."""
    from cleo.events.console_events import COMMAND
    from cleo.events.console_events import ERROR
    from cleo.events.console_events import TERMINATE

    dispatcher = application.event_dispatcher
    if dispatcher is None:
        return
    guard = InstallGuard()
    dispatcher.add_listener(COMMAND, guard.on_command_start, priority=GATE_PRIORITY)
    # Priority 0, added after Poetry's own listeners: command.installer is set.
    dispatcher.add_listener(COMMAND, guard.on_command)
    dispatcher.add_listener(ERROR, guard.on_error)
    dispatcher.add_listener(TERMINATE, guard.on_terminate)
    from poetry_lockguard.plugin.run_guard import RunGuard

    run_guard = RunGuard()
    # Priority 0, after Poetry's own listeners: command.env is set.
    dispatcher.add_listener(COMMAND, run_guard.on_command)
    dispatcher.add_listener(TERMINATE, run_guard.on_terminate)


def register_refusal(application: Application, version: str, supported: str) -> None:
    """On a Poetry this plugin does not support: the ``lockguard`` commands and the
    commands it guards (``install``, ``sync``, ``add``, ``update``, ``remove``, ``run``)
    refuse with one line and exit code 2 before anything runs; every other command,
    ``poetry self ...`` included, works, so that the plugin can be upgraded or removed."""
    from cleo.events.console_events import COMMAND
    from cleo.events.console_events import TERMINATE

    dispatcher = application.event_dispatcher
    if dispatcher is None:
        return
    refusal = UnsupportedPoetry(version, supported)
    dispatcher.add_listener(COMMAND, refusal.on_command, priority=GATE_PRIORITY)
    dispatcher.add_listener(TERMINATE, refusal.on_terminate)


class UnsupportedPoetry:
    """Refuses lockguard's commands and the guarded ones on an unsupported Poetry."""

    def __init__(self, version: str, supported: str) -> None:
        self.version = version
        self.supported = supported
        self.refused = False

    def on_command(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        from poetry_lockguard import __version__
        from poetry_lockguard.plugin.poetry_api import guarded_command
        from poetry_lockguard.plugin.poetry_api import is_run_command

        assert isinstance(event, ConsoleCommandEvent)
        command = event.command
        name = str(command.name or "")
        if name == "lockguard" or name.startswith("lockguard "):
            what = "its commands do not run"
        elif guarded_command(command) is not None or is_run_command(command):
            what = f"`poetry {name}` is refused, since the guard cannot run"
        else:
            return
        line = (
            f"lockguard: poetry-lockguard {__version__} works with Poetry {self.supported},"
            f" not Poetry {self.version}: {what}. Upgrade it (`poetry self add"
            " poetry-lockguard@latest`), remove it (`poetry self remove poetry-lockguard`),"
            " or run Poetry with `--no-plugins`"
        )
        event.io.write_error_line(f"<error>{escape_tags(line)}</error>")
        event.disable_command()
        event.stop_propagation()
        self.refused = True

    def on_terminate(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_terminate_event import ConsoleTerminateEvent

        assert isinstance(event, ConsoleTerminateEvent)
        if self.refused:
            event.set_exit_code(2)


def open_fence() -> Callable[[], None]:
    """Let pip through the pip fence for the rest of this guarded command, in any mode:
    Poetry itself runs pip in the venv (an editable install with a generated setup.py),
    and its subprocesses inherit ``POETRY_LOCKGUARD_FENCE=off``. Returns the undo."""
    from poetry_lockguard.commands.fence import VARIABLE

    before = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = "off"

    def undo() -> None:
        if before is None:
            os.environ.pop(VARIABLE, None)
        else:
            os.environ[VARIABLE] = before

    return undo


class InstallGuard:
    """Holds the session of the one command a Poetry process runs.

    Refusals exit with code 1. A failure of the guard itself (a bug, a Poetry internal
    that is missing, an invalid configuration) refuses too, with one line and exit
    code 2, like the check's "could not check"; ``-vvv`` shows the traceback.
    """

    def __init__(self) -> None:
        self.session: GuardSession | None = None
        self.internal_error = False
        self._fence_off: Callable[[], None] | None = None

    def on_command_start(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        assert isinstance(event, ConsoleCommandEvent)
        from poetry_lockguard.plugin.poetry_api import guarded_command

        kind = guarded_command(event.command)
        if kind is None:
            return
        self._fence_off = open_fence()
        try:
            self._start(event, kind)
        except GuardRefusal:
            raise
        except Exception as e:
            if event.io.is_debug():
                raise
            self._fail(event, f"lockguard refused `poetry {kind}`: {e}. Nothing was changed.")

    def _start(self, event: ConsoleCommandEvent, kind: str) -> None:
        from poetry_lockguard.plugin.install_guard.gate import guard_settings

        command = event.command
        # Poetry's own errors (no pyproject.toml, ...) surface as Poetry reports them.
        try:
            pyproject = command.poetry.pyproject  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - Poetry reports it when the command runs
            return
        table = pyproject.data.get("tool", {}).get("lockguard")
        settings = guard_settings(table, os.environ)
        if settings.mode == "off":
            # Announced every time: a pull request that turns the guard off is visible.
            note = settings.override_note or (
                'lockguard: the install guard is off (mode = "off" in [tool.lockguard]'
                " of pyproject.toml): nothing is verified, no receipts are written"
            )
            event.io.write_error_line(f"<comment>{escape_tags(note)}</comment>")
            return
        from poetry_lockguard.plugin.install_guard.session import GuardSession

        self.session = GuardSession(command, kind, event.io, settings)  # type: ignore[arg-type]
        self.session.start()

    def on_command(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        assert isinstance(event, ConsoleCommandEvent)
        if self.session is None or self.session.command is not event.command:
            return
        from poetry_lockguard.plugin.poetry_api import MissingInternalsError

        session = self.session
        try:
            session.arm()
        except MissingInternalsError as e:
            if not session.verdict.enforce:
                event.io.write_error_line(
                    f"<warning>lockguard: {escape_tags(str(e))}; `{session.command_line}` runs"
                    " without the guard (warn mode)</warning>"
                )
                self.session = None
                return
            session.verdict.refused = True
            self._fail(
                event,
                f"lockguard: {e}; refusing `{session.command_line}` (enforce mode)."
                " Nothing was changed. POETRY_LOCKGUARD_MODE=warn runs it without the guard.",
            )
        except Exception as e:
            if event.io.is_debug():
                raise
            session.verdict.refused = True
            self._fail(
                event,
                f"lockguard: the install guard failed ({type(e).__name__}: {e}); refusing"
                f" `{session.command_line}`. Nothing was changed. Run with -vvv for"
                " details.",
            )

    def _fail(self, event: ConsoleCommandEvent, line: str) -> None:
        """Stop the command with one line; TERMINATE turns it into exit code 2."""
        event.io.write_error_line(f"<error>{escape_tags(line)}</error>")
        event.disable_command()
        event.stop_propagation()
        self.internal_error = True

    def on_error(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_error_event import ConsoleErrorEvent

        assert isinstance(event, ConsoleErrorEvent)
        if not isinstance(event.error, GuardInternalError) or event.io.is_debug():
            return
        # One line, printed here; exit code 0 drops the error, TERMINATE sets 2.
        event.io.write_error_line(f"<error>{escape_tags(event.error.line)}</error>")
        event.set_exit_code(0)
        self.internal_error = True

    def on_terminate(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_terminate_event import ConsoleTerminateEvent

        assert isinstance(event, ConsoleTerminateEvent)
        session, self.session = self.session, None
        if session is not None and session.command is event.command:
            try:
                session.finish(event.exit_code, event.set_exit_code)
            except Exception as e:
                if event.io.is_debug():
                    raise
                line = f"lockguard: the install guard failed after the command ({e})"
                event.io.write_error_line(f"<error>{escape_tags(line)}</error>")
                self.internal_error = True
            if session.verdict.internal_error:
                self.internal_error = True
        if self.internal_error:
            event.set_exit_code(2)
        if self._fence_off is not None:
            self._fence_off()
            self._fence_off = None
