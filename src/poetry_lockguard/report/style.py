"""Turning the text reporter's Poetry-style tags into ANSI colours, or removing them."""

from __future__ import annotations

import re


_TAG = re.compile(r"(?<!\\)<(/?)([a-z][a-z0-9_=;,-]*)?>")
_STYLES = {
    "info": "32",
    "comment": "33",
    "error": "31",
    "warning": "33",
    "fg=red;options=bold": "1;31",
    "fg=yellow;options=bold": "1;33",
}


def escape_tags(text: str) -> str:
    """Keep ``<`` in messages (paths, markers) from being read as a style tag."""
    return text.replace("<", "\\<")


def render_tags(text: str, *, colour: bool) -> str:
    """Replace ``<info>``/``<error>``/``</>`` tags with ANSI codes, or strip them."""

    def sub(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2)
        if closing or name is None:
            return "\x1b[0m" if colour else ""
        if name not in _STYLES:
            return match.group(0)
        return f"\x1b[{_STYLES[name]}m" if colour else ""

    return _TAG.sub(sub, text).replace("\\<", "<")
