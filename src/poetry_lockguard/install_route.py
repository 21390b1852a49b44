"""How this copy of poetry-lockguard was installed, for hints that add an extra to it."""

from __future__ import annotations

import sys

from pathlib import Path


def add_extra_command(
    extra: str,
    *,
    package_file: str | None = None,
    prefix: str | None = None,
    executable: str | None = None,
    has_poetry: bool | None = None,
) -> str:
    """What the user runs to add ``poetry-lockguard[extra]`` where this copy lives: the
    project's ``[tool.poetry.requires-plugins]``, ``pipx inject``, ``poetry self add``
    or this interpreter's pip; the single-file checker cannot take an extra. The
    keywords stand for this process's facts (for tests)."""
    from shlex import quote

    here = Path(__file__ if package_file is None else package_file)
    requirement = quote(f"poetry-lockguard[{extra}]")
    if not here.is_file():  # imported from a zip archive: the single-file checker
        return (
            f"the single-file checker cannot carry it: run `python -m poetry_lockguard {extra}`"
            f" from an installed {requirement}"
        )
    if any(p.name == "plugins" and p.parent.name == ".poetry" for p in here.parents):
        return (
            f'add extras = ["{extra}"] to poetry-lockguard in the project\'s'
            " [tool.poetry.requires-plugins] (Poetry installs it on its next command)"
        )
    root = Path(sys.prefix if prefix is None else prefix)
    if (root / "pipx_metadata.json").is_file():
        return f"pipx inject {quote(root.name)} {requirement}"
    if has_poetry is None:
        from importlib.util import find_spec

        has_poetry = find_spec("poetry") is not None and find_spec("poetry.console") is not None
    if has_poetry:
        return f"poetry self add {requirement}"
    python = sys.executable if executable is None else executable
    return f"{quote(python)} -m pip install {requirement}"
