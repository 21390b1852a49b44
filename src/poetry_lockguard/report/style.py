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
    "fg=cyan;options=bold": "1;36",
}


#: Characters a terminal acts on: C0 controls (ESC starts escape sequences), DEL, C1
#: controls (CSI, OSC ...), line and paragraph separators and bidirectional overrides
#: (which make text display other than it reads), and lone surrogates (which JSON can
#: hold and no terminal encoding can write).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def neutralise(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``).

    Text from METADATA, RECORD or the lock reaches the terminal only through this, so
    it cannot move the cursor, recolour, retitle the terminal or forge lines.
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if keep_newlines and char == "\n":
            return char
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


def escape_tags(text: str) -> str:
    """Keep ``<`` in messages (paths, markers) from being read as a style tag, and
    neutralise control characters (newlines are kept: callers compose lines)."""
    return neutralise(text, keep_newlines=True).replace("<", "\\<")


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
