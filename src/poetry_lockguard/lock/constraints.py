"""Poetry's version constraints (``^3.9``, ``>=3.8,<4``, ``~=3.10 || 2.7.*``) tested
against a release version such as an interpreter's ``3.11.7``.

poetry-core's ``parse_constraint`` costs about 0.1 s to import, a large part of a
stand-alone check. The constraints a project or a lock gives for Python nearly always
use release numbers with the operators ``^ ~ ~= == = != < <= > >=``, ``*``, ``.*``
wildcards, ``,``/space for "and" and ``||`` for "or": this module evaluates exactly
that subset itself, for a release version (no pre-, post- or dev-release), and asks
poetry-core only for anything else. Within the subset it gives poetry-core's answers
(a test compares the two over the constraints of a corpus of real locks).
"""

from __future__ import annotations

import re


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

# The separators of poetry-core's own parser, so that a constraint splits the same way.
_OR = re.compile(r"\s*\|\|?\s*")
_AND = re.compile(r"(?<!^)(?<![\^~=>< ,]) *(?<!-)[, ](?!-) *(?!,|$)")
_ANY = re.compile(r"(?i)^v?[x*](\.[x*])*$")
_SINGLE = re.compile(
    r"^(?P<op>\^|~=|~|==|=|!=|<=|>=|<|>)?\s*"
    r"(?P<release>[0-9]+(?:\.[0-9]+)*)(?P<wildcard>(?:\.\*)+)?$"
)
_RELEASE = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")

Release = tuple[int, ...]


def allows(constraint: str, version: str) -> bool | None:
    """Whether ``constraint`` admits the release ``version``, as poetry-core decides;
    None when neither this module nor poetry-core (absent, or unable to read the
    constraint) can tell."""
    fast = allows_release(constraint, version)
    if fast is not None:
        return fast
    try:
        from poetry.core.constraints.version import Version
        from poetry.core.constraints.version import parse_constraint
    except ImportError:
        return None
    try:
        return parse_constraint(constraint).allows(Version.parse(version))
    except ValueError:  # poetry-core's ParseConstraintError and InvalidVersionError
        return None


def allows_release(constraint: str, version: str) -> bool | None:
    """The fast path of :func:`allows`: True/False for a constraint of the common
    subset and a release ``version`` (``3.11.7``), None for anything else."""
    if not _RELEASE.match(version):
        return None
    target = _release(version)
    answers = []
    for alternative in _OR.split(constraint.strip()):
        alternative = alternative.rstrip(",").rstrip()
        if alternative == "*":
            answers.append(True)
            continue
        parts = _AND.split(alternative)
        results = [_single(part, target) for part in parts]
        if None in results:
            return None
        answers.append(all(results))
    return any(answers)


def project_python_constraint(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The Python constraint Poetry holds a project to, from a parsed pyproject.toml,
    and where it is written: ``[tool.poetry.dependencies] python`` when set
    (poetry-core lets it narrow ``requires-python``), else ``[project]
    requires-python``; None when neither is given or it is ``*`` (any Python)."""
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    constraint: object = None
    where = "[tool.poetry.dependencies] python"
    if isinstance(dependencies, dict):
        constraint = next((v for k, v in dependencies.items() if str(k).lower() == "python"), None)
    if not isinstance(constraint, str):
        project = data.get("project")
        constraint = project.get("requires-python") if isinstance(project, dict) else None
        where = "requires-python"
    if not isinstance(constraint, str) or constraint.strip() in ("", "*"):
        return None
    return constraint.strip(), where


def _single(constraint: str, target: Release) -> bool | None:
    if _ANY.match(constraint):
        return True
    match = _SINGLE.match(constraint)
    if match is None:
        return None
    op = match.group("op") or "=="
    bound = _release(match.group("release"))
    if match.group("wildcard"):
        if op not in ("==", "=", "!="):
            return None
        inside = _compare(target, bound) >= 0 and _compare(target, _bump(bound, -1)) < 0
        return not inside if op == "!=" else inside
    if op in ("^", "~", "~="):
        if op == "~=" and len(bound) not in (2, 3):
            return None  # poetry-core before 2.5 reads these differently
        return _compare(target, bound) >= 0 and _compare(target, _upper(op, bound)) < 0
    order = _compare(target, bound)
    return {
        "==": order == 0,
        "=": order == 0,
        "!=": order != 0,
        "<": order < 0,
        "<=": order <= 0,
        ">": order > 0,
        ">=": order >= 0,
    }[op]


def _upper(op: str, bound: Release) -> Release:
    """The exclusive upper end of ``^bound``, ``~bound`` or ``~=bound``."""
    if op == "^":
        # next_breaking: the first non-zero of major, minor (or the precision's end).
        if bound[0] > 0 or len(bound) == 1:
            return _bump(bound, 0)
        if bound[1] > 0 or len(bound) == 2:
            return _bump(bound, 1)
        return _bump(bound, 2)
    if op == "~":
        return _bump(bound, 0 if len(bound) == 1 else 1)
    return _bump(bound, len(bound) - 2)


def _bump(release: Release, index: int) -> Release:
    """``release`` with the part at ``index`` incremented and the later parts zero."""
    index %= len(release)
    return (*release[:index], release[index] + 1, *(0 for _ in release[index + 1 :]))


def _compare(a: Release, b: Release) -> int:
    width = max(len(a), len(b))
    a = a + (0,) * (width - len(a))
    b = b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def _release(text: str) -> Release:
    return tuple(int(part) for part in text.split("."))
