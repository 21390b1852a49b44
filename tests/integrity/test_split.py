"""The small files verified by a forked child: the same findings as in one process."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest

from tests.integrity.support import dist_info_of


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


#: A stand-alone check --integrity (JSON on stdout) with the split threshold given in
#: argv[2]; stderr says whether the child was forked (in pytest's own process other
#: threads run, so the split would rightly not happen there).
_CHECK = """
import sys
from poetry_lockguard.checks import integrity
integrity._SPLIT_MIN_FILES = int(sys.argv[2])
start = integrity._ForkedShare.start
def counting_start(*args):
    share = start(*args)
    sys.stderr.write(f"forked: {share is not None}\\n")
    return share
integrity._ForkedShare.start = counting_start
from poetry_lockguard.standalone.cli import main
sys.exit(main(["check", "-C", sys.argv[1], "--integrity", "--format", "json"]))
"""


def _run(project: PoetryProject, threshold: int) -> tuple[int, list[tuple[str, str]], str]:
    result = project.run([sys.executable, "-c", _CHECK, str(project.path), str(threshold)])
    findings = sorted((f["code"], f["path"]) for f in result.json()["findings"])
    return result.returncode, findings, result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux only")
def test_forked_share_finds_what_one_process_finds(installed: PoetryProject) -> None:
    pip = dist_info_of(installed, "pip")
    site = pip.parent
    rows = [line.split(",")[0] for line in (pip / "RECORD").read_text().splitlines()]
    modules = sorted(p for p in rows if p.endswith(".py") and "/_vendor/" in p)[:6]
    for path in modules[:4]:  # every second small file goes to the child: both halves
        (site / path).write_bytes((site / path).read_bytes() + b"# edited\n")
    for path in modules[4:]:
        (site / path).unlink()
    expected = sorted(
        [("file-modified", str(site / p)) for p in modules[:4]]
        + [("file-missing", str(site / p)) for p in modules[4:]]
    )

    split = _run(installed, 1)
    single = _run(installed, 10**9)

    assert split[0] == single[0] == 1
    assert split[1] == single[1] == expected
    assert "forked: True" in split[2]
    assert "forked" not in single[2]
