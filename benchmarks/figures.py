"""The performance figures, measured by ``benchmarks/run.py`` (which runs this module in
its ``venv-plugin``: Poetry, uv and poetry-lockguard installed, nothing else)."""

from __future__ import annotations

import os
import statistics
import sys

from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.check_bench import Index
from benchmarks.check_bench import build
from benchmarks.guard_overhead import prepare
from benchmarks.guard_overhead import run
from benchmarks.integrity_bench import record_files
from benchmarks.timing import BARE_VENV
from benchmarks.timing import Figure
from benchmarks.timing import Sample
from benchmarks.timing import interleaved
from benchmarks.timing import ratio_figure
from benchmarks.workload import WORK
from benchmarks.workload import distributions
from benchmarks.workload import poetry_project
from benchmarks.workload import publish_blobs
from benchmarks.workload import publish_real
from benchmarks.workload import real_packages
from benchmarks.workload import real_requirements
from benchmarks.workload import uv_twin


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


BIN = Path(sys.executable).parent
PYTHON = str(Path(sys.executable))
CHECK = [PYTHON, "-m", "poetry_lockguard", "check"]
GROUPS = ("uv", "integrity", "plugin", "scale", "guard")


def _check(label: str, project: PoetryProject, *extra: str) -> Sample:
    return Sample(label, [*CHECK, *extra], project.path, project.env())


def _sha256sum(label: str, project: PoetryProject) -> tuple[Sample, int, int]:
    """``sha256sum`` over every RECORD-listed file of the project's env (paths relative
    to site-packages, to keep the command line short); with the file count and bytes."""
    files = record_files(project)
    site = next(project.venv.glob("lib/python*/site-packages"))
    relative = [os.path.relpath(f, site) for f in files]
    size = sum(os.path.getsize(f) for f in files)
    return Sample(label, ["sha256sum", "--", *relative], site, project.env()), len(files), size


def _locked_archives(project: PoetryProject) -> list[str]:
    """The locked wheels of the project that Poetry's artifact cache holds: what
    anchored ``--integrity`` reads and hashes besides the installed files."""
    import re

    names = set(re.findall(r'file = "([^"]+\.whl)"', project.lock.read_text()))
    cache = Path(project.env()["POETRY_CACHE_DIR"]) / "artifacts"
    return sorted(str(p) for p in cache.rglob("*.whl") if p.name in names)


def _sha256sum_anchored(label: str, project: PoetryProject) -> tuple[Sample, int, int]:
    """``sha256sum`` over the installed files and the locked archives they came from."""
    sample, files, size = _sha256sum(label, project)
    archives = _locked_archives(project)
    sample.args += archives
    return sample, files + len(archives), size + sum(os.path.getsize(a) for a in archives)


def _paired(a: list[float], b: list[float]) -> list[float]:
    return [x + y for x, y in zip(a, b)]


def run_figures(quick: bool, groups: list[str]) -> tuple[list[Figure], list[Sample]]:
    """Build what is missing, measure, and return the figures and every sample."""
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise SystemExit(f"run.py: unknown figure group(s) {sorted(unknown)}; know {GROUPS}")
    wanted = set(groups or GROUPS)
    fast, slow = (9, 3) if quick else (31, 11)
    figures: list[Figure] = []
    samples: list[Sample] = []
    index = Index(WORK / "index", WORK / "index-port")
    try:
        publish_real(index.root)
        blob_names = publish_blobs(index.root)
        main, dev = real_requirements(real_packages())
        real, _ = poetry_project("real", index.url, main, {"dev": dev})
        if "uv" in wanted:
            figures += _uv(real, index.url, main, {"dev": dev}, fast, samples)
        if "integrity" in wanted:
            blobs2, _ = poetry_project("blobs-2", index.url, blob_names[:2])
            blobs4, _ = poetry_project("blobs-4", index.url, blob_names)
            figures += _integrity(real, blobs2, blobs4, slow, samples)
        if "plugin" in wanted:
            figures += _plugin(real, fast if quick else 21, samples)
        if "scale" in wanted:
            index.ensure(2000)
            small = build(200, index, "poetry", rebuild=False).project
            large = build(2000, index, "poetry", rebuild=False).project
            figures += _scale(small, large, slow, samples)
    finally:
        index.close()
    if "guard" in wanted:
        figures += _guard(slow, samples)
    return figures, samples


def _uv(
    real: PoetryProject,
    index_url: str,
    main: list[str],
    groups: dict[str, list[str]],
    repeat: int,
    samples: list[Sample],
) -> list[Figure]:
    twin, _ = uv_twin(real, BIN / "uv", index_url, main, groups)
    ours, theirs = distributions(real.venv), distributions(twin.venv)
    if ours != theirs:
        raise SystemExit(
            f"run.py: the uv twin differs: only Poetry's {sorted(ours - theirs)},"
            f" only uv's {sorted(theirs - ours)}"
        )
    alone = _check("stand-alone check", real)
    uv = Sample("uv sync --check", [str(BIN / "uv"), "sync", "--check"], twin.path, twin.env)
    interleaved(repeat, alone, uv)
    samples += [alone, uv]
    figure = ratio_figure(
        f"stand-alone check / `uv sync --check` ({len(ours)} packages)", alone, uv, 2.5
    )
    return [figure]


