"""A locked package of a group or extra the check does not select, but installed, gets the
source, receipt and file checks every selected package gets: its files run when it is
imported, whatever selects it. Both entry points, real Poetry installs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.integrity.support import dist_info_of
from tests.integrity.support import rewrite_record_row
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.wheels import build_wheel
from tests.support.scenarios import installed_with_docs_and_extra


if TYPE_CHECKING:
    from pathlib import Path

    from tests.types import ProjectFactory


def test_an_unselected_package_from_a_file_is_a_source_mismatch(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project = installed_with_docs_and_extra(project_factory("unselected-source"))
    wheel = build_wheel(
        tmp_path / "elsewhere",
        "docs-tool",
        "1.0.0",
        {"docs_tool/__init__.py": b"import os  # not the locked docs-tool\n"},
    )
    project.pip("install", "--force-reinstall", "--no-deps", str(wheel))
    for result in run_both(project, "--only", "main", "--format", "json"):
        # Before, only `unselected` (a warning, exit 0) was said of docs-tool.
        assert (result.returncode, result.findings()) == (
            1,
            [("source-mismatch", "docs-tool"), ("unselected", "zeta")],
        ), result.output


def test_an_unselected_package_edited_with_its_record_is_caught(
    project_factory: ProjectFactory,
) -> None:
    project = installed_with_docs_and_extra(project_factory("unselected-files"))
    module = site_packages(project) / "docs_tool" / "__init__.py"
    edited = module.read_bytes() + b"import os  # planted\n"
    module.write_bytes(edited)
    rewrite_record_row(dist_info_of(project, "docs-tool"), "docs_tool/__init__.py", edited)
    for result in run_both(project, "--only", "main", "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert set(result.findings()) == {
            ("file-modified", "docs-tool"),
            ("record-invalid", "docs-tool"),
            ("unselected", "docs-tool"),
            ("unselected", "zeta"),
        }, result.output
    # Untouched, the unselected packages verify as the selected ones do.
    clean = installed_with_docs_and_extra(project_factory("unselected-clean"))
    for result in run_both(clean, "--only", "main", "--integrity", "--format", "json"):
        assert (result.returncode, result.findings()) == (
            0,
            [("unselected", "docs-tool"), ("unselected", "zeta")],
        ), result.output
