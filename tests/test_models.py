"""The explicit model classes a stand-alone check makes, against the frozen dataclasses
they stand for: the same fields in the same order, equality, hash and repr."""

from __future__ import annotations

import dataclasses
import inspect

from pathlib import Path
from typing import Any

import pytest

from poetry_lockguard.commands.check import CheckOptions
from poetry_lockguard.commands.check import Outcome
from poetry_lockguard.config import Policy
from poetry_lockguard.env.distributions import Distribution
from poetry_lockguard.env.probe import Interpreter
from poetry_lockguard.env.safe_files import FileState
from poetry_lockguard.env.state import RecordedSelection
from poetry_lockguard.findings import Finding
from poetry_lockguard.lock.model import Lock
from poetry_lockguard.lock.model import LockedDependency
from poetry_lockguard.lock.model import LockedFile
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource
from poetry_lockguard.lock.project import Project
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report


MODELS = [
    CheckOptions,
    Outcome,
    Policy,
    Distribution,
    Interpreter,
    FileState,
    RecordedSelection,
    Finding,
    Lock,
    LockedDependency,
    LockedFile,
    LockedPackage,
    LockedSource,
    Project,
    Selection,
    SelectionRequest,
    EnvironmentInfo,
    LockInfo,
    Report,
]


def _parameters(cls: type) -> list[inspect.Parameter]:
    return list(inspect.signature(cls).parameters.values())


def _twin(cls: type) -> Any:
    """The frozen dataclass with ``cls``'s fields and defaults: the oracle."""
    fields = [
        (p.name, object, dataclasses.field())
        if p.default is inspect.Parameter.empty
        else (p.name, object, dataclasses.field(default=p.default))
        for p in _parameters(cls)
    ]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


def _values(cls: type, salt: str) -> dict[str, Any]:
    """A hashable value for every field, different for another ``salt``."""
    return {p.name: f"{p.name}-{salt}" for p in _parameters(cls)}


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_models_behave_as_the_frozen_dataclasses_they_stand_for(cls: Any) -> None:
    twin = _twin(cls)
    assert set(cls.__slots__) == {p.name for p in _parameters(cls)}
    a, b = _values(cls, "a"), _values(cls, "b")
    ours, theirs = cls(**a), twin(**a)
    assert repr(ours) == repr(theirs)
    assert ours == cls(**a)
    assert hash(ours) == hash(cls(**a)) == hash(theirs)
    assert ours.__eq__(theirs) is NotImplemented
    for name in a:
        assert getattr(ours, name) == a[name]
        assert (ours == cls(**{**a, name: b[name]})) is False
    assert not hasattr(ours, "__dict__")  # __slots__ only: no field can be misspelt


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_defaults_are_the_documented_ones(cls: Any) -> None:
    required = {p.name: p.name for p in _parameters(cls) if p.default is inspect.Parameter.empty}
    made = cls(**required)
    for p in _parameters(cls):
        if p.default is not inspect.Parameter.empty and p.default is not None:
            assert getattr(made, p.name) == p.default


def test_defaults_made_per_instance_are_not_shared() -> None:
    package = LockedPackage("a", "1")
    assert package.source == LockedSource()
    assert package.extras == {} and package.extras is not LockedPackage("a", "1").extras
    lock = Lock(Path("poetry.lock"), "2.1", "", ())
    assert lock.extras == {} and lock.extras is not Lock(Path("p"), "2.1", "", ()).extras
    assert CheckOptions(Path()).selection == SelectionRequest()


@pytest.mark.parametrize(
    ("original", "copy", "changed"),
    [
        (
            Policy(allow_extraneous=frozenset({"x"}), mode="warn", wheelhouse=("w",)),
            Policy.requiring_anchored,
            {"require_anchored": True},
        ),
        (
            CheckOptions(Path("p"), Path("py"), lock_only=True, strict=True, hint_directory="d"),
            CheckOptions.full_check,
            {"integrity": True, "lock_only": False},
        ),
    ],
)
def test_copies_change_only_what_they_say(
    original: Any, copy: Any, changed: dict[str, Any]
) -> None:
    made = copy(original)
    for p in _parameters(type(original)):
        assert getattr(made, p.name) == changed.get(p.name, getattr(original, p.name)), p.name
