"""Before the first operation: verify every archive of a transaction, plan its builds.

The findings of this step (``hash-mismatch``, ``sdist-fallback``, ``build-refused``)
refuse the whole transaction before anything is built or installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from poetry_lockguard.plugin.install_guard.gate import build_findings
from poetry_lockguard.plugin.install_guard.gate import planned_builds
from poetry_lockguard.plugin.install_guard.verify import ArtifactVerifier


if TYPE_CHECKING:
    from poetry.core.packages.package import Package

    from poetry_lockguard.config import Policy
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.plugin.install_guard.verify import VerifiedArtifact
    from poetry_lockguard.plugin.poetry_api import ExecutorInternals


@dataclass
class Preflight:
    """What the step found, the artifacts it verified, and name -> what will be built."""

    findings: list[Finding]
    verified: dict[tuple[str, str], VerifiedArtifact]
    builds: dict[str, str]


def preflight(
    internals: ExecutorInternals,
    targets: list[Package],
    planned: list[LockedPackage],
    policy: Policy,
    *,
    dry_run: bool = False,
) -> Preflight:
    """Verify the archives of ``targets`` (``planned``: the same as the lock model) and
    apply ``[tool.lockguard] build``. A ``dry_run`` downloads and verifies nothing: it
    asks the source which archive each package would come from, so that it names the
    same builds as the real run."""
    verifier = ArtifactVerifier(internals)
    if dry_run:
        findings: list[Finding] = []
        verified: dict[tuple[str, str], VerifiedArtifact] = {}
        archives = verifier.planned_archives(targets, findings)
    else:
        verification = verifier.verify(targets)
        findings, verified = verification.findings, verification.verified
        archives = {key: artifact.name for key, artifact in verified.items()}
    builds = planned_builds(planned, archives)
    return Preflight(findings + build_findings(builds, policy), verified, builds)
