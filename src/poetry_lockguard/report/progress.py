"""A progress bar on stderr for long integrity runs on a terminal."""

from __future__ import annotations

import time

from typing import TextIO


class ProgressBar:
    """Draws ``[#####     ] 1234/5678 files`` in place, at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Update the bar to ``done`` of ``total`` files."""
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = width * done // total if total else width
        self._stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} files")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the bar."""
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
