"""Overhead of `poetry run` checking first: with the plugin / ``--no-plugins``.

Run from the repository root with the newest dev venv::

    .venvs/poetry-newest/bin/python benchmarks/run_overhead.py [--packages 50] [--repeat 7]

It publishes ``--packages`` small wheels on a PEP 503 index served on 127.0.0.1,
installs a project depending on all of them (guarded, so the selection is recorded and
the pip fence is in place) under ``benchmarks/.work/run/``, then times, interleaved,
the median of ``--repeat`` runs of ``poetry run true``:

- with the plugin and a fresh stamp (nothing changed since the last clean check);
- with the plugin and a stale stamp (the stamp file removed before each run, so the
  whole check runs);
- ``poetry --no-plugins run true``.

Targets: fresh stamp <= 1.10, stale stamp <= 1.5 of ``--no-plugins``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.guard_overhead import run
from tests.support.artifacts import Dist
from tests.support.forkserver import POETRY
from tests.support.index import PackageIndex
from tests.support.poetry import PoetryProject


WORK = ROOT / "benchmarks" / ".work" / "run"
PREFIX = "lgrun"
TARGETS = {"fresh stamp": 1.10, "stale stamp": 1.5}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    shutil.rmtree(WORK, ignore_errors=True)
    index = PackageIndex(WORK / "index")
    try:
        index.add(*(Dist(f"{PREFIX}-{i:03d}", "1.0.0") for i in range(args.packages)))
        project = PoetryProject(WORK / "project", WORK / "home", index.url)
        project.write_pyproject([f"{PREFIX}-{i:03d}==1.0.0" for i in range(args.packages)])
        run(project, "lock")
        run(project, "install")
        run(project, "run", "true")  # writes the stamp
        stamp = project.venv / ".lockguard" / "run-stamp"
        assert stamp.exists(), "the first run left no stamp"
        samples: dict[str, list[float]] = {"fresh stamp": [], "stale stamp": [], "plain": []}
        for _ in range(args.repeat):
            samples["fresh stamp"].append(run(project, "run", "true"))
            stamp.unlink()
            samples["stale stamp"].append(run(project, "run", "true"))
            samples["plain"].append(run(project, "--no-plugins", "run", "true"))
    finally:
        index.close()
    plain = statistics.median(samples["plain"])
    version = subprocess.run(
        [str(POETRY), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"{version}, Python {sys.version.split()[0]}, {args.packages} packages,"
        f" median of {args.repeat}; poetry --no-plugins run true: {plain:.3f}s"
    )
    status = 0
    for name, target in TARGETS.items():
        median = statistics.median(samples[name])
        ratio = median / plain
        ok = ratio <= target
        status |= not ok
        print(
            f"poetry run true, {name:11} {median:6.3f}s  ratio {ratio:5.3f} <= {target:4.2f}"
            f"  {'ok' if ok else 'OVER'}"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
