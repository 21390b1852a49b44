"""A fingerprint that lets a fleet of machines be compared at a glance."""

from __future__ import annotations

from poetry_lockguard.digest import sha256


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container
    from collections.abc import Iterable

    from poetry_lockguard.env.distributions import Distribution


def fingerprint(distributions: Iterable[Distribution], locked: Container[str]) -> str:
    """sha256 over the sorted, newline-joined ``name==version`` of every distribution
    whose (normalized) name is in ``locked``: the packages poetry.lock names.

    Names are normalized (PEP 503) so two environments with the same locked packages at
    the same versions have the same fingerprint wherever they live. What the lock does
    not name (pip, setuptools, a stray install) is left out: upgrading pip does not
    change it, and a stray package is an ``extraneous`` finding of its own.
    """
    lines = sorted({f"{d.name}=={d.version}" for d in distributions if d.name in locked})
    return "sha256:" + sha256("\n".join(lines).encode()).hexdigest()
