"""Random and mutated locks, METADATA, RECORD and direct_url.json against both entry
points. Whatever the input: exit 0, 1 or 2; a report (a JSON report that validates
against the schema) or one line naming the problem; never a traceback, never an
internal error, never a hang (each case bounded by hypothesis' deadline or a timeout).

Most cases run in-process (``app.check`` and ``cli.main``) for speed; a handful run
``poetry lockguard check`` and ``python -m poetry_lockguard check`` as subprocesses.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from poetry_lockguard.commands.check import CheckOptions
from poetry_lockguard.commands.check import check
from poetry_lockguard.lock.project import read_project
from poetry_lockguard.standalone import cli
from tests.fuzz.strategies import FUZZ
from tests.fuzz.strategies import direct_url_bytes
from tests.fuzz.strategies import lock_text
from tests.fuzz.strategies import metadata_bytes
from tests.fuzz.strategies import record_bytes
from tests.report.test_schema import assert_valid
from tests.support.forkserver import POETRY
from tests.support.poetry import PoetryProject


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex

FORMATS = ["text", "json", "github", "sarif", "markdown"]
DIST_NAMES = ["alpha", "Alpha_Beta", "pip", "evil", "a.b"]
#: Stands for the content-hash of the target's pyproject.toml (some locks are fresh).
CONTENT_HASH = "@CONTENT_HASH@"
PAYLOAD = {"pkg/__init__.py": b"X = 1\n", "pkg/data.txt": b"data\n"}


@dataclass(frozen=True)
class Planted:
    """One hostile dist-info: its directory name and its files' bytes."""

    directory: str
    metadata: bytes
    record: bytes | None
    direct_url: bytes | None
    provenance: bytes | None


@st.composite
def planted(draw: st.DrawFn) -> Planted:
    name = draw(st.sampled_from(DIST_NAMES))
    version = draw(st.sampled_from(["1.0.0", "2.0.0", "1.0", "x"]))
    # Python reads the suffix in any case (importlib.metadata lowers it).
    suffix = draw(st.sampled_from([".dist-info", ".DIST-INFO", ".Dist-Info"]))
    directory = f"{name.replace('-', '_')}-{version}{suffix}"
    present = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    return Planted(
        directory=directory,
        metadata=draw(metadata_bytes(draw(st.sampled_from([name, "alpha", "pip"])), version)),
        record=draw(record_bytes(directory, PAYLOAD)) if present[0] else None,
        direct_url=draw(direct_url_bytes()) if present[1] else None,
        provenance=draw(direct_url_bytes()) if present[2] else None,
    )


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, index: PackageIndex, poetry_home: Path
) -> PoetryProject:
    """A project and an empty venv (no pip) whose site-packages each case fills."""
    project = PoetryProject(tmp_path_factory.mktemp("fuzz") / "project", poetry_home, index.url)
    project.write_pyproject(["alpha>=1.0"], extras={"fast": ["gamma>=1.0"]})
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project.venv)], check=True)
    return project


def site_packages(project: PoetryProject) -> Path:
    return next(project.venv.glob("lib/python*/site-packages"))


def fill(project: PoetryProject, lock: str, dists: list[Planted]) -> None:
    """Write the lock and the dist-infos into a clean site-packages."""
    lock = lock.replace(CONTENT_HASH, read_project(project.pyproject).content_hash())
    project.lock.write_bytes(lock.encode("utf-8", "surrogatepass"))
    site = site_packages(project)
    for entry in site.iterdir():
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for path, data in PAYLOAD.items():
        (site / path).parent.mkdir(exist_ok=True)
        (site / path).write_bytes(data)
    for dist in dists:
        folder = site / dist.directory
        folder.mkdir(exist_ok=True)
        files: list[tuple[str, bytes | None]] = [
            ("METADATA", dist.metadata),
            ("RECORD", dist.record),
            ("direct_url.json", dist.direct_url),
            ("provenance_url.json", dist.provenance),
        ]
        for file_name, content in files:
            if content is not None:
                (folder / file_name).write_bytes(content)


def assert_invariant(code: int, stdout: str, stderr: str, fmt: str) -> None:
    event(f"exit {code}")
    assert code in (0, 1, 2), (code, stdout, stderr)
    assert "Traceback" not in stdout + stderr, stderr
    if code == 2:
        assert stderr.startswith("lockguard: ") and stderr.count("\n") == 1, stderr
        assert "internal error" not in stderr, stderr
    else:
        assert stderr == "", stderr
        assert stdout.strip(), "no report"
    if fmt == "json":
        document = json.loads(stdout)
        if code != 2:
            assert_valid(document)
            assert document["ok"] is (code == 0)
    elif fmt == "sarif" and code != 2:
        json.loads(stdout)


# Two checks per example, --integrity reading archives: 5 s was exceeded once on a
# loaded 2-core machine; a hang still ends the run.
@settings(FUZZ, deadline=20000)
@given(
    lock=lock_text(CONTENT_HASH),
    dists=st.lists(planted(), max_size=3),
    fmt=st.sampled_from(FORMATS),
    integrity=st.booleans(),
)
def test_check_in_process(
    target: PoetryProject, lock: str, dists: list[Planted], fmt: str, integrity: bool
) -> None:
    fill(target, lock, dists)
    options = CheckOptions(project_dir=target.path, python=target.python, integrity=integrity)
    outcome = check(options, fmt)
    assert_invariant(outcome.exit_code, outcome.stdout, outcome.stderr, fmt)

    argv = ["check", "-C", str(target.path), "--python", str(target.python), "--format", fmt]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([*argv, *(["--integrity"] if integrity else [])])
    assert_invariant(code, out.getvalue(), err.getvalue(), fmt)
    assert code == outcome.exit_code


@settings(FUZZ, max_examples=3, deadline=None)
@given(lock=lock_text(CONTENT_HASH), dists=st.lists(planted(), min_size=1, max_size=3))
def test_both_entry_points_as_subprocesses(
    target: PoetryProject, lock: str, dists: list[Planted]
) -> None:
    fill(target, lock, dists)
    args = ["--python", str(target.python), "--integrity", "--format", "json"]
    results = [
        target.run([str(POETRY), "lockguard", "check", *args], timeout=60),
        target.run(
            [sys.executable, "-m", "poetry_lockguard", "check", "-C", str(target.path), *args],
            timeout=60,
        ),
    ]
    for result in results:
        assert_invariant(result.returncode, result.stdout, result.stderr, "json")
    assert results[0].returncode == results[1].returncode
    if results[0].returncode != 2:
        assert results[0].codes() == results[1].codes()
