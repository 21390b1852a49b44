"""A fast evaluator for the simple environment markers Poetry writes into poetry.lock.

poetry-core's ``parse_marker`` builds a lark LALR parser the first time it runs, which
costs about 0.2 s: more than the whole rest of a stand-alone check of a small project.
Nearly every marker in a lock file is a plain and/or combination of comparisons of
``python_version``, ``python_full_version``, a platform name or ``extra`` with a quoted
literal. This module evaluates exactly that subset itself and answers ``None`` for
anything else, so that the caller falls back to poetry-core. Within the subset it gives
poetry-core's answers (a test compares the two over a grid of markers and environments).
"""

from __future__ import annotations

import re


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: Variables compared as plain strings (``==`` and ``!=`` only).
_STRING_VARIABLES = frozenset(
    {
        "sys_platform",
        "platform_system",
        "os_name",
        "implementation_name",
        "platform_python_implementation",
        "platform_machine",
    }
)
#: Variables compared as release versions.
_VERSION_VARIABLES = frozenset({"python_version", "python_full_version"})
_VERSION_OPERATORS = frozenset({"==", "!=", "<", "<=", ">", ">="})

_TOKEN = re.compile(
    r"""[ \t]*(?:
        (?P<paren>[()])
      | "(?P<dq>[^"\\\n]*)"
      | '(?P<sq>[^'\\\n]*)'
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
#: (These three are compiled when first used, as re caches them.)
_RELEASE = r"[0-9]+(?:\.[0-9]+){0,2}"
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.\-]+")
_EXTRA_SEPARATORS = r"[-_.]+"
#: A valid extra name (PEP 685: as a package name).
_EXTRA_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"


class _UnsupportedError(Exception):
    """The marker is outside the subset: poetry-core must answer."""


def evaluate_marker(marker: str, environment: Mapping[str, Any]) -> bool | None:
    """True/False for a marker of the simple subset in ``environment``, else None.

    ``environment`` is a marker environment as the target interpreter reported it, with
    ``extra`` holding the set of selected extras.
    """
    try:
        tokens = _tokenize(marker)
        parser = _Parser(tokens, environment)
        result = parser.expression()
        if parser.position != len(tokens):
            return None
        return result
    except _UnsupportedError:
        return None


def _tokenize(marker: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    end = len(marker.rstrip(" \t"))  # PEP 508 whitespace: nothing else
    while position < end:
        match = _TOKEN.match(marker, position)
        if match is None or match.end() == position:
            raise _UnsupportedError
        kind = match.lastgroup
        assert kind is not None
        value = match.group(kind)
        if kind == "sq":
            kind = "dq"
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over ``or`` of ``and`` of comparisons, as in PEP 508."""

    def __init__(self, tokens: list[tuple[str, str]], environment: Mapping[str, Any]) -> None:
        self.tokens = tokens
        self.position = 0
        self.environment = environment

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise _UnsupportedError
        self.position += 1
        return token

    def expression(self) -> bool:
        # Every operand is evaluated (no short circuit) so that an unsupported part
        # anywhere sends the whole marker to poetry-core.
        result = self._conjunction()
        while self._peek() == ("word", "or"):
            self.position += 1
            right = self._conjunction()
            result = result or right
        return result

    def _conjunction(self) -> bool:
        result = self._atom()
        while self._peek() == ("word", "and"):
            self.position += 1
            right = self._atom()
            result = result and right
        return result

    def _atom(self) -> bool:
        kind, value = self._take()
        if (kind, value) == ("paren", "("):
            result = self.expression()
            if self._take() != ("paren", ")"):
                raise _UnsupportedError
            return result
        if kind != "word":
            raise _UnsupportedError
        op_kind, operator = self._take()
        literal_kind, literal = self._take()
        if op_kind != "op" or literal_kind != "dq":
            raise _UnsupportedError
        return _compare(value, operator, literal, self.environment)


def _compare(variable: str, operator: str, literal: str, environment: Mapping[str, Any]) -> bool:
    if variable not in environment:
        raise _UnsupportedError
    current = environment[variable]
    if variable == "extra":
        if operator not in ("==", "!="):
            raise _UnsupportedError
        extras = {current} if isinstance(current, str) else current
        # poetry-core refuses an extra that is not a valid name ("a b") and answers
        # False to `extra != ""` whatever the extras: only valid names are answered here.
        if not re.fullmatch(_EXTRA_NAME, literal) or not all(
            isinstance(e, str) and re.fullmatch(_EXTRA_NAME, e) for e in extras
        ):
            raise _UnsupportedError
        normalized = {_normalize_extra(str(e)) for e in extras}
        found = _normalize_extra(literal) in normalized
        return found if operator == "==" else not found
    if not isinstance(current, str):
        raise _UnsupportedError
    if variable in _STRING_VARIABLES:
        if operator not in ("==", "!=") or not _PLAIN_VALUE.fullmatch(current):
            raise _UnsupportedError
        if not _PLAIN_VALUE.fullmatch(literal):
            raise _UnsupportedError
        return (current == literal) == (operator == "==")
    if variable in _VERSION_VARIABLES:
        if operator not in _VERSION_OPERATORS:
            raise _UnsupportedError
        if not re.fullmatch(_RELEASE, literal) or not re.fullmatch(_RELEASE, current):
            raise _UnsupportedError
        left, right = _release(current), _release(literal)
        if operator == "==":
            return left == right
        if operator == "!=":
            return left != right
        if operator == "<":
            return left < right
        if operator == "<=":
            return left <= right
        if operator == ">":
            return left > right
        return left >= right
    raise _UnsupportedError


def _release(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def _normalize_extra(name: str) -> str:
    return re.sub(_EXTRA_SEPARATORS, "-", name).lower()
