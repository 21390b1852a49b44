"""The install guard's entry: listeners on Poetry's installing commands."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from poetry.console.application import Application

    from poetry_lockguard.guard.session import GuardSession

#: Runs before Poetry's own COMMAND listeners (priority 0): a missing lock is refused
#: before Poetry creates a virtualenv for the project.
GATE_PRIORITY = 16


def register_guard(application: Application) -> None:
    """Attach the guard to ``install``, ``sync``, ``add``, ``update`` and ``remove``."""
    from cleo.events.console_events import COMMAND
    from cleo.events.console_events import TERMINATE

    dispatcher = application.event_dispatcher
    if dispatcher is None:
        return
    guard = InstallGuard()
    dispatcher.add_listener(COMMAND, guard.on_command_start, priority=GATE_PRIORITY)
    # Priority 0, added after Poetry's own listeners: command.installer is set.
    dispatcher.add_listener(COMMAND, guard.on_command)
    dispatcher.add_listener(TERMINATE, guard.on_terminate)
    from poetry_lockguard.guard.run import RunGuard

    run_guard = RunGuard()
    # Priority 0, after Poetry's own listeners: command.env is set.
    dispatcher.add_listener(COMMAND, run_guard.on_command)
    dispatcher.add_listener(TERMINATE, run_guard.on_terminate)


def command_kind(command: object) -> str | None:
    """``install``/``sync``/``add``/``update``/``remove`` for a guarded command, else None.

    ``poetry self ...`` commands subclass the same classes but work on Poetry's own
    environment: they are never guarded.
    """
    from poetry.console.commands.add import AddCommand
    from poetry.console.commands.install import InstallCommand
    from poetry.console.commands.remove import RemoveCommand
    from poetry.console.commands.update import UpdateCommand

    try:
        from poetry.console.commands.sync import SyncCommand
    except ImportError:  # pragma: no cover - every Poetry 2.x has it
        SyncCommand = None  # type: ignore[assignment,misc]  # noqa: N806

    name = str(getattr(command, "name", "") or "")
    if name == "self" or name.startswith("self "):
        return None
    if SyncCommand is not None and isinstance(command, SyncCommand):
        return "sync"
    for cls, kind in (
        (InstallCommand, "install"),
        (AddCommand, "add"),
        (UpdateCommand, "update"),
        (RemoveCommand, "remove"),
    ):
        if isinstance(command, cls):
            return kind
    return None


class InstallGuard:
    """Holds the session of the one command a Poetry process runs."""

    def __init__(self) -> None:
        self.session: GuardSession | None = None

    def on_command_start(
        self, event: Event, event_name: str, dispatcher: EventDispatcher
    ) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        assert isinstance(event, ConsoleCommandEvent)
        kind = command_kind(event.command)
        if kind is None:
            return
        from poetry_lockguard.guard.gate import guard_settings
        from poetry_lockguard.guard.refusal import GuardRefusal

        command = event.command
        # Poetry's own errors (no pyproject.toml, ...) surface as Poetry reports them.
        pyproject = command.poetry.pyproject  # type: ignore[attr-defined]
        try:
            table = pyproject.data.get("tool", {}).get("lockguard")
            settings = guard_settings(table, os.environ)
        except Exception as e:
            if event.io.is_debug():
                raise
            raise GuardRefusal(
                f"lockguard refused `poetry {kind}`: {e}. Nothing was changed."
            ) from e
        if settings.mode == "off":
            if settings.override_note:
                event.io.write_error_line(f"<comment>{settings.override_note}</comment>")
            return
        from poetry_lockguard.guard.session import GuardSession

        self.session = GuardSession(command, kind, event.io, settings)  # type: ignore[arg-type]
        self.session.start()

    def on_command(self, event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
        from cleo.events.console_command_event import ConsoleCommandEvent

        assert isinstance(event, ConsoleCommandEvent)
        if self.session is None or self.session.command is not event.command:
            return
        self.session.arm()

    def on_terminate(
        self, event: Event, event_name: str, dispatcher: EventDispatcher
    ) -> None:
        from cleo.events.console_terminate_event import ConsoleTerminateEvent

        assert isinstance(event, ConsoleTerminateEvent)
        if self.session is None or self.session.command is not event.command:
            return
        session, self.session = self.session, None
        session.finish(event.exit_code, event.set_exit_code)
