"""Overhead of the install guard: ``poetry install`` with the plugin / ``--no-plugins``.

Run from the repository root with the newest dev venv::

    .venvs/poetry-newest/bin/python benchmarks/guard_overhead.py [--packages 50] [--repeat 5]

It publishes ``--packages`` small generated wheels on a PEP 503 index served on
127.0.0.1, writes a project depending on all of them under
``benchmarks/.work/guard/`` (Poetry's config, cache and data dirs live there too) and
locks it. Then, interleaved and after a warm-up run of each, it times the median of
``--repeat`` runs of:

- a no-op ``poetry install`` (everything already installed), with the plugin
  (gate, post-install check) and with ``poetry --no-plugins install``;
- a fresh ``poetry install`` of every package into a new in-project venv (artifact
  cache warm for both), with the plugin (gate, archive verification, receipts,
  post-install check) and without.

It prints the medians and the ratios against their targets
(no-op <= 1.15, fresh install <= 1.10).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.artifacts import Dist
from tests.support.forkserver import POETRY
from tests.support.index import PackageIndex
from tests.support.poetry import PoetryProject


WORK = ROOT / "benchmarks" / ".work" / "guard"
PREFIX = "lgguard"
TARGETS = {"no-op install": 1.15, "fresh install": 1.10}


def run(
    project: PoetryProject, *args: str, env: dict[str, str] | None = None, poetry: Path = POETRY
) -> float:
    """Run ``poetry ARGS`` in the project (``poetry``: another Poetry's executable);
    return the wall seconds, exit on a failure."""
    start = time.perf_counter()
    proc = subprocess.run(
        [str(poetry), *args],
        cwd=project.path,
        env=project.env(**(env or {})),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"poetry {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return elapsed


def prepare(packages: int) -> tuple[PackageIndex, PoetryProject]:
    shutil.rmtree(WORK, ignore_errors=True)
    index = PackageIndex(WORK / "index")
    index.add(*(Dist(f"{PREFIX}-{i:03d}", "1.0.0") for i in range(packages)))
    project = PoetryProject(WORK / "project", WORK / "home", index.url)
    project.write_pyproject([f"{PREFIX}-{i:03d}==1.0.0" for i in range(packages)])
    run(project, "lock")
    return index, project


def fresh(project: PoetryProject, *args: str) -> float:
    shutil.rmtree(project.venv, ignore_errors=True)
    return run(project, *args, "install")


def measure(project: PoetryProject, repeat: int) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    # Fresh installs: warm-up fills the artifact cache for both variants.
    fresh(project, "--no-plugins")
    fresh(project)
    with_plugin, without = [], []
    for _ in range(repeat):
        with_plugin.append(fresh(project))
        without.append(fresh(project, "--no-plugins"))
    results["fresh install"] = (statistics.median(with_plugin), statistics.median(without))
    # No-op installs on the environment the last fresh install left.
    run(project, "install")
    run(project, "--no-plugins", "install")
    with_plugin, without = [], []
    for _ in range(repeat):
        with_plugin.append(run(project, "install"))
        without.append(run(project, "--no-plugins", "install"))
    results["no-op install"] = (statistics.median(with_plugin), statistics.median(without))
    # What Poetry's plugin machinery alone costs: the plugin loaded, the guard off.
    off = [run(project, "install", env={"POETRY_LOCKGUARD_MODE": "off"}) for _ in range(repeat)]
    results["no-op, guard off"] = (statistics.median(off), results["no-op install"][1])
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    index, project = prepare(args.packages)
    try:
        results = measure(project, args.repeat)
    finally:
        index.close()
    version = subprocess.run(
        [str(POETRY), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"{version}, Python {sys.version.split()[0]}, {args.packages} packages,"
        f" median of {args.repeat}"
    )
    print(f"{'':16} {'plugin':>9} {'--no-plugins':>13} {'ratio':>7} {'target':>7}")
    status = 0
    for name in ("no-op install", "fresh install", "no-op, guard off"):
        plugin, plain = results[name]
        ratio = plugin / plain
        if name not in TARGETS:
            print(
                f"{name:16} {plugin:8.2f}s {plain:12.2f}s {ratio:7.3f}   (Poetry's plugin"
                " loading alone, for reference)"
            )
            continue
        ok = ratio <= TARGETS[name]
        status |= not ok
        print(
            f"{name:16} {plugin:8.2f}s {plain:12.2f}s {ratio:7.3f} {'<=':>3}"
            f"{TARGETS[name]:4.2f} {'ok' if ok else 'OVER'}"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
