"""Running a real ``poetry`` in an isolated configuration, against the test index."""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import tomlkit

from packaging.utils import canonicalize_name

import poetry_lockguard

from tests.support.forkserver import POETRY
from tests.support.forkserver import UNMEASURED
from tests.support.forkserver import run_command


if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType


#: A file to which every subprocess of :meth:`PoetryProject.run` appends one JSON line
#: (command, wall and CPU seconds, test): where the suite's time goes.
TIMINGS = os.environ.get("LOCKGUARD_TEST_TIMINGS")


#: Environment that keeps coverage out of a subprocess of the test venv's Python (and its
#: children): for tools in which none of lockguard's code runs, or none that the tests
#: do not measure elsewhere (ansible-playbook and its modules, pre-commit, pip). Tracing
#: costs them about half their time again.
UNMEASURED_TOOL = {"COVERAGE_PROCESS_CONFIG": ""}

_LOCKGUARD_SOURCE = os.path.join(os.path.dirname(poetry_lockguard.__file__), "")


@contextlib.contextmanager
def unmeasured() -> Iterator[None]:
    """The block run untraced by coverage, in this thread: for the tests' own heavy work
    in which no lockguard code runs (validating an SBOM, copying a template), which
    tracing makes about twice as slow. Coverage's tracer takes up again after it.

    Only from test code: under a traced lockguard frame (a callback), coverage's tracer
    would lose the rest of that frame's arcs, so that is refused.
    """
    frame: FrameType | None = sys._getframe(2)  # the caller's (contextlib's, first)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_LOCKGUARD_SOURCE):
            raise RuntimeError("unmeasured() under lockguard's code would lose its arcs")
        frame = frame.f_back
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(tracer)


#: The directory of the interpreter the tests run on (not a venv's), first on a
#: command's PATH: Poetry runs ``python`` from PATH to find the interpreter of a new
#: venv, and a version manager's shim found there instead (pyenv's runs some twenty
#: shell scripts) costs each run about 60 ms. The venvs are made from the tests' own
#: interpreter then, whatever a shim would have chosen.
BASE_BIN = Path(sys.base_prefix) / "bin"


def search_path(path: str) -> str:
    """``path`` (a PATH value) with :data:`BASE_BIN` first, where it holds a Python."""
    if not (BASE_BIN / "python3").exists():
        return path
    return os.pathsep.join([str(BASE_BIN), *path.split(os.pathsep)])


#: uv, from the test extra: see :meth:`PoetryProject.pip`.
UV = Path(sys.executable).parent / "uv"


def poetry_version() -> tuple[int, ...]:
    """The version of the Poetry under test, e.g. (2, 5, 1)."""
    from importlib.metadata import version

    return tuple(int(p) for p in version("poetry").split(".")[:3])


#: Poetry 2.0.0's `poetry sync` does not remove packages (fixed in 2.0.1); its
#: `install --sync` does.
SYNC = ("install", "--sync") if poetry_version() == (2, 0, 0) else ("sync",)


