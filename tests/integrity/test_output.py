"""Streaming (memory bounded on a 1 GiB file) and the ``rpm -V`` style text output."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import subprocess
import sys

from typing import TYPE_CHECKING

from tests.integrity.support import LOCKED_WHEELS
from tests.integrity.support import append_record
from tests.integrity.support import dist_info_of
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.support import without_archives


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject

GIB = 1024 * 1024 * 1024

# Runs the stand-alone check as a child and reports the child's peak RSS in KiB.
_MEASURE = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": proc.returncode, "peak_kib": peak, "stdout": proc.stdout,
                  "stderr": proc.stderr}))
"""


def test_one_gib_file_is_streamed(installed: PoetryProject) -> None:
    big = site_packages(installed) / "alpha" / "big.bin"
    with big.open("wb") as f:
        f.truncate(GIB)  # sparse: no disk space, reads return zeros
    digest = hashlib.sha256()
    zeros = bytes(4 * 1024 * 1024)
    for _ in range(GIB // len(zeros)):
        digest.update(zeros)
    import base64

    b64 = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=")
    append_record(dist_info_of(installed, "alpha"), b"alpha/big.bin,sha256=" + b64 + b",%d" % GIB)
    command = [
        sys.executable,
        "-m",
        "poetry_lockguard",
        "check",
        "-C",
        str(installed.path),
        "--integrity",
        "--format",
        "json",
    ]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        # The locked archive ships no big.bin: its installed RECORD row is what is read.
        env=installed.env(**without_archives(installed)),
    )
    measured = json.loads(out.stdout)
    assert measured["rc"] == 0, measured["stdout"] + measured["stderr"]
    findings = json.loads(measured["stdout"])["findings"]
    assert sorted((f["code"], f["package"]) for f in findings) == sorted(
        [*(("unanchored", name) for name in LOCKED_WHEELS), ("unattested", "alpha")]
    )
    assert measured["peak_kib"] < 100 * 1024, measured["peak_kib"]


def test_text_output_is_rpm_like(installed: PoetryProject) -> None:
    alpha = site_packages(installed) / "alpha" / "__init__.py"
    data = alpha.read_bytes()
    alpha.write_bytes(data.replace(b"__version__", b"__VERSION__"))  # digest only
    lg_data = site_packages(installed) / "lg_tool" / "data.bin"
    with lg_data.open("ab") as f:
        f.write(b"!")  # size (the digest is then not computed)
    (installed.venv / "bin" / "lg-tool").unlink()
    shown = f".venv/lib/python{site_packages(installed).parent.name[6:]}/site-packages"
    for result in run_both(installed, "--integrity", hostile=False):
        assert result.returncode == 1, result.output
        lines = result.stdout.splitlines()
        assert f"  .5       {shown}/alpha/__init__.py  (alpha)" in lines, result.stdout
        assert f"  S?       {shown}/lg_tool/data.bin  (lg-tool)" in lines, result.stdout
        assert "  missing  .venv/bin/lg-tool  (lg-tool)" in lines, result.stdout
        assert "file-modified (2)" in lines
        assert "file-missing (1)" in lines


def test_json_and_github_carry_the_same_findings(installed: PoetryProject) -> None:
    (site_packages(installed) / "alpha" / "__init__.py").write_text("evil = True\n")
    json_result, _ = run_both(installed, "--integrity", "--format", "json", hostile=False)
    (finding,) = json_result.json()["findings"]
    assert finding["code"] == "file-modified"
    assert finding["path"].endswith("/site-packages/alpha/__init__.py")
    assert finding["expected"].startswith("sha256=")
    # The size differs, so the file is not hashed: only its size is shown.
    assert finding["found"] == "size=12"
    for result in run_both(installed, "--integrity", "--format", "github", hostile=False):
        assert result.returncode == 1
        assert "file-modified" in result.stdout
        assert "alpha/__init__.py" in result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_ends_full_and_is_erased(installed: PoetryProject) -> None:
    from poetry_lockguard.standalone.cli import main

    stdout, stderr = io.StringIO(), _Terminal()
    with (
        installed._environment(None),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main(["check", "-C", str(installed.path), "--integrity"])
    assert code == 0, stdout.getvalue() + stderr.getvalue()
    drawn = stderr.getvalue()
    assert re.fullmatch(r"(\r\[#* *\] \d+/\d+ files)*\r\[#{30}\] (\d+)/\2 files\r\x1b\[K", drawn), (
        drawn
    )
    assert int(re.findall(r"(\d+)/\d+ files", drawn)[-1]) > 0
