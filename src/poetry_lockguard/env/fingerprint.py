"""A fingerprint that lets a fleet of machines be compared at a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.digest import sha256


if TYPE_CHECKING:
    from collections.abc import Iterable

    from poetry_lockguard.env.distributions import Distribution


def fingerprint(distributions: Iterable[Distribution]) -> str:
    """sha256 over the sorted, newline-joined ``name==version`` of every distribution.

    Names are normalized (PEP 503) so two environments with the same packages at the
    same versions have the same fingerprint wherever they live.
    """
    lines = sorted({f"{d.name}=={d.version}" for d in distributions})
    return "sha256:" + sha256("\n".join(lines).encode()).hexdigest()
