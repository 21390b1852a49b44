"""The fast constraint evaluator against poetry-core, the oracle, over generated
constraints and every ``python-versions`` of the corpus of real locks."""

from __future__ import annotations

import re

from itertools import product
from pathlib import Path

import pytest

from poetry.core.constraints.version import Version
from poetry.core.constraints.version import parse_constraint

from poetry_lockguard.lock.constraints import allows
from poetry_lockguard.lock.constraints import allows_release
from poetry_lockguard.lock.constraints import project_python_constraint


CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "projects"

#: Interpreter-like release versions, around every boundary the constraints use.
VERSIONS = (
    "0.0.3",
    "0.0.4",
    "0.1.0",
    "0.2.3",
    "0.3.0",
    "1.0.0",
    "2.6.9",
    "2.7.0",
    "2.7.18",
    *(f"3.{minor}.{patch}" for minor in range(16) for patch in (0, 1, 2, 7, 18)),
    "3.0",
    "3.9",
    "3",
    "4.0.0",
    "4.0.1",
    "4.1.0",
    "10.0.0",
)
BOUNDS = ("0", "0.0", "0.2", "0.0.3", "2.7", "3", "3.9", "3.9.1", "3.10.0", "3.0.0.5", "4.0")
OPERATORS = ("^", "~", "~=", "==", "=", "!=", "<", "<=", ">", ">=", "", "<>")
GENERATED = (
    *(f"{op}{bound}" for op, bound in product(OPERATORS, BOUNDS)),
    *(f"{op} {bound}" for op, bound in product(OPERATORS[:-2], BOUNDS[5:8])),
    *(f"{op}{bound}.*" for op, bound in product(("==", "=", "!=", "", ">="), BOUNDS)),
    "*",
    "x",
    "3.x",
    "==3.9.1.*",
    "!=3.*.*",
    ">=3.8,<4",
    ">=3.8 <4",
    ">=3.8, <4,",
    ">=2.7,!=3.0.*,!=3.1.*",
    "~2.7 || >=3.4",
    "^2.7 | ^3.9",
    ">=3.9,<3.10 || >=3.12",
    "<3.15,>3.9.1",
    ">= 3.7, != 3.9.0, != 3.9.1",
    "^3.9.0,<4.0",
    "!=4.0,<=4.0,>=3.8",
    ">=2.7,<3.0.dev0 || >=3.4.dev0",
    ">=3.9a1",
    "v3.9",
    "3.9+local",
    "",
    ",",
    ">=3.8,,<4",
)


def corpus_constraints() -> list[str]:
    """Every distinct ``python-versions`` value of the corpus (packages and metadata)."""
    found: set[str] = set()
    for lock in CORPUS.glob("*/poetry.lock"):
        found.update(re.findall(r'(?m)^python-versions = "(.*)"$', lock.read_text()))
    return sorted(found)


def oracle(constraint: str, version: str) -> bool | None:
    try:
        return parse_constraint(constraint).allows(Version.parse(version))
    except ValueError:
        return None


@pytest.mark.parametrize("source", ["generated", "corpus"])
def test_fast_path_agrees_with_poetry_core(source: str) -> None:
    constraints = GENERATED if source == "generated" else corpus_constraints()
    assert len(constraints) > 100
    differ, understood = [], 0
    for constraint, version in product(constraints, VERSIONS):
        fast = allows_release(constraint, version)
        if fast is None:
            continue
        understood += 1
        if fast != oracle(constraint, version):
            differ.append((constraint, version, fast))
    assert differ == []
    assert understood > len(constraints) * len(VERSIONS) * 0.7


def test_the_corpus_needs_poetry_core_only_for_pre_releases() -> None:
    fallbacks = [c for c in corpus_constraints() if allows_release(c, "3.11.7") is None]
    assert fallbacks == [">=2.7,<3.0.dev0 || >=3.4.dev0"]
    assert allows(fallbacks[0], "3.11.7") is True
    assert allows(fallbacks[0], "3.3.0") is False


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        (">=3.9.*", "3.8.9", False),  # poetry-core ignores a wildcard after >=
        ("~=0.0.0.5", "0.0.0.9", True),
        ("nonsense", "3.11.7", None),  # neither can read it: no answer, no finding
        ("^3.9", "3.13.0rc1", True),  # not a release: poetry-core decides
    ],
)
def test_outside_the_subset_poetry_core_answers(
    constraint: str, version: str, expected: bool | None
) -> None:
    assert allows_release(constraint, version) is None
    assert allows(constraint, version) is expected


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"project": {"requires-python": ">=3.9"}}, (">=3.9", "requires-python")),
        (
            {
                "project": {"requires-python": ">=3.9"},
                "tool": {"poetry": {"dependencies": {"Python": "~3.11"}}},
            },
            ("~3.11", "[tool.poetry.dependencies] python"),
        ),
        (
            {"tool": {"poetry": {"dependencies": {"python": "^3.10"}}}},
            ("^3.10", "[tool.poetry.dependencies] python"),
        ),
        ({"project": {"requires-python": "*"}}, None),
        ({"project": {"requires-python": 3}}, None),
        ({"project": "oops"}, None),
        ({}, None),
    ],
)
def test_project_python_constraint(
    document: dict[str, object], expected: tuple[str, str] | None
) -> None:
    assert project_python_constraint(document) == expected
