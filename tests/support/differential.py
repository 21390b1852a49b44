"""The differential harness: lockguard's verdict against Poetry's own plan, per selection.

For a project directory (pyproject.toml + poetry.lock) and an EMPTY virtualenv, Poetry's
plan (``poetry --no-plugins install --no-root --dry-run``) names every package the
selection installs; lockguard's ``missing`` findings on the same empty environment must
name exactly those packages at exactly those versions. ``poetry check --lock`` is the
oracle for ``lock-stale``; a selection Poetry refuses must be refused by lockguard with
exit 2. Both entry points (the plugin command and ``python -m poetry_lockguard``) must
agree with each other. Used by ``scripts/differential.py`` and the test suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from tests.support.forkserver import run_command
from tests.support.interpreters import candidates
from tests.support.poetry import run_main
from tests.support.poetry import search_path


#: Interpreters the harness may use for a project's empty venv, newest preferred last.
PYTHON_CANDIDATES = ("3.11", "3.12", "3.10", "3.13", "3.9")

#: "  - Installing name (1.0)" but not "... (1.0): Skipped for the following reason".
_INSTALLING = re.compile(r"^\s*-\s+Installing\s+(\S+)\s+\(([^)]*)\)\s*$", re.MULTILINE)

Plan = frozenset[tuple[str, str]]


@dataclass
class Outcome:
    """What one side answered for one selection: a plan, or a refusal (exit 2)."""

    plan: Plan | None
    refusal: str = ""
    stale: bool = False
    ambiguous: frozenset[str] = frozenset()

    def describe(self) -> str:
        if self.plan is None:
            return f"refused: {self.refusal}"
        return ", ".join(f"{n}=={v}" for n, v in sorted(self.plan)) or "(nothing)"


@dataclass
class Comparison:
    """One (project, selection) pair and its verdict."""

    project: str
    selection: tuple[str, ...]
    poetry: Outcome
    lockguard: Outcome
    plugin: Outcome | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.problems


def find_python(constraint: str) -> Path | None:
    """An interpreter on this machine whose exact version satisfies ``constraint``
    (Poetry syntax; ``<=3.11`` admits 3.11.0 but not 3.11.7)."""
    from poetry.core.constraints.version import Version
    from poetry.core.constraints.version import parse_constraint

    allowed = parse_constraint(constraint or "*")
    for minor in PYTHON_CANDIDATES:
        for found in candidates(minor):
            candidate = Path(found)
            if not candidate.exists():
                continue
            version = subprocess.run(
                [str(candidate), "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            if version and allowed.allows(Version.parse(version)):
                return candidate
    return None


def empty_venv(work: Path, python: Path) -> Path:
    """A venv with nothing installed (no pip either), one per interpreter, reused."""
    version = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    venv = work / f"empty-py{version}"
    if not (venv / "bin" / "python").exists():
        subprocess.run(
            [str(python), "-m", "venv", "--without-pip", str(venv)],
            check=True,
            capture_output=True,
        )
    return venv


def selections(project_dir: Path) -> list[tuple[str, ...]]:
    """default, --all-extras, each extra, --with each optional group, --all-groups,
    --only main: the selections the harness compares."""
    from poetry_lockguard.lock.project import read_project

    project = read_project(project_dir / "pyproject.toml")
    result: list[tuple[str, ...]] = [()]
    if project.extras:
        result.append(("--all-extras",))
        result += [("-E", extra) for extra in project.extras]
    optional = sorted(g for g, opt in project.groups.items() if opt)
    result += [("--with", group) for group in optional]
    if len(project.groups) > 1:
        result.append(("--all-groups",))
    result.append(("--only", "main"))
    return result


class Harness:
    """Runs both sides for a project; ``poetry`` is the Poetry executable under test."""

    def __init__(
        self,
        poetry: Path,
        work: Path,
        python: Path = Path(sys.executable),
        *,
        in_process: bool = False,
    ):
        self.poetry = poetry
        self.work = work
        self.python = python
        # The stand-alone check run by this process's main(), not a subprocess: only
        # where one comparison runs at a time (the tests; scripts/differential.py runs
        # several in threads).
        self.in_process = in_process and python == Path(sys.executable)
        self._venv_lock = threading.Lock()
        work.mkdir(parents=True, exist_ok=True)

    def env(self, venv: Path) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("POETRY_", "VIRTUAL_ENV", "PYTHON", "CONDA_", "PIP_"))
        }
        env.update(
            VIRTUAL_ENV=str(venv),
            PATH=f"{venv / 'bin'}{os.pathsep}{search_path(env.get('PATH', ''))}",
            POETRY_CONFIG_DIR=str(self.work / "poetry-config"),
            POETRY_CACHE_DIR=str(self.work / "poetry-cache"),
            POETRY_DATA_DIR=str(self.work / "poetry-data"),
            POETRY_NO_INTERACTION="1",
            POETRY_KEYRING_ENABLED="false",
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
            XDG_CACHE_HOME=str(self.work / "xdg-cache"),
        )
        return env

    def _run(
        self, args: list[str], cwd: Path, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        if self.in_process and args[:3] == [str(self.python), "-m", "poetry_lockguard"]:
            return run_main(args[3:], env=env, cwd=cwd)
        return run_command(args, cwd=cwd, env=env, timeout=600)

    def compare(self, project_dir: Path, *, plugin: bool = True) -> list[Comparison] | str:
        """Every selection of the project compared, or the reason it was skipped."""
        if not (project_dir / "poetry.lock").is_file():
            return "no poetry.lock"
        constraint = _python_constraint(project_dir)
        python = find_python(constraint)
        if python is None:
            return f"no interpreter here satisfies python {constraint!r}"
        with self._venv_lock:
            venv = empty_venv(self.work, python)
        env = self.env(venv)
        stale = self._run([str(self.poetry), "--no-plugins", "check", "--lock"], project_dir, env)
        # `poetry check --lock` also fails on pyproject.toml errors (a missing readme):
        # only its freshness verdict is the oracle here.
        poetry_stale = "changed significantly" in stale.stdout + stale.stderr
        results = []
        for selection in selections(project_dir):
            results.append(
                self._compare_one(project_dir, selection, venv, env, poetry_stale, plugin)
            )
        return results

    def _compare_one(
        self,
        project_dir: Path,
        selection: tuple[str, ...],
        venv: Path,
        env: dict[str, str],
        poetry_stale: bool,
        plugin: bool,
    ) -> Comparison:
        dry = self._run(
            [str(self.poetry), "--no-plugins", "install", "--no-root", "--dry-run", *selection],
            project_dir,
            env,
        )
        if dry.returncode == 0:
            poetry = Outcome(
                frozenset(
                    (str(canonicalize_name(n)), v.split()[0])
                    for n, v in _INSTALLING.findall(dry.stdout)
                ),
                stale=poetry_stale,
            )
        else:
            poetry = Outcome(None, _last_line(dry.stdout + dry.stderr), stale=poetry_stale)
        standalone = self._lockguard(
            [
                str(self.python),
                "-m",
                "poetry_lockguard",
                "check",
                "-C",
                str(project_dir),
                "--python",
                str(venv / "bin" / "python"),
            ],
            selection,
            project_dir,
            env,
        )
        comparison = Comparison(project_dir.name, selection, poetry, standalone)
        _judge(comparison)
        if plugin:
            comparison.plugin = self._lockguard(
                [str(self.poetry), "lockguard", "check"], selection, project_dir, env
            )
            if (comparison.plugin.plan, comparison.plugin.stale) != (
                standalone.plan,
                standalone.stale,
            ):
                comparison.problems.append(
                    "plugin and stand-alone differ: plugin "
                    f"{comparison.plugin.describe()}; stand-alone {standalone.describe()}"
                )
        return comparison

    def _lockguard(
        self, command: list[str], selection: tuple[str, ...], cwd: Path, env: dict[str, str]
    ) -> Outcome:
        result = self._run([*command, "--format", "json", *selection], cwd, env)
        if result.returncode == 2 or result.returncode not in (0, 1):
            return Outcome(None, _last_line(result.stderr or result.stdout))
        try:
            findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
        except (ValueError, KeyError) as e:
            return Outcome(None, f"unreadable output ({e}): {_last_line(result.stdout)}")
        return Outcome(
            frozenset(
                (str(f["package"]), str(f["expected"])) for f in findings if f["code"] == "missing"
            ),
            stale=any(f["code"] == "lock-stale" for f in findings),
            ambiguous=frozenset(
                str(f["package"]) for f in findings if f["code"] == "ambiguous-lock"
            ),
        )


def _judge(comparison: Comparison) -> None:
    poetry, lockguard = comparison.poetry, comparison.lockguard
    problems = comparison.problems
    if poetry.stale != lockguard.stale and lockguard.plan is not None:
        problems.append(
            f"`poetry check --lock` says {'stale' if poetry.stale else 'fresh'},"
            f" lockguard says {'stale' if lockguard.stale else 'fresh'}"
        )
    if poetry.plan is None:
        if lockguard.plan is not None and not (poetry.stale and lockguard.stale):
            problems.append(
                f"Poetry refuses ({poetry.refusal}) but lockguard checks: {lockguard.describe()}"
            )
        return
    if lockguard.plan is None:
        problems.append(f"Poetry plans {poetry.describe()} but lockguard {lockguard.describe()}")
        return
    poetry_plan, lockguard_plan = poetry.plan, lockguard.plan
    names = [name for name, _ in poetry_plan]
    for name in {n for n in names if names.count(n) > 1}:
        # Poetry installs a name locked twice for this target once per entry: lockguard
        # must say the lock is ambiguous there and expect one of those versions.
        versions = {(n, v) for n, v in poetry_plan if n == name}
        if name not in lockguard.ambiguous or not versions & lockguard_plan:
            problems.append(
                f"Poetry installs {name} {len(versions)} times;"
                " lockguard does not report ambiguous-lock with one of them"
            )
        poetry_plan = poetry_plan - versions
        lockguard_plan = lockguard_plan - versions
    if poetry_plan != lockguard_plan:
        only_poetry = sorted(poetry_plan - lockguard_plan)
        only_lockguard = sorted(lockguard_plan - poetry_plan)
        problems.append(
            f"only in Poetry's plan: {only_poetry}; only in lockguard's missing: {only_lockguard}"
        )


def _lock_metadata(project_dir: Path) -> dict[str, Any]:
    from poetry_lockguard.lock.toml import load_toml

    data = load_toml(project_dir / "poetry.lock", "poetry.lock")
    metadata = data.get("metadata", {})
    return metadata if isinstance(metadata, dict) else {}


def _python_constraint(project_dir: Path) -> str:
    return str(_lock_metadata(project_dir).get("python-versions", "*"))


def lock_version(project_dir: Path) -> str:
    """The project's lock-version, for the run's summary."""
    return str(_lock_metadata(project_dir).get("lock-version", "?"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def install_and_verify(harness: Harness, project_dir: Path) -> tuple[str, str]:
    """Install a copy of the project for real with the plugin, then ``check --integrity``.

    The copy resolves from Poetry's default source and is re-locked with the original
    lock as preference, so it installs real wheels with real RECORDs. Returns ("ok" |
    "failed" | "skipped", detail).
    """
    import shutil

    from poetry_lockguard.lock.toml import load_toml

    data = load_toml(project_dir / "pyproject.toml", "pyproject.toml")
    if data.get("tool", {}).get("poetry", {}).get("source"):
        return "skipped", "declares its own package sources"
    python = find_python(_python_constraint(project_dir))
    if python is None:
        return "skipped", "no interpreter here satisfies its python constraint"
    copy = harness.work / "install" / project_dir.name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project_dir, copy)
    env = harness.env(copy / ".venv")
    del env["VIRTUAL_ENV"]
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    poetry = str(harness.poetry)
    for step in (
        [poetry, "env", "use", str(python)],
        [poetry, "lock"],
        [poetry, "install", "--no-root"],
    ):
        result = harness._run(step, copy, env)
        if result.returncode != 0:
            return "failed", f"`{' '.join(step[1:])}`: {_last_line(result.stdout + result.stderr)}"
    check = harness._run(
        [poetry, "lockguard", "check", "--integrity", "--format", "json"], copy, env
    )
    if check.returncode != 0:
        try:
            codes = sorted({f["code"] for f in json.loads(check.stdout)["findings"]})
        except (ValueError, KeyError):
            codes = [_last_line(check.stderr)]
        return "failed", f"check --integrity exited {check.returncode}: {', '.join(codes)}"
    return "ok", "installed and verified"
