"""Receipts read back: did each locked package come from an artifact the lock allows?

The install guard leaves a ``provenance_url.json`` (PEP 710 layout) in every
dist-info it installs: the artifact's URL and its sha256, or for a git package the
commit it verified was checked out and built. This check compares that receipt with
poetry.lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from packaging.utils import InvalidWheelFilename
from packaging.utils import parse_wheel_filename

from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import finding
from poetry_lockguard.versions import same_version


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Mapping

    from poetry_lockguard.config import Policy
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedPackage


class ReceiptCheck:
    """Compare install receipts with the lock's hashes and the environment's wheel tags.

    Only packages that the lock pins and the selection requires, and that are installed
    at the locked version, are expected to carry a receipt. A git package's receipt
    names the commit the guard verified; a directory package has nothing to attest and
    is left to the source check.
    """

    def __init__(self, policy: Policy, tags: Iterable[str]) -> None:
        self._policy = policy
        self._tags = frozenset(tags)
        #: A receipt was read whose signature there was no key to tell (see run).
        self.unverifiable = False
        self._signed: bool | None = None
        self._tampered: frozenset[str] = frozenset()

    def run(
        self,
        installed: Iterable[Distribution],
        required: Mapping[str, LockedPackage],
        tampered: Iterable[str] = (),
    ) -> list[Finding]:
        """``unattested``, ``artifact-not-locked``, ``built-from-source``,
        ``source-built`` (info) and, for git packages, ``source-mismatch`` findings.
        ``tampered``: packages whose files or RECORD already have error findings (a
        RECORD changed since the install is not said of them twice)."""
        self._tampered = frozenset(tampered)
        findings: list[Finding] = []
        seen: set[str] = set()
        for dist in sorted(installed, key=lambda d: d.name):
            package = required.get(dist.name)
            if package is None or dist.problem or dist.name in seen:
                continue
            seen.add(dist.name)
            if not same_version(dist.version, package.version):
                continue
            if package.source.type == "git":
                findings += self._check_git(dist, package)
            elif package.needs_hashes:
                findings += self._check(dist, package)
        return findings

    def _unattested(self, dist: Distribution, package: LockedPackage) -> Finding:
        severity = Severity.ERROR if self._policy.require_receipts else Severity.WARNING
        return finding(
            "unattested",
            package.name,
            f"{package.name} {package.version} has no install receipt"
            " (provenance_url.json): it was not installed through the lockguard install"
            f" guard{dist.location}",
            line=package.line,
            path=str(dist.path / "provenance_url.json"),
            severity=severity,
        )

    def _not_the_guards(
        self, dist: Distribution, package: LockedPackage, receipt: dict[str, Any], artifact: str
    ) -> Finding | None:
        """``unattested`` for a receipt that is not what this account's guard wrote for a
        verified artifact: not signed with this account's key (a package shipped it in
        its dist-info, another machine or account wrote it, or an earlier lockguard,
        which did not sign), or written for an install that verified nothing (warn
        mode). None when it is the guard's, or when there is no key here to tell (a CI
        job without ``POETRY_LOCKGUARD_STATE_DIR``: the receipt proves only its content)."""
        from poetry_lockguard.env.state import installed_record_digest
        from poetry_lockguard.env.state import receipt_signed

        table = receipt.get("lockguard")
        table = table if isinstance(table, dict) else {}
        verified = table.get("verified") is True
        signature = table.get("signature")
        record = table.get("record")
        record = record if isinstance(record, str) else ""
        signed = receipt_signed(
            package.name,
            artifact,
            verified,
            record,
            signature if isinstance(signature, str) else "",
        )
        self._signed = signed
        if signed is None:
            self.unverifiable = True
        if signed is False:
            why = (
                "its install receipt is not signed with this account's key: the package"
                " shipped it, another machine or account wrote it, or an earlier lockguard"
                " did (reinstall it through the install guard to renew it)"
            )
        elif (
            signed
            and dist.name not in self._tampered
            and record != installed_record_digest(dist.path)
        ):
            # The guard's receipt, for another RECORD: files and RECORD rows changed
            # together since the install (where nothing else says so already).
            why = (
                "its RECORD changed since the install guard installed it and wrote its"
                " receipt: files were changed with their RECORD rows (reinstall it"
                " through the install guard)"
            )
        elif not table:
            why = (
                "its install receipt was not written by this lockguard (an earlier version"
                " wrote it, or the package shipped it): reinstall it through the install"
                " guard to renew it"
            )
        elif not verified:
            why = (
                "its install receipt says the guard did not verify the archive (installed in"
                " warn mode without a hash in poetry.lock)"
            )
        else:
            return None
        severity = Severity.ERROR if self._policy.require_receipts else Severity.WARNING
        return finding(
            "unattested",
            package.name,
            f"{package.name} {package.version}: {why}{dist.location}",
            line=package.line,
            path=str(dist.path / "provenance_url.json"),
            severity=severity,
        )

    def _check_git(self, dist: Distribution, package: LockedPackage) -> list[Finding]:
        """The commit the guard verified and built, against the lock's full commit."""
        receipt = dist.provenance()
        if receipt is None:
            return [self._unattested(dist, package)]
        vcs = receipt.get("vcs_info")
        commit = vcs.get("commit_id") if isinstance(vcs, dict) else None
        commit = commit.strip().lower() if isinstance(commit, str) else ""
        locked = package.source.resolved_reference.lower()
        if commit and commit == locked:
            forged = self._not_the_guards(dist, package, receipt, commit)
            if forged is not None:
                return [forged]
            return self._only_the_receipt(dist, package, "a checkout of the locked commit")
        url = package.source.url
        return [
            finding(
                "source-mismatch",
                package.name,
                f"{package.name} {package.version}: the install receipt says commit"
                f" {commit or '(none)'} of {url} was verified and built, poetry.lock pins"
                f" {locked or '(no commit)'}",
                expected=f"git {url}@{locked}",
                found=f"git {url}@{commit or '?'}",
                line=package.line,
                path=str(dist.path / "provenance_url.json"),
            )
        ]

    def _check(self, dist: Distribution, package: LockedPackage) -> list[Finding]:
        receipt = dist.provenance()
        where = str(dist.path / "provenance_url.json")
        label = f"{package.name} {package.version}"
        if receipt is None:
            return [self._unattested(dist, package)]
        url, sha256 = receipt_fields(receipt)
        findings: list[Finding] = []
        locked = {f.digest for f in package.files if f.algorithm == "sha256"}
        if package.strong_files and sha256 not in locked:
            findings.append(
                finding(
                    "artifact-not-locked",
                    package.name,
                    f"{label} was installed from {_file_name(url) or 'an artifact'}"
                    f" whose sha256 {'is ' + sha256 if sha256 else 'is not recorded'},"
                    " which poetry.lock does not list",
                    expected=", ".join(sorted(f.hash for f in package.files)) or None,
                    found=f"sha256:{sha256}" if sha256 else None,
                    line=package.line,
                    path=where,
                )
            )
        name = _file_name(url)
        # Built from it, by Poetry's own test: every archive but a ".whl" is built.
        if name and not name.endswith(".whl"):
            wheels = [f.name for f in package.files if self._compatible(f.name)]
            if not wheels:
                findings.append(
                    finding(
                        "source-built",
                        package.name,
                        f"{label} was built from the sdist {name}: poetry.lock lists no"
                        " wheel this environment can install",
                        found=name,
                        line=package.line,
                        path=where,
                    )
                )
            else:
                findings.append(
                    finding(
                        "built-from-source",
                        package.name,
                        f"{label} was built from the sdist {name} though poetry.lock lists"
                        f" {wheels[0]}, a wheel this environment can install",
                        expected=wheels[0],
                        found=name,
                        line=package.line,
                        path=where,
                    )
                )
        if any(f.code == "artifact-not-locked" for f in findings):
            return findings  # what it names is wrong, whoever wrote it
        # What it says of the build is the guard's word only when the guard wrote it.
        forged = self._not_the_guards(dist, package, receipt, sha256)
        if forged is not None:
            return [forged]
        if name and not name.endswith(".whl"):
            findings += self._only_the_receipt(dist, package, f"the sdist {name}")
        return findings

    def _only_the_receipt(
        self, dist: Distribution, package: LockedPackage, source: str
    ) -> list[Finding]:
        """``unanchored`` for a package built here (from an sdist or a git checkout), whose
        files no locked archive lists and whose receipt there is no key to verify (a CI
        job without ``POETRY_LOCKGUARD_STATE_DIR``): nothing vouches for its files but
        the RECORD beside them. Never where the guard's signature was verified."""
        if self._signed is not None:
            return []
        return [
            finding(
                "unanchored",
                package.name,
                f"{package.name} {package.version}: verified against its installed RECORD"
                f" only: it was built here from {source}, and its install receipt cannot be"
                " verified without this account's key (set POETRY_LOCKGUARD_STATE_DIR to a"
                " directory of this job's own before the install)",
                line=package.line,
                path=str(dist.path),
                severity=Severity.ERROR if self._policy.require_anchored else None,
            )
        ]

    def _compatible(self, file_name: str) -> bool:
        if not file_name.endswith(".whl"):
            return False
        try:
            _, _, _, tags = parse_wheel_filename(file_name)
        except InvalidWheelFilename:
            return False
        return any(str(tag) in self._tags for tag in tags)


def receipt_fields(receipt: dict[str, Any]) -> tuple[str, str]:
    """The archive URL and sha256 a receipt (provenance_url.json) names, ("", "")
    where it names none; the one reading shared by the receipt check and the SBOM."""
    url = receipt.get("url")
    info = receipt.get("archive_info")
    hashes = info.get("hashes") if isinstance(info, dict) else None
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not isinstance(sha256, str) and isinstance(info, dict):
        # The older single-hash form: "hash": "sha256=<hex>".
        legacy = info.get("hash")
        if isinstance(legacy, str) and legacy.lower().startswith("sha256="):
            sha256 = legacy[len("sha256=") :]
    return (
        url if isinstance(url, str) else "",
        sha256.strip().lower() if isinstance(sha256, str) else "",
    )


def _file_name(url: str) -> str:
    path = unquote(urlsplit(url).path)
    return path.rsplit("/", 1)[-1]
