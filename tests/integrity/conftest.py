from __future__ import annotations

import json

from typing import TYPE_CHECKING

import pytest

from tests.integrity.support import dist_info_of
from tests.integrity.support import plant_receipt
from tests.integrity.wheels import build_wheel
from tests.support.poetry import PoetryProject
from tests.support.poetry import copy_tree
from tests.support.poetry import copy_venv


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex

#: A package with a console script, so RECORD has a ``../../../bin/`` row.
TOOL = "lg-tool"
TOOL_FILES = {
    "lg_tool/__init__.py": b"def main() -> None:\n    print('lg-tool')\n",
    "lg_tool/data.bin": bytes(range(256)) * 1024,
}


@pytest.fixture(scope="session")
def integrity_template(
    tmp_path_factory: pytest.TempPathFactory, index: PackageIndex, poetry_home: Path
) -> PoetryProject:
    """A real Poetry-installed project (beta, alpha, lg-tool), every package attested.

    Packages the install guard left without a receipt get one written here, so the
    tests do not depend on the guard; ``guard_receipts`` tells which it wrote itself.
    """
    build_wheel(index.root / TOOL, TOOL, "1.0.0", TOOL_FILES, scripts={TOOL: "lg_tool:main"})
    project = PoetryProject(
        tmp_path_factory.mktemp("integrity") / "template", poetry_home, index.url, with_pip=True
    )
    project.write_pyproject(["beta>=1.0", f"{TOOL}>=1.0"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    guard_written = []
    for name in ("alpha", "beta", TOOL):
        dist_info = dist_info_of(project, name)
        if (dist_info / "provenance_url.json").exists():
            guard_written.append(name)
        else:
            plant_receipt(project, name, index)
    (project.path / "guard-receipts.json").write_text(json.dumps(guard_written))
    return project


@pytest.fixture
def installed(integrity_template: PoetryProject, tmp_path: Path) -> PoetryProject:
    """A private copy of the template (venv included) that a test may damage."""
    target = tmp_path / "project"
    copy_tree(integrity_template.path, target, ignore=".venv")
    # Its scripts run the copy's interpreter, as those of a venv installed there would.
    copy_venv(
        integrity_template.path / ".venv",
        target / ".venv",
        integrity_template.home / "lockguard-state",
    )
    return PoetryProject(
        target, integrity_template.home, integrity_template.index_url, with_pip=True
    )
