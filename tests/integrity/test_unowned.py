"""What nothing installed, planted into a real Poetry-installed env: both entry points
name it with exact codes, and a compiled environment passes as it is."""

from __future__ import annotations

import importlib.util
import marshal
import subprocess
import sys

from typing import TYPE_CHECKING

from tests.integrity.support import run_both
from tests.integrity.support import site_packages


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


def test_a_compiled_environment_passes(installed: PoetryProject) -> None:
    subprocess.run(
        [str(installed.python), "-m", "compileall", "-q", str(site_packages(installed))],
        check=True,
    )
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert (result.returncode, result.findings()) == (0, []), result.output


def test_a_planted_pth_and_package_are_unowned(installed: PoetryProject) -> None:
    site = site_packages(installed)
    (site / "zz-planted.pth").write_text("import os\n")
    (site / "planted").mkdir()
    (site / "planted" / "__init__.py").write_text("")
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("unowned-file", None)] * 2, result.output
        paths = sorted(f["path"] for f in result.json()["findings"])
        assert paths == [str(site / "planted"), str(site / "zz-planted.pth")]


def test_byte_code_that_is_not_its_sources_is_file_modified(installed: PoetryProject) -> None:
    source = site_packages(installed) / "alpha" / "__init__.py"
    st = source.stat()
    header = importlib.util.MAGIC_NUMBER + b"\0\0\0\0"
    header += (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    header += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    pyc = source.parent / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    pyc.parent.mkdir(exist_ok=True)
    pyc.write_bytes(header + marshal.dumps(compile("PWNED = 1\n", str(source), "exec")))
    for result in run_both(installed, "--integrity", "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("file-modified", "alpha")], result.output
        [f] = result.json()["findings"]
        assert f["path"] == str(pyc)
