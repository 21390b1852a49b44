"""Timing one command (wall, CPU, peak RSS), the rows of the table, and where the
benchmarks' venvs live: shared by run.py (standard library only, so any Python starts
it) and figures.py (run with the plugin venv's Python)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
PLUGIN_VENV = WORK / "venv-plugin"
BARE_VENV = WORK / "venv-bare"


# -- timing -----------------------------------------------------------------------------


class Sample:
    """Wall seconds, CPU seconds (user + system, children included) and peak RSS (KiB)
    of the runs of one command."""

    def __init__(self, label: str, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.label, self.args, self.cwd, self.env = label, args, cwd, env
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.rss: list[int] = []

    def once(self) -> str:
        """Run the command once; exit the benchmark when it fails. Returns its stdout."""
        import tempfile

        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
            # wait4, not Popen.wait: it also gives the child's CPU time and peak RSS.
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode(errors="replace")
            if code != 0:
                raise SystemExit(
                    f"run.py: {self.label}: {' '.join(self.args)} exited {code}:\n"
                    f"{stdout}{err.read().decode(errors='replace')}"
                )
        self.wall.append(wall)
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        self.rss.append(usage.ru_maxrss)
        return stdout

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def interleaved(repeat: int, *samples: Sample) -> None:
    """A warm-up run of each (checked to succeed, not kept), then ``repeat`` rounds."""
    for sample in samples:
        sample.once()
        sample.wall.clear()
        sample.cpu.clear()
        sample.rss.clear()
    for _ in range(repeat):
        for sample in samples:
            sample.once()


# -- the figures ------------------------------------------------------------------------


class Figure:
    """One row of the table."""

    def __init__(self, name: str, value: float, goal: str, ok: bool, detail: str) -> None:
        self.name, self.value, self.goal, self.ok, self.detail = name, value, goal, ok, detail


def ratio_figure(name: str, a: Sample, b: Sample, goal: float) -> Figure:
    value = a.median / b.median
    detail = (
        f"{a.label} {a.median * 1000:.1f} ms (CPU {a.cpu_median * 1000:.1f}) /"
        f" {b.label} {b.median * 1000:.1f} ms (CPU {b.cpu_median * 1000:.1f})"
    )
    return Figure(name, value, f"<= {goal:g}", value <= goal, detail)
