"""The pip fence's module and ``.pth`` (no RECORD lists them; the ``.pth`` runs at every
start of the venv's interpreter) are compared with the bytes lockguard writes: any
other bytes are file-modified, a ``.pth`` without its module file-missing, on both
entry points."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.commands.fence import install_fence
from poetry_lockguard.env.fence_files import MODULE_NAME
from poetry_lockguard.env.fence_files import PTH_NAME
from tests.integrity.support import run_both
from tests.integrity.support import site_packages


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry import PoetryProject


def _append(name: str, data: bytes) -> Callable[[Path], str]:
    def tamper(site: Path) -> str:
        with (site / name).open("ab") as f:
            f.write(data)
        return str(site / name)

    return tamper


def _sync_line(site: Path) -> str:
    module = site / f"{MODULE_NAME}.py"
    text = module.read_text()
    assert 'SYNC_COMMAND = "poetry sync"\n' in text
    module.write_text(
        text.replace(
            'SYNC_COMMAND = "poetry sync"\n',
            "SYNC_COMMAND = 'poetry sync ' + __import__('os').name\n",
        )
    )
    return str(module)


def _delete(path: Path) -> str:
    path.unlink()
    return str(path)


CASES: dict[str, tuple[str, Callable[[Path], str]]] = {
    "a line added to the .pth": ("file-modified", _append(PTH_NAME, b"import os\n")),
    "code added to the module": ("file-modified", _append(f"{MODULE_NAME}.py", b"print(1)\n")),
    "code in the poetry sync line": ("file-modified", _sync_line),
    "the module deleted": ("file-missing", lambda site: _delete(site / f"{MODULE_NAME}.py")),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_fence_file_of_other_bytes_is_reported(
    installed: PoetryProject, case: tuple[str, Callable[[Path], str]]
) -> None:
    site = site_packages(installed)
    install_fence(site, installed.python, " --with docs")  # a recorded selection's
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert (result.returncode, result.findings()) == (0, []), result.output
    install_fence(site, installed.python)
    code, tamper = case
    path = tamper(site)
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [(code, None)], result.output
        [f] = result.json()["findings"]
        assert f["path"] == path
    plain = installed.lockguard()
    assert plain.returncode == 0, plain.output  # only --integrity reads installed files
