from __future__ import annotations

import dataclasses

from typing import Any

import pytest

from poetry_lockguard import structs


def _define(module: Any, frozen: bool) -> Any:
    @module.dataclass(frozen=frozen)
    class Model:
        """A model."""

        name: str
        version: str = "1.0"
        extras: dict[str, tuple[str, ...]] = module.field(default_factory=dict)
        groups: tuple[str, ...] = module.field(default=("main",))

        @property
        def label(self) -> str:
            return f"{self.name} {self.version}"

    return Model


@pytest.mark.parametrize("frozen", [True, False])
def test_models_behave_as_standard_dataclasses(frozen: bool) -> None:
    ours, theirs = _define(structs, frozen), _define(dataclasses, frozen)
    cases: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("a",), {}),
        (("a", "2"), {"extras": {"x": ("y",)}}),
        ((), {"name": "b", "groups": ()}),
    ]
    for args, kwargs in cases:
        a, b = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(a) == repr(b)
        assert vars(a) == vars(b)
        assert a.label == b.label
        assert (a == ours(*args, **kwargs)) is (b == theirs(*args, **kwargs)) is True
        assert (a == ours("other")) is (b == theirs("other")) is False
        assert a.__eq__(b) is NotImplemented
        assert structs.replace(a, version="9") == ours(**{**vars(a), "version": "9"})
    assert ours("a").extras is not ours("a").extras  # a new dict per instance
    assert ours.groups == theirs.groups == ("main",)
    with pytest.raises(TypeError):
        ours()
    with pytest.raises(TypeError):
        structs.replace(ours("a"), nope=1)


def test_frozen_models_hash_and_refuse_changes_as_standard_ones_do() -> None:
    ours, theirs = _define(structs, True), _define(dataclasses, True)
    ours_plain, theirs_plain = _define(structs, False), _define(dataclasses, False)
    a, b = ours("a", groups=("x",)), theirs("a", groups=("x",))
    assert hash(ours("a", extras=())) == hash(ours("a", extras=()))
    with pytest.raises(TypeError):
        hash(a)  # a dict field: unhashable, as in the standard module
    with pytest.raises(TypeError):
        hash(b)
    for obj in (a, b):
        with pytest.raises(AttributeError) as caught:
            obj.name = "c"
        assert type(caught.value).__name__ == "FrozenInstanceError"
        with pytest.raises(AttributeError):
            del obj.name
    assert ours_plain.__hash__ is theirs_plain.__hash__ is None
    plain = ours_plain("a")
    plain.name = "c"
    assert plain.name == "c"
