"""Benchmark: ``check --integrity`` against ``check`` + ``sha256sum`` over the same files.

Builds its own environment: wheels with large data files and many small modules,
served from a PEP 503 index on 127.0.0.1, locked and installed by the real Poetry of
this virtualenv (at least 200 MB of installed files). Then, side by side and
interleaved, it times

  A  python -m poetry_lockguard check --integrity
  B  python -m poetry_lockguard check   +   sha256sum over every RECORD-listed file
  C  python -m poetry_lockguard check   +   one-thread hashlib over the same files

and prints the medians and the ratios A/B (target <= 0.9, aim 0.6) and A/C.

Run from the repository root with the newest dev venv:

    .venvs/poetry-newest/bin/python benchmarks/integrity_bench.py [--repeat 7] [--mb 240]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integrity.wheels import build_wheel
from tests.support.index import PackageIndex
from tests.support.poetry import PoetryProject


# Hashes the files named on stdin, one thread, 1 MiB chunks: baseline C.
_SEQUENTIAL = """
import hashlib, sys
for path in sys.stdin.read().splitlines():
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
"""


def build_environment(work: Path, megabytes: int) -> PoetryProject:
    """Publish the benchmark wheels, then ``poetry lock`` and ``poetry install`` them."""
    index = PackageIndex(work / "index")
    # Poetry drops connections it no longer needs (range requests for metadata): quiet.
    index._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    try:
        big_packages = max(1, megabytes // 20)
        names = []
        for i in range(big_packages):
            name = f"bench-data-{i}"
            files = {f"bench_data_{i}/__init__.py": b"VALUE = 1\n"}
            files[f"bench_data_{i}/blob.bin"] = os.urandom(16 * 1024 * 1024)
            for j in range(4):
                files[f"bench_data_{i}/part{j}.bin"] = os.urandom(1024 * 1024)
            build_wheel(index.root / name, name, "1.0.0", files)
            names.append(name)
        for i in range(4):
            name = f"bench-many-{i}"
            files = {
                f"bench_many_{i}/mod{j}.py": os.urandom(512 + (j * 997) % 24_000)
                for j in range(600)
            }
            build_wheel(index.root / name, name, "1.0.0", files)
            names.append(name)
        project = PoetryProject(work / "project", work / "poetry-home", index.url)
        project.write_pyproject(names)
        project.poetry("lock", check=True, timeout=900)
        project.poetry("install", check=True, timeout=1800)
    finally:
        index.close()
    return project


def record_files(project: PoetryProject) -> list[str]:
    """Every file with a hash in some RECORD of the project's env (what both sides hash)."""
    import csv

    files = []
    for site in project.venv.glob("lib/python*/site-packages"):
        for record in site.glob("*.dist-info/RECORD"):
            with record.open(newline="", encoding="utf-8") as f:
                for row in csv.reader(f):
                    if len(row) == 3 and row[1]:
                        files.append(os.path.normpath(site / row[0]))
    return files


def timed(args: list[str], *, stdin: str | None = None, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, input=stdin, text=True, stdout=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mb", type=int, default=240, help="approximate size of data files")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--reuse", type=Path, help="a work directory kept by --keep")
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        print("sha256sum not found", file=sys.stderr)
        return 2

    work = args.reuse or Path(tempfile.mkdtemp(prefix="lockguard-integrity-bench-"))
    try:
        if args.reuse:
            project = PoetryProject(work / "project", work / "poetry-home", "http://127.0.0.1/")
        else:
            print(f"building the environment in {work} ...", flush=True)
            project = build_environment(work, args.mb)
        files = record_files(project)
        size = sum(os.path.getsize(f) for f in files)
        env = project.env()
        check = [
            sys.executable,
            "-m",
            "poetry_lockguard",
            "check",
            "-C",
            str(project.path),
            "--format",
            "json",
        ]
        integrity = [*check, "--integrity"]
        # Correctness first: the env is clean, so both checks exit 0.
        subprocess.run(integrity, check=True, stdout=subprocess.DEVNULL, env=env)
        listing = "\n".join(files)

        def run_a() -> float:
            return timed(integrity, env=env)

        def run_b() -> float:
            return timed(check, env=env) + timed(["sha256sum", "--", *files], env=env)

        def run_c() -> float:
            return timed(check, env=env) + timed(
                [sys.executable, "-c", _SEQUENTIAL], stdin=listing, env=env
            )

        for warm in (run_a, run_b, run_c):
            warm()  # page cache warm, the same for every side
        a: list[float] = []
        b: list[float] = []
        c: list[float] = []
        for _ in range(args.repeat):
            a.append(run_a())
            b.append(run_b())
            c.append(run_c())
        ma, mb, mc = (statistics.median(x) for x in (a, b, c))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs,"
            f" {len(files)} RECORD-listed files, {size / 1e6:.0f} MB, {args.repeat} runs,"
            f" load average {load:.1f} at the end"
        )
        print(f"A  check --integrity                 median {ma:6.3f} s")
        print(f"B  check + sha256sum                 median {mb:6.3f} s")
        print(f"C  check + one-thread hashlib        median {mc:6.3f} s")
        print(f"A/B = {ma / mb:.2f}   (target <= 0.9, aim 0.6)")
        print(f"A/C = {ma / mc:.2f}")
    finally:
        if args.keep or args.reuse:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
