"""Install receipts: ``provenance_url.json`` (PEP 710) in a dist-info, listed in RECORD.

Besides PEP 710's ``url`` and ``archive_info`` (or, for git, PEP 610's ``vcs_info``), a
receipt carries a ``lockguard`` table: its ``format`` (2), whether the guard verified
the artifact against a hash in poetry.lock (``verified``; an install in warn mode of an
archive the lock has no hash for is not), and a ``signature`` under this account's key
(``env/state.receipt_signature``), so that a receipt a package ships in its own
dist-info is never taken for the guard's.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os

from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard.names import canonicalize_name
from poetry_lockguard.versions import same_version


if TYPE_CHECKING:
    from collections.abc import Iterable

RECEIPT_NAME = "provenance_url.json"


RECEIPT_FORMAT = 2


def receipt_data(
    name: str, url: str, sha256: str, commit: str = "", *, verified: bool = True, record: str = ""
) -> dict[str, object]:
    """The receipt's content: the URL and the sha256 of the archive, whether it was
    verified, and the signature (bound to ``record``, the digest of the RECORD the
    install wrote: ``env/state.record_digest``).

    For a git dependency, whose verified identity is the commit checked out and built,
    the receipt holds ``vcs_info`` in the form of direct_url.json (PEP 610) instead.
    """
    from poetry_lockguard.env.state import receipt_signature

    signed = {
        "format": RECEIPT_FORMAT,
        "verified": verified,
        "record": record,
        "signature": receipt_signature(name, commit or sha256, verified, record),
    }
    if commit:
        return {"url": url, "vcs_info": {"vcs": "git", "commit_id": commit}, "lockguard": signed}
    return {"url": url, "archive_info": {"hashes": {"sha256": sha256}}, "lockguard": signed}


def write_receipt(
    dist_info: Path, url: str, sha256: str, commit: str = "", *, verified: bool = True
) -> Path:
    """Write the receipt into ``dist_info`` and add it to RECORD with its hash and size.

    RECORD lists the receipt relative to the directory that holds the dist-info (the
    site-packages directory), so that uninstalling the distribution removes it too.
    An earlier row for the receipt (a reinstall over the same dist-info) is replaced.
    """
    from poetry_lockguard.env.state import installed_record_digest

    name = dist_info.name[: -len(".dist-info")].partition("-")[0]
    record = dist_info / "RECORD"
    relative = f"{dist_info.name}/{RECEIPT_NAME}"
    rows: list[list[str]] = []
    if record.exists():
        # RECORD as the install wrote it, without an earlier receipt's row: what the
        # signature binds the receipt to.
        with record.open(encoding="utf-8", newline="") as f:
            rows = [row for row in csv.reader(f) if row and row[0] != relative]
        with record.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    content = receipt_data(
        name,
        url,
        sha256,
        commit,
        verified=verified,
        record=installed_record_digest(dist_info) if record.exists() else "",
    )
    data = (json.dumps(content, sort_keys=True) + "\n").encode()
    receipt = dist_info / RECEIPT_NAME
    receipt.write_bytes(data)
    if record.exists():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        rows.append([relative, f"sha256={digest.decode()}", str(len(data))])
        with record.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    return receipt


def installed_dist_infos(sites: Iterable[Path], name: str, version: str) -> list[Path]:
    """The ``.dist-info`` directories of ``name`` at ``version`` directly in ``sites``.

    Read from the directories themselves, not from Poetry's site-packages object: that
    object fills its list of writable directories lazily and, under the parallel
    installer, another thread can see it empty (the receipt was then lost).
    """
    wanted = str(canonicalize_name(name))
    found: list[Path] = []
    for site in dict.fromkeys(sites):
        try:
            entries = os.listdir(site)
        except OSError:
            continue
        for entry in entries:
            stem, dot, suffix = entry.rpartition(".")
            if suffix != "dist-info" or not dot:
                continue
            dist_name, _, dist_version = stem.partition("-")
            if str(canonicalize_name(dist_name)) == wanted and same_version(dist_version, version):
                found.append(Path(site, entry))
    return found


def write_receipts(
    sites: Iterable[Path],
    name: str,
    version: str,
    url: str,
    sha256: str,
    commit: str = "",
    *,
    verified: bool = True,
) -> None:
    """Write the receipt into every dist-info of ``name`` at ``version`` in ``sites``."""
    for path in installed_dist_infos(sites, name, version):
        write_receipt(path, url, sha256, commit, verified=verified)
