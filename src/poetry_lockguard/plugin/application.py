"""The plugin Poetry loads: registers the ``lockguard`` commands and the guards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.plugins.application_plugin import ApplicationPlugin


if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.console.application import Application
    from poetry.console.commands.command import Command

#: Command name -> (module, class) under ``poetry_lockguard.plugin.console``, imported only
#: when the command runs: every Poetry command pays for what activation imports.
COMMANDS = {
    "lockguard": ("namespace", "LockguardNamespaceCommand"),
    "lockguard check": ("check", "LockguardCheckCommand"),
    "lockguard repair": ("repair", "LockguardRepairCommand"),
    "lockguard fence": ("fence", "LockguardFenceCommand"),
    "lockguard compare": ("compare", "LockguardCompareCommand"),
    "lockguard sbom": ("sbom", "LockguardSbomCommand"),
}


#: The Poetry releases this plugin works with (the oldest and newest are tested).
SUPPORTED_POETRY = ">=2.0,<3"


def supports(version: str) -> bool:
    """Whether Poetry ``version`` is in SUPPORTED_POETRY (pre-releases by their number)."""
    numbers = []
    for part in version.split(".")[:2]:
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            return False
        numbers.append(int(digits))
    return len(numbers) == 2 and (2, 0) <= (numbers[0], numbers[1]) < (3, 0)


class LockguardPlugin(ApplicationPlugin):
    """Adds the ``lockguard`` commands and the guard around installing commands."""

    def activate(self, application: Application) -> None:
        """Register the commands lazily and the install guard's listeners; on a Poetry
        this plugin does not support, register what refuses them instead."""
        from poetry_lockguard.plugin import poetry_api

        for name in COMMANDS:
            application.command_loader.register_factory(name, _factory(name))
        version = poetry_api.poetry_version()
        if not supports(version):
            from poetry_lockguard.plugin.listener import register_refusal

            register_refusal(application, version, SUPPORTED_POETRY)
            return
        from poetry_lockguard.plugin.listener import register_guard

        register_guard(application)


def _command_class(name: str) -> type[Command]:
    from importlib import import_module

    module, attribute = COMMANDS[name]
    command: type[Command] = getattr(
        import_module(f"poetry_lockguard.plugin.console.{module}"), attribute
    )
    return command


def _factory(name: str) -> Callable[[], Command]:
    return lambda: _command_class(name)()
