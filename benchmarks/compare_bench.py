"""``compare`` over many machines' reports against reading the same files with json.tool.

Writes N reports (default 1,000) of a 200-package lock as ``check --format json`` writes
them (indented, with host and time): most machines match (a few fingerprints), one in
five differs with 1 to 40 findings. Then it times, interleaved, ``python -m
poetry_lockguard compare DIR`` and the baseline: one Python process that passes every
file through ``json.tool`` (parse and pretty-print, what ``cat FILE | python -m
json.tool`` does, without a process per file). Prints the medians and the ratio; the
goal is at most 2.0.

    .venvs/poetry-newest/bin/python benchmarks/compare_bench.py [--reports 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import time

from datetime import datetime
from datetime import timezone
from pathlib import Path

from poetry_lockguard.findings import Finding
from poetry_lockguard.findings import finding
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.report.json_report import JsonReporter
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report


WORK = Path(__file__).parent / ".work" / "compare"
PACKAGES = 200
BASELINE = (
    "import json, sys\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name) as f:\n"
    "        json.dump(json.load(f), sys.stdout, indent=4)\n"
    "    sys.stdout.write('\\n')\n"
)


def write_reports(directory: Path, count: int) -> None:
    rng = random.Random(12)
    fingerprints = [f"sha256:{i:064x}" for i in range(3)]
    now = datetime(2025, 1, 31, 12, 0, tzinfo=timezone.utc)
    for i in range(count):
        findings: tuple[Finding, ...] = ()
        if rng.random() < 0.2:
            findings = tuple(
                finding(
                    rng.choice(("version-mismatch", "missing", "extraneous")),
                    f"pkg-{rng.randrange(PACKAGES):03d}",
                    "pkg is installed at 2.0.0, poetry.lock has 1.0.0",
                    expected="1.0.0",
                    found="2.0.0",
                    line=rng.randrange(1, 4000),
                )
                for _ in range(rng.randint(1, 40))
            )
        report = Report(
            project="/srv/app",
            lock=LockInfo(
                path="/srv/app/poetry.lock",
                version="2.1",
                content_hash="c" * 64,
                fresh=True,
                packages=PACKAGES,
            ),
            environment=EnvironmentInfo(
                path="/srv/app/.venv",
                python="/srv/app/.venv/bin/python",
                python_version="3.11.7",
                fingerprint=rng.choice(fingerprints) if not findings else f"sha256:{i:064x}",
                packages=PACKAGES,
            ),
            selection=Selection(groups=frozenset({"main"}), extras=frozenset()),
            findings=findings,
            required=PACKAGES,
        )
        text = JsonReporter(host=f"web-{i:04d}", now=now).render(report)
        (directory / f"web-{i:04d}.json").write_text(text)


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    directory = WORK / f"reports-{args.reports}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    write_reports(directory, args.reports)
    files = sorted(str(p) for p in directory.glob("*.json"))
    size = sum(Path(f).stat().st_size for f in files)

    compare = [sys.executable, "-m", "poetry_lockguard", "compare", str(directory)]
    baseline = [sys.executable, "-c", BASELINE, *files]
    result = subprocess.run(compare, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr  # one machine in five differs
    timings: dict[str, list[float]] = {"compare": [], "json.tool": []}
    for _ in range(args.repeat + 1):  # the first round warms the page cache
        timings["compare"].append(timed(compare))
        timings["json.tool"].append(timed(baseline))
    medians = {k: statistics.median(v[1:]) for k, v in timings.items()}
    print(f"{args.reports} reports of {PACKAGES} packages, {size / 1e6:.1f} MB")
    for label, seconds in medians.items():
        print(f"  {label:10} {seconds * 1000:7.0f} ms (median of {args.repeat})")
    print(f"  ratio compare / json.tool: {medians['compare'] / medians['json.tool']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
