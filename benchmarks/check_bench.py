"""Benchmark of ``lockguard check`` against ``poetry sync --dry-run`` and ``pip check``.

Run from the repository root with the newest dev venv::

    .venvs/poetry-newest/bin/python benchmarks/check_bench.py [--sizes 50,200,500,2000]
        [--repeat N]

For every size N it publishes N small generated wheels on a PEP 503 index served on
127.0.0.1, writes a project depending on all of them, and runs a real ``poetry lock``
and ``poetry install`` into an in-project venv under ``benchmarks/.work/`` (Poetry's
config, cache and data dirs live there too). Built environments are reused by later runs
while the project, the index port and the Poetry version stay the same.

It then times, on the same env, after a warm-up run and interleaved, the median of
``--repeat`` runs of: the plugin ``poetry lockguard check``, ``poetry sync --dry-run``,
the stand-alone ``python -m poetry_lockguard check -C DIR`` and the env's own
``python -m pip check``; and prints the medians and the ratios against their
targets (plugin/sync <= 0.7, stand-alone/pip check <= 0.4, stand-alone 2000/200 <= 12).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

from dataclasses import dataclass
from dataclasses import field
from functools import partial
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from poetry_lockguard.lock.toml import load_toml
from tests.support.artifacts import Dist
from tests.support.artifacts import publish
from tests.support.forkserver import POETRY
from tests.support.index import _Handler
from tests.support.index import _IndexServer
from tests.support.poetry import PoetryProject


WORK = ROOT / "benchmarks" / ".work"
PREFIX = "lgbench"
VERSION = "1.0.0"

#: (numerator, denominator, target) of each ratio the issue sets.
TARGETS = {
    "plugin check / poetry sync --dry-run": 0.7,
    "stand-alone check / pip check": 0.4,
    "stand-alone check 2000 / 200": 12.0,
}


def dist(i: int) -> Dist:
    """Package ``i``: every fourth starts a chain, the others require their predecessor."""
    requires = () if i % 4 == 0 else (f"{PREFIX}-{i - 1:04d}>={VERSION}",)
    return Dist(f"{PREFIX}-{i:04d}", VERSION, requires=requires)


def root_dependency(i: int) -> str:
    """The project's requirement on package ``i``; some carry markers as real ones do."""
    spec = f"{PREFIX}-{i:04d}=={VERSION}"
    if i % 50 == 49:
        return f'{spec} ; sys_platform == "win32"'
    if i % 10 == 3:
        return f'{spec} ; platform_system != "Windows"'
    if i % 10 == 7:
        return f'{spec} ; python_version < "3.14" and implementation_name == "cpython"'
    return spec


# -- the index --------------------------------------------------------------------------


class Index:
    """The benchmark's PEP 503 index, on the same port as last time when it is free.

    The port is part of the source URL in pyproject.toml, and so of the lock's
    content-hash: a stable port lets later runs reuse the locked and installed envs.
    """

    def __init__(self, root: Path, port_file: Path) -> None:
        import threading

        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        wanted = int(port_file.read_text()) if port_file.is_file() else 0
        handler = partial(_Handler, directory=str(root))
        try:
            self._server = _IndexServer(("127.0.0.1", wanted), handler)
        except OSError:
            self._server = _IndexServer(("127.0.0.1", 0), handler)
        self._server.root = root
        self._server.unhashed = set()
        # Installers drop connections they no longer need (range requests): quiet.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        port_file.write_text(str(self._server.server_address[1]))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def ensure(self, count: int) -> None:
        """Publish packages 0..count-1 that are not on the index yet."""
        for i in range(count):
            d = dist(i)
            if not (self.root / d.name / d.wheel_name).is_file():
                publish(d, self.root)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- building environments --------------------------------------------------------------


@dataclass
class Built:
    """A project with a locked and installed environment of ``size`` packages."""

    size: int
    project: PoetryProject
    lock_seconds: float
    install_seconds: float
    installer: str
    cached: bool
    installed: int = 0
    locked: int = 0


