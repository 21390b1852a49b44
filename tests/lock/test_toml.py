"""Reading a TOML input file: each failure is one LockFileError naming the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.toml import load_toml


if TYPE_CHECKING:
    from pathlib import Path


def test_a_symlinked_file_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text('[tool.lockguard]\nmode = "warn"\n')
    (tmp_path / "pyproject.toml").symlink_to(tmp_path / "real.toml")
    assert load_toml(tmp_path / "pyproject.toml") == {"tool": {"lockguard": {"mode": "warn"}}}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("absent.toml", "file not found"),
        ("n" * 300, "cannot be read (File name too long)"),
    ],
)
def test_a_file_that_cannot_be_read_is_named(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(LockFileError) as error:
        load_toml(tmp_path / name, display="pyproject.toml")
    assert str(error.value) == f"pyproject.toml: {message}"
