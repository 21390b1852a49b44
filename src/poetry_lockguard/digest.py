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