def poetry_version() -> str:
    from importlib.metadata import version

    return version("poetry")


def build(size: int, index: Index, installer: str, rebuild: bool) -> Built:
    """Lock and install the project of ``size`` packages, or reuse the cached one."""
    project = PoetryProject(WORK / f"n{size}", WORK / "home", index.url)
    deps = [root_dependency(i) for i in range(size)]
    project.write_pyproject(deps, name=f"bench-{size}")
    pyproject_sha = hashlib.sha256(project.pyproject.read_bytes()).hexdigest()
    stamp_path = project.path / "bench-stamp.json"
    key = {
        "size": size,
        "pyproject": pyproject_sha,
        "poetry": poetry_version(),
        "installer": installer,
    }
    if not rebuild and stamp_path.is_file() and project.python.exists() and project.lock.exists():
        stamp = json.loads(stamp_path.read_text())
        if stamp.get("key") == key:
            return Built(
                size,
                project,
                stamp["lock_seconds"],
                stamp["install_seconds"],
                installer,
                cached=True,
            )

    stamp_path.unlink(missing_ok=True)
    project.lock.unlink(missing_ok=True)
    if project.venv.exists():
        shutil.rmtree(project.venv)
    print(f"  [n={size}] poetry lock ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    project.poetry("--no-plugins", "lock", check=True, timeout=3600)
    lock_seconds = time.perf_counter() - t0
    print(
        f"  [n={size}] locked in {lock_seconds:.1f} s; installing with {installer} ...",
        file=sys.stderr,
        flush=True,
    )
    t0 = time.perf_counter()
    if installer == "poetry":
        project.poetry("--no-plugins", "install", check=True, timeout=3600)
    else:
        _pip_install(project)
    install_seconds = time.perf_counter() - t0
    print(f"  [n={size}] installed in {install_seconds:.1f} s", file=sys.stderr, flush=True)
    stamp_path.write_text(
        json.dumps(
            {
                "key": key,
                "lock_seconds": lock_seconds,
                "install_seconds": install_seconds,
            },
            indent=1,
        )
    )
    return Built(size, project, lock_seconds, install_seconds, installer, cached=False)


def _pip_install(project: PoetryProject) -> None:
    """The locked set installed by pip (``--no-deps``, exact pins) into ``.venv``.

    Poetry still creates the venv (``poetry env use``) so that it is the env Poetry
    itself would pick; only the installing is pip's.
    """
    project.poetry("--no-plugins", "env", "use", sys.executable, check=True)
    pins = _required_pins(project)
    requirements = project.path / "bench-requirements.txt"
    requirements.write_text("".join(f"{p}\n" for p in pins))
    project.run(
        [
            str(project.python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-deps",
            "--index-url",
            project.index_url,
            "-r",
            str(requirements),
        ],
        check=True,
        timeout=3600,
    )


def _required_pins(project: PoetryProject) -> list[str]:
    lock = load_toml(project.lock, "poetry.lock")
    pins = []
    for package in lock["package"]:
        marker = package.get("markers")
        # Of the generated markers only sys_platform == "win32" is false here.
        if isinstance(marker, str) and "win32" in marker and sys.platform != "win32":
            continue
        pins.append(f"{package['name']}=={package['version']}")
    return pins


# -- timing -----------------------------------------------------------------------------


@dataclass
class Timing:
    """Wall-clock and CPU seconds (user + system, children included) of each repeat."""

    label: str
    args: list[str]
    env: dict[str, str]
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


PLUGIN = "plugin check"
SYNC = "sync --dry-run"
SYNC_BARE = "sync --dry-run, no plugins"
ALONE = "stand-alone check"
PIP = "pip check"


def commands(built: Built, standalone_python: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The timed commands: (arguments, extra environment)."""
    path = str(built.project.path)
    poetry = str(POETRY)
    return {
        PLUGIN: ([poetry, "lockguard", "check"], {}),
        # The reference a user of the plugin runs: plugins loaded, as in the plugin
        # check, with the install guard switched off so that only Poetry's work counts.
        SYNC: ([poetry, "sync", "--dry-run"], {"POETRY_LOCKGUARD_MODE": "off"}),
        # Poetry with no plugin at all (for information: it skips loading plugins).
        SYNC_BARE: ([poetry, "--no-plugins", "sync", "--dry-run"], {}),
        ALONE: ([standalone_python, "-m", "poetry_lockguard", "check", "-C", path], {}),
        PIP: ([str(built.project.python), "-m", "pip", "--disable-pip-version-check", "check"], {}),
    }


def run_once(
    project: PoetryProject, args: list[str], extra_env: dict[str, str] | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run ``args`` in the project; return wall seconds, CPU seconds and the result."""
    import resource

    env = project.env(**(extra_env or {}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        args,
        cwd=project.path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def measure(built: Built, repeat: int, standalone_python: str) -> dict[str, Timing]:
    """Warm up every command once, then run them interleaved ``repeat`` times."""
    timings = {
        label: Timing(label, args, env)
        for label, (args, env) in commands(built, standalone_python).items()
    }
    for timing in timings.values():
        _, _, proc = run_once(built.project, timing.args, timing.env)
        if proc.returncode != 0:
            raise SystemExit(
                f"check_bench: n={built.size}: {' '.join(timing.args)} exited"
                f" {proc.returncode}:\n{proc.stdout}{proc.stderr}"
            )
    built.installed, built.locked = _counts(built, standalone_python)
    for _ in range(repeat):
        for timing in timings.values():
            seconds, cpu, proc = run_once(built.project, timing.args, timing.env)
            if proc.returncode != 0:
                raise SystemExit(f"check_bench: {timing.label} failed on n={built.size}")
            timing.seconds.append(seconds)
            timing.cpu.append(cpu)
    return timings


def _counts(built: Built, standalone_python: str) -> tuple[int, int]:
    _, _, proc = run_once(
        built.project,
        [
            standalone_python,
            "-m",
            "poetry_lockguard",
            "check",
            "-C",
            str(built.project.path),
            "--format",
            "json",
        ],
    )
    data = json.loads(proc.stdout)
    return data["environment"]["packages"], data["lock"]["packages"]


# -- report -----------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


def report(
    results: list[tuple[Built, dict[str, Timing]]], repeat: int, wall: float
) -> tuple[str, bool]:
    """The table of medians and ratios, and whether every target is met (wall clock)."""
    lines = [
        (
            f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()},"
            f" Python {platform.python_version()}, Poetry {poetry_version()};"
            f" median of {repeat} runs after 1 warm-up, commands interleaved"
        ),
        "",
        "build (seconds; 'cached' = built by an earlier run of this script)",
        f"{'N':>6} {'locked':>7} {'installed':>9} {'poetry lock':>12} {'install':>9}  installer",
    ]
    for built, _ in results:
        note = " (cached)" if built.cached else ""
        lines.append(
            f"{built.size:>6} {built.locked:>7} {built.installed:>9}"
            f" {built.lock_seconds:>12.1f} {built.install_seconds:>9.1f}"
            f"  {built.installer}{note}"
        )
    labels = list(results[0][1])
    width = max(len(label) for label in labels) + 2
    lines += [
        "",
        "medians: wall seconds (CPU seconds, user + system, children included)",
        f"{'N':>6}" + "".join(f"{label:>{width}}" for label in labels),
    ]
    for built, timings in results:
        cells = [f"{timings[k].median:.3f} ({timings[k].cpu_median:.3f})" for k in labels]
        lines.append(f"{built.size:>6}" + "".join(f"{c:>{width}}" for c in cells))

    ok = True
    lines += [
        "",
        "ratios of medians: wall (CPU); PASS/FAIL judge the wall-clock ratio",
        (
            f"{'N':>6} {'plugin / sync (<= 0.7)':>30} {'stand-alone / pip (<= 0.4)':>30}"
            f" {'plugin / sync, no plugins':>28}"
        ),
    ]
    for built, t in results:
        plugin = t[PLUGIN].median / t[SYNC].median
        plugin_cpu = t[PLUGIN].cpu_median / t[SYNC].cpu_median
        alone = t[ALONE].median / t[PIP].median
        alone_cpu = t[ALONE].cpu_median / t[PIP].cpu_median
        bare = t[PLUGIN].median / t[SYNC_BARE].median
        bare_cpu = t[PLUGIN].cpu_median / t[SYNC_BARE].cpu_median
        ok &= plugin <= 0.7 and alone <= 0.4
        lines.append(
            f"{built.size:>6} {plugin:>16.2f} ({plugin_cpu:.2f}) {verdict(plugin, 0.7)}"
            f" {alone:>16.2f} ({alone_cpu:.2f}) {verdict(alone, 0.4)}"
            f" {bare:>21.2f} ({bare_cpu:.2f})"
        )
    by_size = {b.size: t for b, t in results}
    if 2000 in by_size and 200 in by_size:
        big, small = by_size[2000], by_size[200]
        growth = big[ALONE].median / small[ALONE].median
        growth_cpu = big[ALONE].cpu_median / small[ALONE].cpu_median
        plugin_growth = big[PLUGIN].median / small[PLUGIN].median
        ok &= growth <= 12
        lines += [
            "",
            (
                f"stand-alone check 2000 / 200: {growth:.2f} ({growth_cpu:.2f}) (<= 12)"
                f" {verdict(growth, 12)}"
            ),
            f"plugin check 2000 / 200:      {plugin_growth:.2f} (for information)",
        ]
    else:
        lines += ["", "stand-alone check 2000 / 200: not measured (needs sizes 200 and 2000)"]
    lines += [
        "",
        f"total wall time of this run: {wall:.0f} s",
        f"overall: {'PASS' if ok else 'FAIL'}",
    ]
    return "\n".join(lines) + "\n", ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="50,200,500,2000",
        help="comma-separated package counts (default: 50,200,500,2000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed runs per command after one warm-up (default: 5)",
    )
    parser.add_argument(
        "--installer",
        choices=("poetry", "pip"),
        default="poetry",
        help="what installs the locked set (default: poetry install)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="lock and install again even when a cached env matches",
    )
    parser.add_argument(
        "--standalone-python",
        default=sys.executable,
        help="interpreter running the stand-alone check (default: this one)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the raw timings to this JSON file"
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1 or args.repeat < 1:
        parser.error("--sizes and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not POETRY.exists():
        print(
            f"check_bench: {POETRY} not found: run this with the Python of a venv that has"
            " Poetry and poetry-lockguard installed",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    index = Index(WORK / "index", WORK / "index-port")
    try:
        index.ensure(max(args.sizes))
        results = []
        for size in args.sizes:
            built = build(size, index, args.installer, args.rebuild)
            print(f"  [n={size}] timing ...", file=sys.stderr, flush=True)
            results.append((built, measure(built, args.repeat, args.standalone_python)))
    finally:
        index.close()
    text, ok = report(results, args.repeat, time.perf_counter() - started)
    sys.stdout.write(text)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "size": b.size,
                        "installer": b.installer,
                        "lock_seconds": b.lock_seconds,
                        "install_seconds": b.install_seconds,
                        "installed": b.installed,
                        "locked": b.locked,
                        "wall": {k: t.seconds for k, t in timings.items()},
                        "cpu": {k: t.cpu for k, t in timings.items()},
                    }
                    for b, timings in results
                ],
                indent=1,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
