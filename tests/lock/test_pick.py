"""Which of several locked versions of one name a walk takes, and edges limited by a
``python`` constraint (lock-version 2.0 and older): in-process, on the lock model."""

from __future__ import annotations

import pytest

from packaging.markers import default_environment

from poetry_lockguard.lock.model import LockedDependency
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.requirements import _edge_holds
from poetry_lockguard.lock.requirements import _evaluator
from poetry_lockguard.lock.requirements import _pick


def locked(version: str, python: str = "") -> LockedPackage:
    return LockedPackage("alpha", version, python_versions=python)


@pytest.mark.parametrize(
    ("candidates", "constraints", "python", "picked"),
    [
        # Each constraint admits another version: the highest any admits.
        ([locked("1.0"), locked("2.0")], [">=2", "<2"], "", "2.0"),
        # An unreadable constraint excludes nothing.
        ([locked("1.0"), locked("2.0")], ["not a constraint"], "", "2.0"),
        # None fits: the first locked.
        ([locked("1.0"), locked("2.0")], [">=3"], "", "1.0"),
        # The target's Python decides between versions every constraint admits ...
        ([locked("1.0", ">=3.8"), locked("2.0", ">=3.12")], ["*"], "3.9.1", "1.0"),
        # ... unless none admits it.
        ([locked("1.0", ">=4"), locked("2.0", ">=4")], ["*"], "3.9.1", "2.0"),
        # A version that is not PEP 440 ranks below every one that is.
        ([locked("2.0"), locked("not-a-version")], ["*"], "", "2.0"),
    ],
)
def test_pick(
    candidates: list[LockedPackage], constraints: list[str], python: str, picked: str
) -> None:
    assert _pick(candidates, constraints, python).version == picked


@pytest.mark.parametrize(("python", "holds"), [("<3.0", False), (">=3.0", True), ("", True)])
def test_an_edge_with_a_python_constraint_holds_for_the_target_python(
    python: str, holds: bool
) -> None:
    marker_env = dict(default_environment())
    edge = LockedDependency("beta", "*", python=python)
    assert _edge_holds(edge, _evaluator(marker_env, frozenset())) is holds
