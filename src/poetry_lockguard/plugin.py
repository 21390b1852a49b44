"""The Poetry application plugin: registers the ``lockguard`` commands and the guard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.plugins.application_plugin import ApplicationPlugin


if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.console.application import Application
    from poetry.console.commands.command import Command

#: Command name -> (module, class) under ``poetry_lockguard.console``, imported only
#: when the command runs: every Poetry command pays for what activation imports.
COMMANDS = {
    "lockguard": ("namespace_command", "LockguardNamespaceCommand"),
    "lockguard check": ("check_command", "LockguardCheckCommand"),
    "lockguard repair": ("repair_command", "LockguardRepairCommand"),
    "lockguard fence": ("fence_command", "LockguardFenceCommand"),
    "lockguard compare": ("compare_command", "LockguardCompareCommand"),
    "lockguard sbom": ("sbom_command", "LockguardSbomCommand"),
}


class LockguardPlugin(ApplicationPlugin):
    """Adds the ``lockguard`` commands and the guard around installing commands."""

    def activate(self, application: Application) -> None:
        """Register the commands lazily and the install guard's listeners."""
        for name in COMMANDS:
            application.command_loader.register_factory(name, _factory(name))
        from poetry_lockguard.guard.listener import register_guard

        register_guard(application)


def _command_class(name: str) -> type[Command]:
    from importlib import import_module

    module, attribute = COMMANDS[name]
    command: type[Command] = getattr(import_module(f"poetry_lockguard.console.{module}"), attribute)
    return command


def _factory(name: str) -> Callable[[], Command]:
    return lambda: _command_class(name)()
