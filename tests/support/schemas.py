"""JSON Schema validation for the tests, by jsonschema, imported on first use.

Importing jsonschema builds rfc3987-syntax's IRI grammar (about a second, twice that
under coverage's tracer): a test worker that validates nothing does not pay for it, and
one that does pays it once, untraced (no lockguard code runs in it).
"""

from __future__ import annotations

import importlib

from typing import Any

from tests.support.poetry import unmeasured


_VALIDATORS: dict[tuple[str, int], tuple[Any, Any]] = {}


def draft(name: str) -> Any:
    """The validator class ``name`` of jsonschema, e.g. ``Draft202012Validator``."""
    with unmeasured():
        module = importlib.import_module("jsonschema")
    return getattr(module, name)


def validator_for(schema: dict[str, Any], validator: str) -> Any:
    """A jsonschema ``validator`` (class name) of ``schema``, made once per schema."""
    key = (validator, id(schema))
    if key not in _VALIDATORS:
        _VALIDATORS[key] = (schema, draft(validator)(schema))
    return _VALIDATORS[key][1]


def schema_errors(schema: dict[str, Any], document: Any, *, validator: str) -> list[str]:
    """Each way ``document`` breaks ``schema`` ("path: message"), by the ``validator``
    class of jsonschema."""
    errors = validator_for(schema, validator).iter_errors(document)
    return [f"{list(e.path)}: {e.message}" for e in sorted(errors, key=lambda e: list(e.path))]
