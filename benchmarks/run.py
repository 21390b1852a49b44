"""Every performance figure in one run, printed as one table (figure, measured, goal, result).

    python benchmarks/run.py [--quick] [--json FILE]

Any Python 3.9+ starts it. It first makes (or reuses) two venvs under
``benchmarks/.work/`` from the package index pip is configured with: ``venv-plugin``
(Poetry, uv and this checkout installed as a wheel, as users install it) and
``venv-bare`` (the same Poetry and uv, no poetry-lockguard), and then runs itself again
with ``venv-plugin``'s Python. Every project it measures is generated, served on
127.0.0.1 and locked and installed there (see ``benchmarks/workload.py``); builds are
reused while their inputs stay the same. Each figure is the ratio of two medians of
runs taken interleaved (A B A B ...) after a warm-up run of each, so that a change of
machine load hits both sides alike. Exit status: 0 when every figure meets its goal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from pathlib import Path


if __name__ == "__main__":  # run as a script: the checkout's root holds ``benchmarks``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import BARE_VENV
from benchmarks.timing import PLUGIN_VENV
from benchmarks.timing import ROOT
from benchmarks.timing import WORK
from benchmarks.timing import Figure


_INNER = "LOCKGUARD_BENCH_INNER"


# -- bootstrap (standard library only) --------------------------------------------------


def _poetry_spec() -> str:
    """The Poetry to measure: the one of the newest dev venv when there is one."""
    dev = ROOT / ".venvs" / "poetry-newest" / "bin" / "python"
    if dev.exists():
        proc = subprocess.run(
            [str(dev), "-c", "import importlib.metadata as m; print(m.version('poetry'))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0 and proc.stdout.strip():
            return f"poetry=={proc.stdout.strip()}"
    return "poetry>=2.0,<3"


def _pip(venv: Path, *args: str) -> None:
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "--disable-pip-version-check",
            "install",
            "--quiet",
            *args,
        ],
        check=True,
    )


def _venv(venv: Path, key: dict[str, str], *requirements: str) -> None:
    stamp = venv / "bench-stamp.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == key:
        return
    print(f"  [{venv.name}] creating ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    _pip(venv, *requirements)
    stamp.write_text(json.dumps(key))


def bootstrap(argv: list[str]) -> int:
    """Make the two venvs, install this checkout into one, run the figures with it."""
    WORK.mkdir(parents=True, exist_ok=True)
    base = {"python": os.path.realpath(sys.executable), "version": sys.version}
    spec = _poetry_spec()
    _venv(PLUGIN_VENV, {**base, "poetry": spec}, spec, "uv")
    version = subprocess.run(
        [
            str(PLUGIN_VENV / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('poetry'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _venv(BARE_VENV, {**base, "poetry": f"poetry=={version}"}, f"poetry=={version}", "uv")
    # A wheel of the working tree, not an editable install: what users have.
    _pip(PLUGIN_VENV, "--no-deps", "--no-build-isolation", "--force-reinstall", str(ROOT))
    env = {**os.environ, _INNER: "1"}
    return subprocess.run(
        [str(PLUGIN_VENV / "bin" / "python"), str(Path(__file__).resolve()), *argv],
        env=env,
        check=False,
    ).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs per figure (for iterating, not for the record)",
    )
    parser.add_argument("--json", type=Path, help="also write every timing to this file")
    parser.add_argument(
        "--only", default="", help="comma-separated figure groups: uv,integrity,plugin,scale,guard"
    )
    args = parser.parse_args(argv)
    if os.environ.get(_INNER) != "1":
        return bootstrap(sys.argv[1:] if argv is None else argv)
    from benchmarks.figures import run_figures

    started = time.perf_counter()
    groups = [g for g in args.only.split(",") if g]
    figures, samples = run_figures(args.quick, groups)
    wall = time.perf_counter() - started
    text = table(figures, args.quick, wall)
    sys.stdout.write(text)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "figures": [vars(f) for f in figures],
                    "samples": {
                        s.label: {"args": s.args, "wall": s.wall, "cpu": s.cpu, "rss": s.rss}
                        for s in samples
                    },
                },
                indent=1,
            )
        )
    return 0 if all(f.ok for f in figures) else 1


def table(figures: list[Figure], quick: bool, wall: float) -> str:
    """The table (Markdown, so that docs/performance.md can hold it as printed)."""
    from importlib.metadata import version

    load = os.getloadavg()[0]
    lines = [
        (
            f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python"
            f" {platform.python_version()}, Poetry {version('poetry')}, uv {version('uv')};"
            f" {'--quick' if quick else 'full'} run, {wall:.0f} s, load average {load:.1f}"
            " at the end"
        ),
        "",
        "| figure | measured | goal | result |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f.name} | {f.value:.3g} | {f.goal} | {'PASS' if f.ok else 'FAIL'} |" for f in figures
    ]
    lines += ["", "medians (wall; CPU = user + system, children included):"]
    lines += [f"- {f.name}: {f.detail}" for f in figures]
    overall = "PASS" if all(f.ok for f in figures) else "FAIL"
    return "\n".join([*lines, "", f"overall: {overall}", ""])


if __name__ == "__main__":
    sys.exit(main())
