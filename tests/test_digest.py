"""The small sha256 helpers against hashlib and hmac, their oracles."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from poetry_lockguard.digest import equal
from poetry_lockguard.digest import hmac_sha256
from poetry_lockguard.digest import sha256


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
@pytest.mark.parametrize("message", [b"", b"selection\0{}", bytes(range(256)) * 9])
def test_hmac_sha256_is_hmacs(key_length: int, message: bytes) -> None:
    key = bytes((7 * i + 3) % 256 for i in range(key_length))
    assert hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_sha256_is_hashlibs() -> None:
    data = b"poetry.lock" * 1000
    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("", "", True),
        ("ab", "ab", True),
        ("ab", "ac", False),
        ("ab", "abc", False),
        ("é", "e", False),
    ],
)
def test_equal_is_equality(a: str, b: str, same: bool) -> None:
    assert equal(a, b) is same is hmac.compare_digest(a.encode(), b.encode())