def _integrity(
    real: PoetryProject,
    blobs2: PoetryProject,
    blobs4: PoetryProject,
    repeat: int,
    samples: list[Sample],
) -> list[Figure]:
    figures = []
    integrity = _check("check --integrity", real, "--integrity")
    plain = _check("check", real)
    # Anchored: the installed files and the locked archives they are traced to.
    sha, files, size = _sha256sum_anchored("sha256sum", real)
    interleaved(repeat, integrity, plain, sha)
    both = statistics.median(_paired(plain.wall, sha.wall))
    value = integrity.median / both
    figures.append(
        Figure(
            f"`check --integrity` / (check + sha256sum of files and archives), {files} files,"
            f" {size / 1e6:.0f} MB",
            value,
            "<= 0.6",
            value <= 0.6,
            f"--integrity {integrity.median:.3f} s (CPU {integrity.cpu_median:.3f} s, i.e."
            f" {integrity.cpu_median / integrity.median:.2f} cores) / check + sha256sum"
            f" {both:.3f} s (check {plain.median:.3f} s, sha256sum {sha.median:.3f} s)",
        )
    )
    samples += [integrity, plain, sha]

    big = _check("check --integrity, 4 blobs", blobs4, "--integrity")
    big_plain = _check("check, 4 blobs", blobs4)
    small = _check("check --integrity, 2 blobs", blobs2, "--integrity")
    small_plain = _check("check, 2 blobs", blobs2)
    big_sha, big_files, big_size = _sha256sum("sha256sum, 4 blobs", blobs4)
    *_, small_size = _sha256sum("sha256sum, 2 blobs", blobs2)
    interleaved(repeat, big, big_sha, big_plain, small, small_plain)
    figures.append(
        ratio_figure(
            f"`check --integrity` / sha256sum alone, {big_files} files, {big_size / 1e6:.0f} MB",
            big,
            big_sha,
            1.2,
        )
    )
    hash_big = statistics.median(a - b for a, b in zip(big.wall, big_plain.wall))
    hash_small = statistics.median(a - b for a, b in zip(small.wall, small_plain.wall))
    value = (hash_big / big_size) / (hash_small / small_size)
    figures.append(
        Figure(
            "`--integrity` seconds per byte, 2x bytes / 1x bytes",
            value,
            "<= 1.15",
            value <= 1.15,
            f"hashing (--integrity minus check) {hash_big * 1000:.0f} ms for"
            f" {big_size / 1e6:.0f} MB, {hash_small * 1000:.0f} ms for {small_size / 1e6:.0f} MB",
        )
    )
    samples += [big, big_sha, big_plain, small, small_plain]
    return figures


def _plugin(real: PoetryProject, repeat: int, samples: list[Sample]) -> list[Figure]:
    env = real.env()
    check = Sample(
        "poetry lockguard check", [str(BIN / "poetry"), "lockguard", "check"], real.path, env
    )
    version = Sample("poetry --version", [str(BIN / "poetry"), "--version"], real.path, env)
    bare = Sample(
        "poetry --version without poetry-lockguard",
        [str(BARE_VENV / "bin" / "poetry"), "--version"],
        real.path,
        env,
    )
    interleaved(repeat, check, version, bare)
    samples += [check, version, bare]
    return [
        ratio_figure("plugin check / `poetry --version`", check, version, 1.10),
        ratio_figure("`poetry --version` with / without the plugin", version, bare, 1.03),
    ]


#: Runs the stand-alone check and prints its peak RSS in KiB (``VmHWM``). Not the
#: ``ru_maxrss`` that ``wait4`` gives: Linux carries the parent's high-water mark over
#: fork and exec into it, and this benchmark's own process is the larger one.
_PEAK = """
import runpy, sys
sys.argv = ["poetry_lockguard", *sys.argv[1:]]
try:
    runpy.run_module("poetry_lockguard", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
with open("/proc/self/status") as f:
    print(next(line.split()[1] for line in f if line.startswith("VmHWM:")))
"""


def _scale(
    small: PoetryProject, large: PoetryProject, repeat: int, samples: list[Sample]
) -> list[Figure]:
    a = _check("stand-alone check, 2000 packages", large)
    b = _check("stand-alone check, 200 packages", small)
    interleaved(repeat, a, b)
    samples += [a, b]
    peak = Sample(
        "peak RSS, 2000 packages", [PYTHON, "-c", _PEAK, "check", "-q"], large.path, large.env()
    )
    megabytes = int(peak.once().split()[-1]) / 1024
    return [
        ratio_figure("stand-alone check, 2000 / 200 packages", a, b, 10),
        Figure(
            "peak RSS of the 2000-package check (MB)",
            megabytes,
            "< 100",
            megabytes < 100,
            "VmHWM of the process running the check",
        ),
    ]


def _guard(repeat: int, samples: list[Sample]) -> list[Figure]:
    index, project = prepare(50)
    try:
        run(project, "install")  # guarded: receipts, selection, pip fence
        env = project.env()
        plugin = Sample("no-op poetry install", [str(BIN / "poetry"), "install"], project.path, env)
        bare = Sample(
            "no-op poetry install without poetry-lockguard",
            [str(BARE_VENV / "bin" / "poetry"), "install"],
            project.path,
            env,
        )
        interleaved(repeat, plugin, bare)
    finally:
        index.close()
    samples += [plugin, bare]
    return [ratio_figure("no-op `poetry install` with / without the plugin", plugin, bare, 1.05)]
