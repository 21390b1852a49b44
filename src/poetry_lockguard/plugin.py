"""The Poetry application plugin: registers ``lockguard check`` and the install guard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.plugins.application_plugin import ApplicationPlugin


if TYPE_CHECKING:
    from poetry.console.application import Application
    from poetry.console.commands.command import Command


class LockguardPlugin(ApplicationPlugin):
    """Adds the ``lockguard`` commands and the guard around installing commands."""

    @property
    def commands(self) -> list[type[Command]]:
        from poetry_lockguard.console.check_command import LockguardCheckCommand
        from poetry_lockguard.console.compare_command import LockguardCompareCommand
        from poetry_lockguard.console.fence_command import LockguardFenceCommand
        from poetry_lockguard.console.namespace_command import LockguardCommand

        return [
            LockguardCommand,
            LockguardCheckCommand,
            LockguardFenceCommand,
            LockguardCompareCommand,
        ]

    def activate(self, application: Application) -> None:
        """Register the commands lazily and the install guard's listeners."""
        application.command_loader.register_factory("lockguard", _namespace_command_factory)
        application.command_loader.register_factory(
            "lockguard check", _check_command_factory
        )
        application.command_loader.register_factory(
            "lockguard compare", _compare_command_factory
        )
        application.command_loader.register_factory(
            "lockguard fence", _fence_command_factory
        )
        from poetry_lockguard.guard.listener import register_guard

        register_guard(application)


def _check_command_factory() -> Command:
    from poetry_lockguard.console.check_command import LockguardCheckCommand

    return LockguardCheckCommand()


def _namespace_command_factory() -> Command:
    from poetry_lockguard.console.namespace_command import LockguardCommand

    return LockguardCommand()


def _fence_command_factory() -> Command:
    from poetry_lockguard.console.fence_command import LockguardFenceCommand

    return LockguardFenceCommand()


def _compare_command_factory() -> Command:
    from poetry_lockguard.console.compare_command import LockguardCompareCommand

    return LockguardCompareCommand()
