"""A locked archive is used only when its sha256 is the lock's, and what was hashed is
what is read: a wheel rewritten in place after it was hashed is not read instead."""

from __future__ import annotations

import hashlib
import os

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env import archives
from poetry_lockguard.env.archives import open_verified


if TYPE_CHECKING:
    from pathlib import Path


WHEEL = b"PK\x03\x04 the locked wheel's bytes"


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(WHEEL)
    return path


def test_a_wheel_rewritten_in_place_after_it_was_hashed_is_not_read(wheel: Path) -> None:
    opened = open_verified(str(wheel), hashlib.sha256(WHEEL).hexdigest())
    assert opened is not None
    with wheel.open("r+b") as f:  # the same inode, other bytes
        f.write(b"PK\x03\x04 a planted wheel's bytes!")
    with opened:
        assert opened.read() == WHEEL


@pytest.mark.parametrize("in_memory", [True, False], ids=["in memory", "larger"])
def test_only_a_regular_file_of_the_locked_sha256_is_opened(
    wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    if not in_memory:
        monkeypatch.setattr(archives, "IN_MEMORY", 4)
    digest = hashlib.sha256(WHEEL).hexdigest()
    opened = open_verified(str(wheel), digest.upper())
    assert opened is not None
    with opened:
        assert opened.read() == WHEEL
    assert open_verified(str(wheel), hashlib.sha256(b"other").hexdigest()) is None
    link = tmp_path / "link.whl"
    link.symlink_to(wheel)
    assert open_verified(str(link), digest) is None
    fifo = tmp_path / "fifo.whl"
    os.mkfifo(fifo)
    assert open_verified(str(fifo), digest) is None
    assert open_verified(str(tmp_path / "missing.whl"), digest) is None
