"""``dataclass``, ``field`` and ``replace`` for the models, at a fraction of the start-up cost.

The standard ``dataclasses`` module imports ``inspect`` (and with it ``ast``, ``dis``,
``tokenize``) and compiles half a dozen methods per class one by one: measured with
callgrind, importing it and decorating the twenty models a stand-alone check loads was
about a third of all the instructions the check ran. This module does the part of it
this package uses (fields with defaults or ``default_factory``, ``frozen``, the
generated ``__init__``, ``__repr__``, ``__eq__`` and, for frozen classes, ``__hash__``).
The methods behave as the standard ones do (a test compares them); type checkers see
the standard module itself. Only ``__init__`` is compiled for each class (compiling was
most of what a model cost at start-up), when its first instance is made; the other
methods are shared by all models and read the class's field names.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import FrozenInstanceError
    from dataclasses import dataclass
    from dataclasses import field
    from dataclasses import replace
else:
    _MISSING = object()

    class FrozenInstanceError(AttributeError):
        """Assigning to or deleting a field of a frozen instance."""

    class _Field:
        __slots__ = ("default", "default_factory")

        def __init__(self, default, default_factory):
            self.default = default
            self.default_factory = default_factory

    def field(*, default=_MISSING, default_factory=_MISSING):
        """A field with a default value or a factory for one."""
        return _Field(default, default_factory)

    def dataclass(cls=None, /, *, frozen=False):
        """Add ``__init__``, ``__repr__``, ``__eq__`` (and ``__hash__`` when frozen)."""

        def wrap(cls):
            return _process(cls, frozen)

        return wrap if cls is None else wrap(cls)

    def replace(obj, /, **changes):
        """A copy of ``obj`` with ``changes`` applied to its fields."""
        if not hasattr(obj, "__struct_fields__"):  # a standard dataclass
            import dataclasses

            return dataclasses.replace(obj, **changes)
        values = {name: getattr(obj, name) for name in obj.__struct_fields__}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(obj).__name__} has no field {min(unknown)!r}")
        values.update(changes)
        return type(obj)(**values)

    def _values(obj):
        return tuple([getattr(obj, name) for name in obj.__struct_fields__])

    def _repr(self):
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__])
        return f"{self.__class__.__qualname__}({shown})"

    def _eq(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def _hash(self):
        return hash(_values(self))

    def _frozen_setattr(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def _frozen_delattr(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    _SHARED = {"__repr__": _repr, "__eq__": _eq}
    _SHARED_FROZEN = {
        **_SHARED,
        "__hash__": _hash,
        "__setattr__": _frozen_setattr,
        "__delattr__": _frozen_delattr,
    }

    def _process(cls, frozen):
        # The class's own annotations (strings: postponed evaluation), in order.
        names = tuple(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063
        scope = {
            "_MISSING": _MISSING,
            "_set": object.__setattr__,
            "FrozenInstanceError": FrozenInstanceError,
        }
        params, body = [], []
        for name in names:
            value = cls.__dict__.get(name, _MISSING)
            expr = name
            if isinstance(value, _Field):
                if value.default_factory is not _MISSING:
                    scope[f"_factory_{name}"] = value.default_factory
                    params.append(f"{name}=_MISSING")
                    expr = f"_factory_{name}() if {name} is _MISSING else {name}"
                else:
                    scope[f"_default_{name}"] = value.default
                    params.append(f"{name}=_default_{name}")
                if value.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value.default)
            elif value is not _MISSING:
                scope[f"_default_{name}"] = value
                params.append(f"{name}=_default_{name}")
            else:
                params.append(name)
            body.append(f" _set(self, {name!r}, {expr})" if frozen else f" self.{name} = {expr}")
        # Only __init__ is compiled per class (compiling is most of the cost of a
        # model), and only when the first instance is made: a check makes instances of
        # about half of the models. The other methods are shared and read the class's
        # field names.
        source = "\n".join([f"def __init__(self, {', '.join(params)}):", *body, " pass"])

        def first_init(self, *args, **kwargs):
            methods = {}
            exec(source, scope, methods)  # noqa: S102 - our own generated source
            init = methods["__init__"]
            init.__qualname__ = f"{cls.__qualname__}.__init__"
            cls.__init__ = init
            init(self, *args, **kwargs)

        methods = {"__init__": first_init, **(_SHARED_FROZEN if frozen else _SHARED)}
        for method_name, method in methods.items():
            if method_name not in cls.__dict__:  # what the class defines itself stays
                setattr(cls, method_name, method)
        if not frozen and "__hash__" not in cls.__dict__:
            cls.__hash__ = None
        cls.__struct_fields__ = names
        cls.__match_args__ = names
        return cls


__all__ = ["FrozenInstanceError", "dataclass", "field", "replace"]
