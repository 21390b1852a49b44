"""A fast reader for the regular TOML that Poetry writes into poetry.lock.

tomllib is written in pure Python and spends about 0.3 s on the lock of a project with
2000 packages: most of a stand-alone check. Poetry (through tomlkit) writes locks in a
small, regular subset of TOML: ``[[package]]`` and ``[a.b]`` headers of bare keys,
``key = value`` lines with bare or quoted keys, and values that are basic strings,
booleans, arrays and inline tables. ``parse_lock_toml`` reads exactly that subset and
returns None as soon as it meets anything else (another value type, a dotted key, a
literal string, a redefined table or key ...), and the caller then uses tomllib, which
also produces the error message for invalid TOML. For every text it accepts, the result
equals tomllib's (a test compares both over real locks and mutations of them).
"""

from __future__ import annotations

import re


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _FallbackError(Exception):
    """The text leaves the subset: tomllib must read it."""


_BARE_KEY = r"[A-Za-z0-9_-]+"
# A basic string: no control characters but tab; escapes are checked when decoded.
_STRING_BODY = r'(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\.)*'
_KEY_VALUE = re.compile(rf'[ \t]*(?:({_BARE_KEY})|"([^"\\\x00-\x08\x0a-\x1f\x7f]*)")[ \t]*=[ \t]*')
_HEADER = re.compile(rf"(\[\[?)[ \t]*({_BARE_KEY}(?:\.{_BARE_KEY})*)[ \t]*(\]\]?)")
_STRING = re.compile(rf'"({_STRING_BODY})"')
_BOOL = re.compile(r"(true|false)(?![A-Za-z0-9_-])")
_END_OF_LINE = re.compile(r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?(?:\r?\n|\Z)")
_BLANK_OR_COMMENT = re.compile(r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?\r?\n")
_ARRAY_SPACE = re.compile(r"(?:[ \t\n]|\r\n|#[^\x00-\x08\x0a-\x1f\x7f]*\r?\n)*")
_INLINE_SPACE = re.compile(r"[ \t]*")
_ESCAPE = re.compile(r"\\(?:([\"\\btnfr])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
# The statements and inline tables that make up most of a lock, matched whole: plain
# (escape-free) strings and booleans.
_PLAIN = r'"([^"\\\x00-\x08\x0a-\x1f\x7f]*)"'
_SIMPLE_LINE = re.compile(
    rf"(?:({_BARE_KEY})|{_PLAIN})[ \t]*=[ \t]*(?:{_PLAIN}|(true|false))"
    r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?(?:\r?\n|\Z)"
)
# One ``key = "plain"`` pair of an inline table and the "," or "}" after it.
_PAIR = re.compile(rf"[ \t]*(?:({_BARE_KEY})|{_PLAIN})[ \t]*=[ \t]*{_PLAIN}[ \t]*([,}}])")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r"}


def parse_lock_toml(text: str) -> dict[str, Any] | None:
    """The document tomllib would return for ``text``, or None outside the subset."""
    try:
        return _Reader(text).document()
    except _FallbackError:
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.root: dict[str, Any] = {}
        # ids of tables: defined by a header, created implicitly by one, or arrays of
        # tables; inline tables and plain values are never extended.
        self.defined: set[int] = set()
        self.implicit: set[int] = set()
        self.arrays_of_tables: set[int] = set()

    def document(self) -> dict[str, Any]:
        text = self.text
        end = len(text)
        table = self.root
        self.defined.add(id(table))
        while self.position < end:
            blank = _BLANK_OR_COMMENT.match(text, self.position)
            if blank is not None:
                self.position = blank.end()
                continue
            simple = _SIMPLE_LINE.match(text, self.position)
            if simple is not None:
                key, quoted_key, value, boolean = simple.groups()
                if key is None:
                    key = quoted_key
                if key in table:
                    raise _FallbackError
                table[key] = value if boolean is None else boolean == "true"
                self.position = simple.end()
                continue
            char = text[self.position]
            if char == "[":
                table = self._header()
            else:
                self._key_value(table)
            eol = _END_OF_LINE.match(text, self.position)
            if eol is None or (eol.end() == self.position and self.position < end):
                raise _FallbackError
            self.position = eol.end()
        return self.root

    def _header(self) -> dict[str, Any]:
        match = _HEADER.match(self.text, self.position)
        if match is None:
            raise _FallbackError
        opening, path, closing = match.groups()
        if len(opening) != len(closing):
            raise _FallbackError
        self.position = match.end()
        keys = path.split(".")
        parent = self.root
        for key in keys[:-1]:
            parent = self._descend(parent, key)
        last = keys[-1]
        if opening == "[[":
            existing = parent.get(last)
            if existing is None:
                existing = parent[last] = []
                self.arrays_of_tables.add(id(existing))
            elif id(existing) not in self.arrays_of_tables:
                raise _FallbackError
            table: dict[str, Any] = {}
            existing.append(table)
            self.defined.add(id(table))
            return table
        existing = parent.get(last)
        if existing is None:
            table = parent[last] = {}
        elif isinstance(existing, dict) and id(existing) in self.implicit:
            self.implicit.discard(id(existing))
            table = existing
        else:
            raise _FallbackError
        self.defined.add(id(table))
        return table

    def _descend(self, parent: dict[str, Any], key: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            value = parent[key] = {}
            self.implicit.add(id(value))
            return value
        if isinstance(value, list) and id(value) in self.arrays_of_tables:
            return value[-1]  # type: ignore[no-any-return]
        if isinstance(value, dict) and (id(value) in self.defined or id(value) in self.implicit):
            return value
        raise _FallbackError

    def _key_value(self, table: dict[str, Any]) -> None:
        match = _KEY_VALUE.match(self.text, self.position)
        if match is None:
            raise _FallbackError
        key = match.group(1)
        if key is None:
            key = match.group(2)
        if key in table:
            raise _FallbackError
        self.position = match.end()
        table[key] = self._value()

    def _value(self) -> Any:
        text = self.text
        position = self.position
        if position >= len(text):
            raise _FallbackError
        char = text[position]
        if char == '"':
            match = _STRING.match(text, position)
            if match is None or text.startswith('"""', position):
                raise _FallbackError
            self.position = match.end()
            body = match.group(1)
            return _unescape(body) if "\\" in body else body
        if char == "[":
            return self._array()
        if char == "{":
            table = self._plain_inline_table()
            return table if table is not None else self._inline_table()
        match = _BOOL.match(text, position)
        if match is None:
            raise _FallbackError
        self.position = match.end()
        return match.group(1) == "true"

    def _array(self) -> list[Any]:
        text = self.text
        self.position += 1
        items: list[Any] = []
        while True:
            self.position = _ARRAY_SPACE.match(text, self.position).end()  # type: ignore[union-attr]
            if text.startswith("]", self.position):
                self.position += 1
                return items
            items.append(self._value())
            self.position = _ARRAY_SPACE.match(text, self.position).end()  # type: ignore[union-attr]
            if text.startswith(",", self.position):
                self.position += 1
            elif text.startswith("]", self.position):
                self.position += 1
                return items
            else:
                raise _FallbackError

    def _plain_inline_table(self) -> dict[str, Any] | None:
        """An inline table of plain strings only (the ``files`` entries), else None."""
        text = self.text
        position = self.position + 1
        table: dict[str, Any] = {}
        while True:
            match = _PAIR.match(text, position)
            if match is None:
                return None
            key, quoted_key, value, after = match.groups()
            if key is None:
                key = quoted_key
            if key in table:
                raise _FallbackError
            table[key] = value
            position = match.end()
            if after == "}":
                self.position = position
                return table

    def _inline_table(self) -> dict[str, Any]:
        text = self.text
        self.position = _INLINE_SPACE.match(text, self.position + 1).end()  # type: ignore[union-attr]
        table: dict[str, Any] = {}
        if text.startswith("}", self.position):
            self.position += 1
            return table
        while True:
            self._key_value(table)
            self.position = _INLINE_SPACE.match(text, self.position).end()  # type: ignore[union-attr]
            if text.startswith(",", self.position):
                self.position = _INLINE_SPACE.match(text, self.position + 1).end()  # type: ignore[union-attr]
            elif text.startswith("}", self.position):
                self.position += 1
                return table
            else:
                raise _FallbackError


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        simple, short, long, other = match.groups()
        if simple is not None:
            return _SIMPLE_ESCAPES[simple]
        if other is not None:
            raise _FallbackError
        code = int(short or long, 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise _FallbackError
        return chr(code)

    return _ESCAPE.sub(replace, body)
