"""Which mode the guard runs in, and which packages of a transaction it refuses.

Pure decisions on lockguard's own model: the planned packages arrive as the lock
model's ``LockedPackage`` (``plan.py`` turns Poetry's operations into them), so that
every decision is a function of (lock model, planned packages, policy) and is
unit-tested without Poetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.checks.lockfile import package_hash_finding
from poetry_lockguard.config import MODE_VARIABLE
from poetry_lockguard.config import Policy
from poetry_lockguard.config import load_policy
from poetry_lockguard.config import mode_override


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Mapping

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedPackage


@dataclass(frozen=True)
class GuardSettings:
    """The policy and the effective mode; ``override_note`` says when the variable won."""

    policy: Policy
    mode: str
    override_note: str = ""


def guard_settings(table: Any, environ: Mapping[str, str]) -> GuardSettings:
    """The policy from ``[tool.lockguard]`` and the mode, ``POETRY_LOCKGUARD_MODE`` first.

    The variable is read first so that ``POETRY_LOCKGUARD_MODE=off`` still works when
    the table itself is broken; a broken table otherwise raises ConfigError.
    """
    override = mode_override(dict(environ))
    if override == "off":
        try:
            configured = load_policy(table).mode
        except Exception:  # noqa: BLE001 - off needs no valid table
            configured = "an invalid [tool.lockguard]"
        return GuardSettings(Policy(), "off", _note(override, configured))
    policy = load_policy(table)
    if override is None:
        return GuardSettings(policy, policy.mode)
    return GuardSettings(policy, override, _note(override, policy.mode))


def _note(override: str, configured: str) -> str:
    if override == configured:
        return ""
    return (
        f"lockguard: mode {override} for this run ({MODE_VARIABLE}={override};"
        f" pyproject.toml: {configured})"
    )


def transaction_findings(packages: Iterable[LockedPackage], policy: Policy) -> list[Finding]:
    """``unhashed``/``weak-hash``/``unpinned-vcs`` for the packages about to be installed."""
    found = (package_hash_finding(package, policy) for package in packages)
    return [f for f in found if f is not None]


def build_findings(builds: Mapping[str, str], policy: Policy) -> list[Finding]:
    """What ``[tool.lockguard] build`` says of the packages a transaction would build
    (name -> what is built: an sdist's file name, ``git``, ``directory``): with
    ``refuse``, a ``build-refused`` finding for each one not in ``allow-build``."""
    from poetry_lockguard.findings import finding

    if policy.build != "refuse":
        return []
    return [
        finding(
            "build-refused",
            name,
            f"{name} would be built from source ({builds[name]}), and [tool.lockguard]"
            ' build = "refuse" (allow it with allow-build = ["' + name + '"])',
            found=builds[name],
        )
        for name in sorted(builds)
        if name not in policy.allow_build
    ]


def planned_builds(
    targets: Iterable[LockedPackage], artifact_names: Mapping[tuple[str, str], str]
) -> dict[str, str]:
    """Name -> what would be built, for packages installed from source: git and
    directory packages, and those whose verified archive is no wheel. ``artifact_names``
    are file names as Poetry names them (unquoted, no query), and the test is Poetry's
    own: it builds every archive whose suffix is not exactly ``.whl``."""
    builds: dict[str, str] = {}
    for package in targets:
        if package.source.type in ("git", "directory"):
            builds[package.name] = package.source.type
            continue
        archive = artifact_names.get((package.name, package.version), "")
        if archive and not archive.endswith(".whl"):
            builds[package.name] = archive
    return builds
