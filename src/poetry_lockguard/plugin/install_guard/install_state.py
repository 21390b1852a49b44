"""What a good install leaves in the environment: its selection, and the pip fence.

The selection (groups, extras) is what a bare ``lockguard check`` and ``poetry run``
check afterwards; the fence makes ``pip install`` in the venv refuse (unless
``pip-fence = false``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from pathlib import Path

    from cleo.io.io import IO

    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.lock.selection import SelectionRequest


def leave_state(
    interpreter: Interpreter,
    project_dir: Path,
    selection: SelectionRequest | None,
    pip_fence: bool,
    io: IO,
    root: bool | None = None,
) -> SelectionRequest | None:
    """Record ``selection`` for ``project_dir`` and its lock (None: keep the recorded
    one, tied to the lock as it is now) and put the fence in place
    (``pip_fence`` false: take it away), whatever the check after the install finds: it
    installed that selection (and the project itself, ``root``), and the fence keeps
    pip from adding to any drift. Only in
    a virtualenv: any other Python (``virtualenvs.create = false``) is left alone.
    Returns the selection the environment now holds (None: none is recorded), which
    the hints after ``poetry add``/``update``/``remove`` name."""
    from poetry_lockguard.commands.fence import refresh_fence
    from poetry_lockguard.env.state import is_virtualenv
    from poetry_lockguard.env.state import rebind_selection
    from poetry_lockguard.env.state import write_selection

    if not is_virtualenv(interpreter.prefix):
        return None
    if selection is not None:
        write_selection(interpreter.prefix, project_dir, selection.as_dict(), root)
    else:
        selection = rebind_selection(interpreter.prefix, project_dir)
    options = "" if selection is None else selection.as_poetry_options()
    try:
        note = refresh_fence(
            interpreter.prefix,
            interpreter.site_dirs[0],
            interpreter.executable,
            pip_fence,
            options,
        )
    except OSError as e:
        line = f"lockguard: could not update the pip fence: {e}"
        io.write_error_line(f"<warning>{escape_tags(line)}</warning>")
        return selection
    if note:
        io.write_error_line(f"<comment>{escape_tags(f'lockguard: {note}')}</comment>")
    return selection
