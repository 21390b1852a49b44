"""The fence's files in a real virtualenv: written past planted symlinks, armed whatever
``sys.path`` puts first, and an earlier version's fence replaced."""

from __future__ import annotations

import os
import subprocess
import venv as venv_module

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.commands.fence import install_fence
from poetry_lockguard.commands.fence import remove_fence
from poetry_lockguard.env.fence_files import MODULE_NAME
from poetry_lockguard.env.fence_files import PTH_NAME


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


#: True when the fence's finder is on sys.meta_path of the interpreter that runs it.
ARMED = "import sys; print(any(type(f).__name__ == '_Fence' for f in sys.meta_path))"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prefix = tmp_path_factory.mktemp("fenced") / "venv"
    venv_module.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
    return prefix


@pytest.fixture
def site(made: Path) -> Iterator[Path]:
    (found,) = made.glob("lib/python*/site-packages")
    yield found
    remove_fence(found)
    for leftover in found.glob(f".{MODULE_NAME}*"):
        leftover.unlink()


def armed(prefix: Path, **env: str) -> str:
    done = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", ARMED],
        capture_output=True,
        text=True,
        check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **env},
        timeout=60,
    )
    return done.stdout.strip() + done.stderr


@pytest.mark.parametrize(
    "planted",
    [".{name}.lockguard-tmp", "{name}"],
    ids=["at the temporary name", "at the name"],
)
def test_the_fence_is_not_written_through_a_planted_symlink(
    made: Path, site: Path, tmp_path: Path, planted: str
) -> None:
    outsides = []
    for name in (f"{MODULE_NAME}.py", PTH_NAME):
        outside = tmp_path / f"outside-{name}"
        outside.write_text("not lockguard's\n")
        outsides.append(outside)
        (site / planted.format(name=name)).symlink_to(outside)
    assert install_fence(site, made / "bin" / "python")
    assert [o.read_text() for o in outsides] == ["not lockguard's\n"] * 2
    assert not (site / PTH_NAME).is_symlink() and not (site / f"{MODULE_NAME}.py").is_symlink()
    assert armed(made) == "True"


def test_a_module_of_the_fences_name_earlier_on_the_path_does_not_disarm_it(
    made: Path, site: Path, tmp_path: Path
) -> None:
    install_fence(site, made / "bin" / "python")
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / f"{MODULE_NAME}.py").write_text("")
    assert armed(made, PYTHONPATH=str(shadow)) == "True"


def test_a_fence_an_earlier_version_left_is_replaced(made: Path, site: Path) -> None:
    # Earlier versions' .pth imported the module by name, and their message named only
    # a command of the plugin.
    (site / PTH_NAME).write_text(f"import {MODULE_NAME}\n")
    (site / f"{MODULE_NAME}.py").write_text("import sys\n")
    assert install_fence(site, made / "bin" / "python")
    assert (site / PTH_NAME).read_text().startswith(f"import os, {MODULE_NAME} as f;")
    assert "POETRY_LOCKGUARD_FENCE=off" in (site / f"{MODULE_NAME}.py").read_text()
    assert armed(made) == "True"
    assert not install_fence(site, made / "bin" / "python")  # nothing left to change
    assert remove_fence(site)
    assert armed(made) == "False"


def test_the_refusal_names_the_sync_of_the_recorded_selection(made: Path, site: Path) -> None:
    install_fence(site, made / "bin" / "python", " --with docs -E pg")
    message = subprocess.run(
        [str(made / "bin" / "python"), "-c", f"import {MODULE_NAME} as f; print(f.message())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "to restore the locked versions:  poetry sync --with docs -E pg\n" in message
    assert not install_fence(site, made / "bin" / "python", " --with docs -E pg")
    assert install_fence(site, made / "bin" / "python")  # the selection changed
    assert 'SYNC_COMMAND = "poetry sync"\n' in (site / f"{MODULE_NAME}.py").read_text()
