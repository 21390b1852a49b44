"""The README's sample output is a real run: the demo's drift (demo/run.py) rebuilt and
checked with `poetry lockguard check`, so the block cannot go stale.

Only the Python version (the interpreter's) and the fingerprint's digits (elided as
``sha256:…``) may differ from the run. To regenerate the block after a deliberate change
of the output: ``LOCKGUARD_UPDATE_README=1 .venvs/poetry-newest/bin/python -m pytest
tests/test_readme.py``.
"""

from __future__ import annotations

import importlib.util
import os
import re

from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.index import PackageIndex
from tests.support.poetry import PoetryProject


if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = "<!-- sample output: a real run, kept so by tests/test_readme.py (LOCKGUARD_UPDATE_README=1 rewrites it) -->"
BLOCK = re.compile(re.escape(MARKER) + r"\n```text\n(?P<body>.*?)```\n", re.DOTALL)
PYTHON = re.compile(r"\(Python \d+\.\d+\.\d+\)")


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lockguard_demo", ROOT / "demo" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sample_run(tmp_path: Path) -> str:
    """`poetry lockguard check` after the demo's drift, as a terminal without colour
    shows it, the fingerprint's digits elided."""
    demo = _demo()
    index = PackageIndex(tmp_path / "index")
    index.add(*demo.PACKAGES)
    try:
        project = PoetryProject(tmp_path / "app", tmp_path / "home", index.url, with_pip=True)
        demo.write_project(project.path, index.url)
        project.poetry("lock", check=True)
        project.poetry("install", check=True)
        project.pip("install", "demo-web==2.0.1", "leftover-tool")
        result = project.lockguard()
        lock = project.lock.read_text().splitlines()
    finally:
        index.close()
    assert (result.returncode, result.stderr) == (1, ""), result.output
    # The line shown is demo-web's [[package]] header in the real lock.
    line = int(re.findall(r"\(poetry\.lock:(\d+)\)", result.stdout)[0])
    assert lock[line - 1 : line + 1] == ["[[package]]", 'name = "demo-web"']
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:…", result.stdout)


def test_readme_sample_output_is_a_real_run(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    match = BLOCK.search(readme)
    assert match is not None, f"README.md has no ```text block after {MARKER!r}"
    actual = _sample_run(tmp_path)
    if os.environ.get("LOCKGUARD_UPDATE_README") == "1":
        README.write_text(
            readme[: match.start("body")] + actual + readme[match.end("body") :],
            encoding="utf-8",
        )
        return
    version = PYTHON.search(actual)
    assert version is not None, actual
    assert PYTHON.sub(version.group(0), match.group("body")) == actual
