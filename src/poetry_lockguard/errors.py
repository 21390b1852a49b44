"""The errors lockguard raises when it cannot check: each names the file and the problem."""

from __future__ import annotations


class LockguardError(Exception):
    """Base of every error that means "could not check" (exit code 2).

    The message is one sentence that names the file and the problem, for example
    ``poetry.lock: unsupported lock-version "3.0"``; the console layer prints it as one
    line and never shows a traceback unless asked for one.
    """


class LockFileError(LockguardError):
    """poetry.lock or pyproject.toml cannot be read or is not of a supported form."""


class EnvironmentInspectionError(LockguardError):
    """The target environment cannot be found, probed or read."""


class ConfigError(LockguardError):
    """``[tool.lockguard]`` has an unknown key or a value of the wrong type."""


class SelectionError(LockguardError):
    """The requested groups or extras do not exist in the project."""


#: Why ``--python ""`` is refused, by both entry points.
EMPTY_PYTHON = "an empty path names no interpreter"
