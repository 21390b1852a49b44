"""What a good install leaves in the environment: its selection, and the pip fence.

The selection (groups, extras) is what a bare ``lockguard check`` and ``poetry run``
check afterwards; the fence makes ``pip install`` in the venv refuse (unless
``pip-fence = false``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from cleo.io.io import IO

    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.lock.selection import SelectionRequest


def leave_state(
    interpreter: Interpreter, selection: SelectionRequest | None, pip_fence: bool, io: IO
) -> None:
    """Record ``selection`` (None: leave the recorded one) and put the fence in place."""
    from poetry_lockguard.env.state import write_selection
    from poetry_lockguard.fence import install_fence

    if selection is not None:
        write_selection(interpreter.prefix, selection.as_dict())
    if pip_fence:
        try:
            install_fence(interpreter.site_dirs[0], interpreter.executable)
        except OSError as e:
            io.write_error_line(
                f"<warning>lockguard: could not put the pip fence in place: {e}</warning>"
            )
