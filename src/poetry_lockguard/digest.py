"""sha256 for small inputs without the start-up cost of hashlib.

``import hashlib`` loads OpenSSL's libcrypto and builds its table of algorithms: about
3 ms, a tenth of a stand-alone check on a small project, for hashing a few kilobytes
(the lock's content-hash, the environment's fingerprint, the probe cache's key).
CPython's built-in sha256 module gives the same digests at a fraction of that cost;
hashlib is the fallback where it is missing (other interpreters, some FIPS builds).
Large files are hashed with hashlib (``env/record.py``), whose OpenSSL code is faster.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from _hashlib import HASH
    from collections.abc import Callable

sha256: Callable[[bytes], HASH]
try:
    from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]  # 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:  # pragma: no cover - not CPython
        from hashlib import sha256  # type: ignore[assignment,unused-ignore]

__all__ = ["sha256"]


def hmac_sha256(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key`` (RFC 2104), hex: what
    ``hmac.new(key, message, hashlib.sha256).hexdigest()`` gives, without importing
    hashlib (which ``hmac`` does)."""
    block = 64
    if len(key) > block:
        key = sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def equal(a: str, b: str) -> bool:
    """``a == b`` in a time that depends on their lengths only (as
    ``hmac.compare_digest``), for comparing a signature with the expected one."""
    left, right = a.encode(), b.encode()
    if len(left) != len(right):
        return False
    difference = 0
    for x, y in zip(left, right):
        difference |= x ^ y
    return difference == 0
