"""A fingerprint that lets a fleet of machines be compared at a glance."""

from __future__ import annotations

from hashlib import sha256


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container
    from collections.abc import Iterable
    from collections.abc import Mapping

    from poetry_lockguard.env.distributions import Distribution


def fingerprint(
    distributions: Iterable[Distribution],
    locked: Container[str],
    contents: Mapping[str, str] | None = None,
) -> str:
    """sha256 over the sorted lines of every distribution whose (normalized) name is in
    ``locked`` (the packages poetry.lock names): ``name==version``, and with
    ``contents`` (what ``--integrity`` verified: the locked archive's sha256 and the
    digest of the files as found) that too. The first line says which: two reports
    share a fingerprint only when they cover the same thing.

    Names are normalized (PEP 503) and file paths are relative to their site
    directory, so two environments with the same content have the same fingerprint
    wherever they live; scripts in ``bin/`` are left out of the file digest, since
    their ``#!`` line names the venv (they are verified, as an installer writes them).
    What the lock does not name (pip, setuptools, a stray install) is left out:
    upgrading pip does not change it, and a stray package is a finding of its own.
    """
    if contents is None:
        head = "lockguard fingerprint 2: versions"
        lines = sorted({f"{d.name}=={d.version}" for d in distributions if d.name in locked})
    else:
        head = "lockguard fingerprint 2: files"
        lines = sorted(
            {
                f"{d.name}=={d.version} {contents.get(d.name, 'archive=- files=-')}"
                for d in distributions
                if d.name in locked
            }
        )
    return "sha256:" + sha256("\n".join([head, *lines]).encode()).hexdigest()
