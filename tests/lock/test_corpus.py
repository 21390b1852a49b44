"""A fast subset of the real-project differential run (the whole run:
``python scripts/differential.py``, see docs/differential.md)."""

from __future__ import annotations

import sys

from pathlib import Path

import pytest

from tests.support.differential import Harness
from tests.support.forkserver import POETRY


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

#: Per lock-version, how many corpus projects the fast subset takes.
PER_LOCK_VERSION = 2


def _subset() -> list[str]:
    """``PER_LOCK_VERSION`` projects of each lock-version: the smallest locks among those
    with at least two features (extras, markers, repeated names, ...), to stay fast."""
    sources = CORPUS / "sources.toml"
    if not sources.exists():
        return []
    projects = tomllib.loads(sources.read_text())["project"]
    chosen: list[str] = []
    for version in sorted({p["lock-version"] for p in projects}):
        ranked = sorted(
            (
                p
                for p in projects
                if p["lock-version"] == version and len(p.get("features", [])) >= 2
            ),
            key=lambda p: (
                (CORPUS / "projects" / p["slug"] / "poetry.lock").stat().st_size,
                p["slug"],
            ),
        )
        chosen += [p["slug"] for p in ranked[:PER_LOCK_VERSION]]
    return chosen


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return Harness(POETRY, tmp_path_factory.mktemp("corpus"), in_process=True)


@pytest.mark.parametrize("slug", _subset())
def test_real_project_agrees_with_poetry(harness: Harness, slug: str) -> None:
    result = harness.compare(CORPUS / "projects" / slug)
    if isinstance(result, str):
        pytest.skip(result)
    differ = {" ".join(c.selection) or "(default)": c.problems for c in result if not c.agree}
    assert differ == {}
    assert any(c.poetry.plan for c in result), "Poetry planned nothing: not a useful case"


def test_corpus_is_large_and_small_enough() -> None:
    slugs = [p.name for p in (CORPUS / "projects").iterdir() if p.is_dir()]
    size = sum(f.stat().st_size for f in CORPUS.rglob("*") if f.is_file())
    assert len(slugs) >= 60
    assert size < 10 * 1024 * 1024
