"""The guard's refusal decisions, as pure functions of (lock model, planned packages, policy)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from poetry_lockguard.config import Policy
from poetry_lockguard.lock.model import LockedFile
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource
from poetry_lockguard.plugin.install_guard.gate import build_findings
from poetry_lockguard.plugin.install_guard.gate import guard_settings
from poetry_lockguard.plugin.install_guard.gate import planned_builds
from poetry_lockguard.plugin.install_guard.gate import transaction_findings


SHA256 = "sha256:" + "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def package(name: str, *hashes: str, source: LockedSource | None = None) -> LockedPackage:
    files = tuple(LockedFile(f"{name}-1.0.tar.gz", h) for h in hashes)
    return LockedPackage(name, "1.0", files=files, source=source or LockedSource(), line=7)


@pytest.mark.parametrize(
    ("planned", "policy", "expected"),
    [
        (package("alpha", SHA256), Policy(), []),
        (package("alpha"), Policy(), [("unhashed", "alpha", 7)]),
        (package("alpha"), Policy(allow_unhashed=frozenset({"alpha"})), []),
        (package("alpha", "md5:" + "ab" * 16), Policy(), [("weak-hash", "alpha", 7)]),
        (package("alpha", "md5:" + "ab" * 16, SHA256), Policy(), []),
        (package("alpha", source=LockedSource("Legacy")), Policy(), [("unhashed", "alpha", 7)]),
        (
            package("alpha", source=LockedSource("git", resolved_reference="main")),
            Policy(),
            [("unpinned-vcs", "alpha", 7)],
        ),
        (package("alpha", source=LockedSource("git", resolved_reference=COMMIT)), Policy(), []),
        (package("alpha", source=LockedSource("directory", url="../alpha")), Policy(), []),
    ],
)
def test_transaction_findings(
    planned: LockedPackage, policy: Policy, expected: list[tuple[str, str, int]]
) -> None:
    found = transaction_findings([planned], policy)
    assert [(f.code, f.package, f.line) for f in found] == expected


def test_every_refused_package_is_named() -> None:
    found = transaction_findings(
        [package("alpha"), package("beta", SHA256), package("gamma")], Policy()
    )
    assert [(f.code, f.package) for f in found] == [("unhashed", "alpha"), ("unhashed", "gamma")]


def test_planned_builds_and_the_build_policy() -> None:
    planned = [
        package("wheel", SHA256),
        package("sdist", SHA256),
        package("repo", source=LockedSource("git", resolved_reference=COMMIT)),
        package("local", source=LockedSource("directory", url="../local")),
    ]
    artifacts = {
        ("wheel", "1.0"): "wheel-1.0-py3-none-any.whl",
        ("sdist", "1.0"): "sdist-1.0.tar.gz",
    }
    builds = planned_builds(planned, artifacts)
    assert builds == {"sdist": "sdist-1.0.tar.gz", "repo": "git", "local": "directory"}
    assert build_findings(builds, Policy()) == []
    assert build_findings(builds, Policy(build="warn")) == []
    # Poetry builds every archive whose suffix is not exactly ".whl", whatever its name.
    odd = {("wheel", "1.0"): "wheel-1.0.WHL", ("sdist", "1.0"): "sdist-1.0.egg"}
    assert planned_builds(planned[:2], odd) == {"wheel": "wheel-1.0.WHL", "sdist": "sdist-1.0.egg"}
    refused = build_findings(builds, Policy(build="refuse", allow_build=frozenset({"local"})))
    assert [(f.code, f.package, f.found) for f in refused] == [
        ("build-refused", "repo", "git"),
        ("build-refused", "sdist", "sdist-1.0.tar.gz"),
    ]


@pytest.mark.parametrize(
    ("table", "environ", "mode", "note"),
    [
        (None, {}, "enforce", ""),
        ({"mode": "warn"}, {}, "warn", ""),
        ({"mode": "warn"}, {"POETRY_LOCKGUARD_MODE": "warn"}, "warn", ""),
        (
            {"mode": "warn"},
            {"POETRY_LOCKGUARD_MODE": "enforce"},
            "enforce",
            (
                "lockguard: mode enforce for this run (POETRY_LOCKGUARD_MODE=enforce;"
                " pyproject.toml: warn)"
            ),
        ),
        (
            {"mode": 3},
            {"POETRY_LOCKGUARD_MODE": "off"},
            "off",
            (
                "lockguard: mode off for this run (POETRY_LOCKGUARD_MODE=off;"
                " pyproject.toml: an invalid [tool.lockguard])"
            ),
        ),
    ],
)
def test_guard_settings(table: object, environ: dict[str, str], mode: str, note: str) -> None:
    settings = guard_settings(table, environ)
    assert (settings.mode, settings.override_note) == (mode, note)


def test_the_decisions_import_no_poetry_application() -> None:
    code = (
        "import sys, poetry_lockguard.plugin.install_guard.gate;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('poetry', 'cleo')"
        " and not m.startswith('poetry.core')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
