"""The packages a Poetry transaction is about to install, as lockguard's lock model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_lockguard.lock.model import LockedFile
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource


if TYPE_CHECKING:
    from collections.abc import Mapping

    from poetry.core.packages.package import Package
    from poetry.installation.operations.operation import Operation


def planned_packages(operations: list[Operation]) -> list[Package]:
    """Poetry's packages of the install and update operations that will run."""
    return [
        op.package for op in operations if op.job_type in ("install", "update") and not op.skipped
    ]


def locked_package(package: Package, line: int | None = None) -> LockedPackage:
    """The lock's view of one of Poetry's packages, for the checks of ``checks.lockfile``."""
    files = tuple(
        LockedFile(name=str(f.get("file", "")), hash=str(f.get("hash", "") or ""))
        for f in package.files
    )
    return LockedPackage(
        name=package.name,
        version=package.version.text,
        display_name=package.pretty_name,
        files=files,
        source=LockedSource(
            type=package.source_type or "",
            url=package.source_url or "",
            reference=package.source_reference or "",
            resolved_reference=package.source_resolved_reference or "",
            subdirectory=package.source_subdirectory or "",
        ),
        develop=package.develop,
        line=line,
    )


def locked_packages(
    packages: list[Package], lines: Mapping[tuple[str, str], int]
) -> list[LockedPackage]:
    """``locked_package`` of each, with the line of its entry in poetry.lock."""
    return [locked_package(p, lines.get((p.name, p.version.text))) for p in packages]