@dataclass
class Result:
    """A finished command: exit code and output."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def codes(self) -> list[str]:
        """The finding codes of a ``--format json`` run, sorted."""
        return sorted(f["code"] for f in self.json()["findings"])

    def findings(self) -> list[tuple[str, str | None]]:
        """(code, package) pairs of a ``--format json`` run, sorted."""
        return sorted(
            ((f["code"], f["package"]) for f in self.json()["findings"]),
            key=lambda t: (t[0], t[1] or ""),
        )


class PoetryProject:
    """A project directory with its own Poetry configuration, cache and in-project venv.

    The venv Poetry makes has no pip unless ``with_pip`` (Poetry's
    ``virtualenvs.options.no-pip``): pip's thousand files cost every venv made, copied
    and scanned. Tests in which pip is the subject, or whose venv must look exactly like
    a user's (integrity, SBOM, the pip fence), ask for it.
    """

    def __init__(self, path: Path, home: Path, index_url: str, *, with_pip: bool = False) -> None:
        self.path = path
        self.home = home
        self.index_url = index_url
        self.with_pip = with_pip
        path.mkdir(parents=True, exist_ok=True)

    # -- files ---------------------------------------------------------------------
    @property
    def pyproject(self) -> Path:
        return self.path / "pyproject.toml"

    @property
    def lock(self) -> Path:
        return self.path / "poetry.lock"

    @property
    def venv(self) -> Path:
        return self.path / ".venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def write_pyproject(
        self,
        dependencies: list[str] | None = None,
        *,
        name: str = "demo-app",
        groups: dict[str, list[str]] | None = None,
        optional_groups: set[str] | None = None,
        extras: dict[str, list[str]] | None = None,
        lockguard: dict[str, Any] | None = None,
        package_mode: bool = False,
        legacy_dependencies: dict[str, Any] | None = None,
    ) -> None:
        """Write a Poetry 2 style pyproject.toml using the test index as only source."""
        doc: dict[str, Any] = {
            "project": {
                "name": name,
                "version": "0.1.0",
                "requires-python": ">=3.9",
                "dependencies": dependencies or [],
            },
            "tool": {
                "poetry": {
                    "package-mode": package_mode,
                    "source": [{"name": "local", "url": self.index_url, "priority": "primary"}],
                }
            },
        }
        if extras:
            doc["project"]["optional-dependencies"] = extras
        if groups:
            doc["tool"]["poetry"]["group"] = {
                g: {
                    "dependencies": dict(_poetry_dep(d) for d in deps),
                    **({"optional": True} if g in (optional_groups or set()) else {}),
                }
                for g, deps in groups.items()
            }
        if legacy_dependencies is not None:
            doc["tool"]["poetry"]["dependencies"] = legacy_dependencies
        if lockguard is not None:
            doc["tool"]["lockguard"] = lockguard
        if package_mode:
            self.path.joinpath(name.replace("-", "_")).mkdir(exist_ok=True)
            self.path.joinpath(name.replace("-", "_"), "__init__.py").write_text("")
            self.path.joinpath("README.md").write_text("demo\n")
        self.pyproject.write_text(tomlkit.dumps(doc))

    # -- running -------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("POETRY_", "VIRTUAL_ENV", "PYTHON", "CONDA_", "PIP_"))
        }
        env.update(
            PATH=search_path(env.get("PATH", "")),
            POETRY_CONFIG_DIR=str(self.home / "config"),
            POETRY_CACHE_DIR=str(self.home / "cache"),
            POETRY_DATA_DIR=str(self.home / "data"),
            POETRY_VIRTUALENVS_IN_PROJECT="true",
            POETRY_LOCKGUARD_CACHE_DIR=str(self.home / "lockguard-cache"),
            POETRY_LOCKGUARD_STATE_DIR=str(self.home / "lockguard-state"),
            # pip's and virtualenv's caches too stay under pytest's tmp path.
            PIP_CACHE_DIR=str(self.home / "pip-cache"),
            VIRTUALENV_OVERRIDE_APP_DATA=str(self.home / "virtualenv"),
            POETRY_NO_INTERACTION="1",
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
            POETRY_KEYRING_ENABLED="false",
            POETRY_VIRTUALENVS_OPTIONS_NO_PIP=str(not self.with_pip).lower(),
            # An empty user site of its own: what is in the developer's is not the test's.
            PYTHONUSERBASE=str(self.home / "user-base"),
        )
        env.update(extra)
        return env

    def poetry(
        self,
        *args: str,
        check: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> Result:
        """Run ``poetry ARGS`` in the project; with ``check`` a failure raises."""
        if args == ("lock",) and env is None:
            return self._lock(check=check, timeout=timeout)
        return self.run([str(POETRY), *args], check=check, env=env, timeout=timeout)

    def _lock(self, *, check: bool, timeout: float) -> Result:
        """``poetry lock``, remembered for the test session (of this worker).

        A second project with the same pyproject.toml and poetry.lock (or none) gets what
        the first one's ``poetry lock`` left: its poetry.lock, its output and, where the
        command made the project's venv (``lock`` is an env command), a copy of that
        still empty venv. The test index does not change during a session, so neither
        does what Poetry would resolve. ``lock`` is not a guarded command.
        """
        before = self.lock.read_bytes() if self.lock.exists() else b""
        key = hashlib.sha256(
            self.pyproject.read_bytes() + b"\0" + before + bytes([self.with_pip])
        ).hexdigest()[:16]
        entry = self.home / "locked" / key
        makes_venv = not self.venv.exists()
        if entry.is_dir() and (not makes_venv or (entry / ".venv").is_dir()):
            _restore(entry, self, venv=makes_venv)
            return Result(**json.loads((entry / "result.json").read_text()))
        result = self.run([str(POETRY), "lock"], check=check, timeout=timeout)
        if result.returncode == 0 and not entry.exists():
            _keep(self, entry, venv=makes_venv and self.venv.is_dir(), result=result)
        return result

    def lockguard(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """``poetry lockguard check ARGS``, run in this process by Poetry's own Application.

        The plugin is loaded from its entry point as in a ``poetry`` process; a test
        whose subject is the ``poetry`` executable itself uses :meth:`poetry` instead.
        """
        return self.poetry_in_process("lockguard", "check", *args, env=env)

    def poetry_in_process(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """``poetry ARGS`` run by Poetry's Application in this process (no start-up cost)."""
        from cleo.io.inputs.argv_input import ArgvInput
        from cleo.io.outputs.buffered_output import BufferedOutput
        from poetry.console.application import Application

        argv = ArgvInput(["poetry", *args])
        argv.interactive(False)
        stdout, stderr = BufferedOutput(), BufferedOutput()
        application = Application()
        application.auto_exits(False)
        with self._environment(env):
            code = application.run(argv, stdout, stderr)
        return Result(["poetry", *args], code, stdout.fetch(), stderr.fetch())

    def standalone(
        self, *args: str, env: dict[str, str] | None = None, python: str = sys.executable
    ) -> Result:
        """``python -m poetry_lockguard check -C PROJECT ARGS``; in this process (its
        ``main``) unless another ``python`` is asked for."""
        argv = ["check", "-C", str(self.path), *args]
        if python != sys.executable:
            return self.run([python, "-m", "poetry_lockguard", *argv], env=env)
        return self.main(*argv, env=env)

    def main(self, *argv: str, env: dict[str, str] | None = None) -> Result:
        """``python -m poetry_lockguard ARGV`` run in this process (its ``main``), in the
        project directory."""
        done = run_main(list(argv), env=self.env(**(env or {})), cwd=self.path)
        return Result(["poetry_lockguard", *argv], done.returncode, done.stdout, done.stderr)

    def _environment(self, extra: dict[str, str] | None) -> contextlib.AbstractContextManager[None]:
        """The environment and working directory a subprocess of :meth:`run` would get."""
        return environment(self.env(**(extra or {})), self.path)

    def run(
        self,
        args: list[str],
        *,
        check: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = 300,
        cwd: Path | None = None,
    ) -> Result:
        """Run ``args`` in the project (a ``poetry`` command as a fork of a warm Poetry:
        tests/support/forkserver.py)."""
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = run_command(args, cwd=cwd or self.path, env=self.env(**(env or {})), timeout=timeout)
        if TIMINGS:
            _log_timing(TIMINGS, args, time.perf_counter() - start, before)
        result = Result(args, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{result.output}")
        return result

    def pip(self, verb: str, *args: str) -> Result:
        """Drift made the way users make it, by an installer outside Poetry: uv's pip
        interface (``install``/``uninstall`` with pip's options), a tenth of pip's
        start-up. Tests whose subject is pip itself run the venv's pip."""
        options = [{"--force-reinstall": "--reinstall"}.get(a, a) for a in args if a != "-y"]
        index = ["--index-url", self.index_url] if verb == "install" else []
        return self.run(
            [str(UV), "pip", verb, "--quiet", "--python", str(self.python), *options, *index],
            check=True,
            env={
                "UV_LINK_MODE": "copy",
                "UV_CACHE_DIR": str(self.home / "uv"),
                "UV_NO_CONFIG": "1",
                "UV_PYTHON_DOWNLOADS": "never",
            },
        )

    def installed(self) -> dict[str, str]:
        """{normalized name: version} of the venv, read by the venv's own Python."""
        code = (
            "import json, importlib.metadata as m;"
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
        )
        result = self.run([str(self.python), "-c", code], check=True)
        return {str(canonicalize_name(k)): v for k, v in json.loads(result.stdout).items()}

    def snapshot(self) -> dict[str, Any]:
        """Bytes of pyproject.toml and poetry.lock, and the installed set."""
        return {
            "pyproject": self.pyproject.read_bytes() if self.pyproject.exists() else None,
            "lock": self.lock.read_bytes() if self.lock.exists() else None,
            "installed": self.installed() if self.python.exists() else None,
        }

    def dry_run_sync(self, *args: str) -> dict[str, set[str]]:
        """What ``poetry sync --dry-run`` would do: installs, updates and removals (the
        guard lets a dry run through: nothing is downloaded or installed)."""
        result = self.poetry(*SYNC, "--dry-run", *args, check=True)
        plan: dict[str, set[str]] = {"install": set(), "update": set(), "remove": set()}
        for line in result.stdout.splitlines():
            line = line.strip()
            if not line.startswith(("- ", "• ")) or "Skipped" in line:
                continue
            words = line[2:].split()
            if len(words) < 2:
                continue
            verb, name = words[0], str(canonicalize_name(words[1]))
            if verb == "Installing":
                plan["install"].add(name)
            elif verb in ("Updating", "Downgrading"):
                plan["update"].add(name)
            elif verb == "Removing":
                plan["remove"].add(name)
        return plan


@contextlib.contextmanager
def environment(env: dict[str, str], cwd: Path) -> Iterator[None]:
    """This process given exactly ``env`` and working directory ``cwd``, as a subprocess
    would be, until the block ends."""
    saved, here = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


def run_main(
    argv: list[str], *, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``python -m poetry_lockguard ARGV`` run in this process by its ``main``, with
    ``env`` and ``cwd``, its output captured: what the subprocess would give, without
    its start-up."""
    from poetry_lockguard.standalone.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        environment(env, cwd),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


def installed_project(project: PoetryProject, deps: list[str], **kwargs: Any) -> PoetryProject:
    """``project`` with ``deps`` locked and installed by the real Poetry (and its guard).

    The first install of a pyproject.toml in a test session is kept as a template; a
    later project with the same pyproject.toml gets a copy of its poetry.lock and venv
    instead of a second identical ``poetry lock`` and ``poetry install``. Projects whose
    venv holds paths of their own (package mode's editable root, url, file, git and
    path dependencies) are always installed.
    """
    project.write_pyproject(deps, **kwargs)
    text = project.pyproject.read_bytes() + bytes([project.with_pip])
    template = project.home / "installed" / hashlib.sha256(text).hexdigest()[:16]
    own_paths = kwargs.get("package_mode") or any("@" in d for d in deps)
    if not own_paths and template.is_dir():
        _restore(template, project, venv=True)
        return project
    project.poetry("lock", check=True)
    # Preparation: the tests measure the guard's path through a plain install themselves.
    project.poetry("install", check=True, env={UNMEASURED: "1"})
    if not own_paths:
        _keep(project, template, venv=True)
    return project


def _keep(project: PoetryProject, entry: Path, *, venv: bool, result: Result | None = None) -> None:
    """Keep ``project``'s poetry.lock (with ``venv`` its venv too, and a command's
    ``result``) as ``entry`` for later projects of this worker's session."""
    partial = entry.with_suffix(f".{os.getpid()}")
    partial.mkdir(parents=True)
    shutil.copy2(project.lock, partial / "poetry.lock")
    if result is not None:
        (partial / "result.json").write_text(json.dumps(result.__dict__))
    if venv:
        copy_venv(project.venv, partial / ".venv", project.home / "lockguard-state")
    partial.rename(entry)  # whole or not at all


def _restore(entry: Path, project: PoetryProject, *, venv: bool) -> None:
    """Give ``project`` the poetry.lock kept as ``entry`` (with ``venv``, its venv too)."""
    shutil.copy2(entry / "poetry.lock", project.lock)
    if venv:
        copy_venv(entry / ".venv", project.venv, project.home / "lockguard-state")


def copy_tree(source: Path, target: Path, ignore: str | None = None) -> None:
    """A copy of the directory ``source`` at ``target``, symlinks as symlinks (without
    the entries of ``source`` named ``ignore``)."""
    with unmeasured():
        skip = shutil.ignore_patterns(ignore) if ignore else None
        shutil.copytree(source, target, symlinks=True, ignore=skip)


def copy_venv(source: Path, target: Path, state_dir: Path | None = None) -> None:
    """A copy of the virtualenv ``source`` at ``target``, with the absolute paths that
    name it (script shebangs, activate scripts, pyvenv.cfg) naming ``target`` instead.
    Where it was made is what virtualenv wrote into pyvenv.cfg (``command = ... PATH``):
    ``source`` may be a copy already. A receipt whose RECORD this rewrites is signed
    again with the key in ``state_dir``, as the guard installing there would sign it."""
    copy_tree(source, target)
    made = re.search(rb"(?m)^command = .* (\S+)$", (source / "pyvenv.cfg").read_bytes())
    old, new = made.group(1) if made else str(source).encode(), str(target).encode()
    changed: dict[str, bytes] = {}
    fence = list(target.glob("lib/python*/site-packages/_lockguard_fence.pth"))
    for path in [target / "pyvenv.cfg", *(target / "bin").iterdir(), *fence]:
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if old in data:
                path.write_bytes(data.replace(old, new))
                changed[os.path.realpath(path)] = data.replace(old, new)
    # The RECORD rows of rewritten scripts say what an install into ``target`` wrote.
    for record in target.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        site = record.parent.parent
        rows = list(csv.reader(record.read_text(encoding="utf-8").splitlines()))
        edited = False
        for row in rows:
            rewritten = changed.get(os.path.realpath(site / row[0])) if row else None
            if rewritten is not None:
                digest = base64.urlsafe_b64encode(hashlib.sha256(rewritten).digest()).rstrip(b"=")
                row[1:3] = [f"sha256={digest.decode()}", str(len(rewritten))]
                edited = True
        if edited:
            with record.open("w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)
            if state_dir is not None:
                _sign_again(record.parent, state_dir)


def _sign_again(dist_info: Path, state_dir: Path) -> None:
    from poetry_lockguard.plugin.install_guard.receipts import write_receipt

    receipt = dist_info / "provenance_url.json"
    if not receipt.is_file():
        return
    data = json.loads(receipt.read_text())
    table = data.get("lockguard") or {}
    commit = (data.get("vcs_info") or {}).get("commit_id", "")
    sha256 = ((data.get("archive_info") or {}).get("hashes") or {}).get("sha256", "")
    before = os.environ.get("POETRY_LOCKGUARD_STATE_DIR")
    os.environ["POETRY_LOCKGUARD_STATE_DIR"] = str(state_dir)
    try:
        write_receipt(
            dist_info, data["url"], sha256, commit, verified=table.get("verified") is True
        )
    finally:
        if before is None:
            del os.environ["POETRY_LOCKGUARD_STATE_DIR"]
        else:
            os.environ["POETRY_LOCKGUARD_STATE_DIR"] = before


def _log_timing(path: str, args: list[str], wall: float, before: resource.struct_rusage) -> None:
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    words = [Path(args[0]).name, *(a[:30] for a in args[1:] if not a.startswith("-"))][:3]
    line = {
        "command": " ".join(words),
        "wall": round(wall, 3),
        "cpu": round(cpu, 3),
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def _poetry_dep(spec: str) -> tuple[str, str]:
    """``"alpha>=1"`` or ``"alpha==1.0"`` -> (name, constraint) for [tool.poetry] tables."""
    for i, ch in enumerate(spec):
        if ch in "<>=!~ ":
            return spec[:i], spec[i:].strip()
    return spec, "*"
