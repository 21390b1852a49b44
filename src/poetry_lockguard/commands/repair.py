"""What ``lockguard repair`` reinstalls, decided from a check's findings.

Poetry's own ``sync`` fixes missing and wrong versions, but not a file edited in
site-packages, a broken RECORD or a package installed around the guard: Poetry sees
the right version and does nothing. ``repair`` takes those packages out first, so that
one guarded ``poetry install`` (or ``poetry sync`` with ``--remove-extraneous``) puts
each back from an archive verified against poetry.lock, with a receipt.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard.checks.anchored import archive_paths
from poetry_lockguard.findings import CATALOGUE


if TYPE_CHECKING:
    import subprocess

    from poetry_lockguard.commands.check import CheckOptions
    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.report.model import Report


@dataclass(frozen=True)
class RepairPlan:
    """Packages to take out and reinstall, to install, to remove and to leave in place
    (extraneous without ``--remove-extraneous``), by name."""

    reinstall: dict[str, tuple[str, ...]] = field(default_factory=dict)
    install: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Packages ``poetry sync`` removes, with their finding code.
    remove: dict[str, str] = field(default_factory=dict)
    unfixable: tuple[str, ...] = ()
    #: Packages left in place, with why and what would remove them.
    left: dict[str, str] = field(default_factory=dict)
    #: Packages with findings that poetry.lock does not pin: a reinstall through
    #: Poetry would only take them out.
    not_locked: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when there is nothing to do."""
        return not (self.reinstall or self.install or self.remove)


def plan_repair(report: Report, *, remove_extraneous: bool = False) -> RepairPlan:
    """The repair for ``report``'s findings (package findings only; lock findings such
    as ``lock-stale`` or ``unhashed`` cannot be repaired by reinstalling and are listed
    as unfixable)."""
    reinstall: dict[str, set[str]] = {}
    install: dict[str, set[str]] = {}
    remove: dict[str, str] = {}
    left: dict[str, str] = {}
    unfixable: set[str] = set()
    not_locked: dict[str, set[str]] = {}
    locked = report.required_names
    for f in report.findings:
        action = CATALOGUE[f.code].repair
        if f.package and action == "reinstall" and locked and f.package not in locked:
            not_locked.setdefault(f.package, set()).add(f.code)
        elif f.package and action == "reinstall":
            reinstall.setdefault(f.package, set()).add(f.code)
        elif f.package and action == "install":
            install.setdefault(f.package, set()).add(f.code)
        elif f.package and action == "remove":
            error = f.severity.value == "error"
            if f.code == "seed-package" and f.package == "pip":
                # Poetry's sync keeps a pip it does not manage: reinstalling cannot help.
                if error:
                    left[f.package] = (
                        "seed-package: `poetry sync` keeps pip; `python -m pip uninstall pip`"
                        " removes it"
                    )
            elif remove_extraneous:
                remove[f.package] = f.code  # poetry sync removes it, error or not
            elif error:
                left[f.package] = f"{f.code}: --remove-extraneous removes it"
        elif f.code not in ("unselected",) and f.severity.value == "error":
            unfixable.add(f.code)
    return RepairPlan(
        reinstall={n: tuple(sorted(c)) for n, c in sorted(reinstall.items())},
        install={n: tuple(sorted(c)) for n, c in sorted(install.items()) if n not in reinstall},
        remove={n: remove[n] for n in sorted(remove)},
        unfixable=tuple(sorted(unfixable)),
        left={n: left[n] for n in sorted(left)},
        not_locked={n: tuple(sorted(c)) for n, c in sorted(not_locked.items())},
    )


@dataclass
class RepairRun:
    """What a repair did: the lines to show and the exit code of the check after it."""

    lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    after: Report | None = None


def run_repair(
    options: CheckOptions,
    *,
    dry_run: bool = False,
    remove_extraneous: bool = False,
    poetry: list[str] | None = None,
) -> RepairRun:
    """Check with ``--integrity``, take out what a reinstall fixes, run one guarded
    ``poetry install`` (``poetry sync`` with ``remove_extraneous``), check again.

    ``poetry`` is the command that starts Poetry (default: this interpreter's
    ``-m poetry``). Raises LockguardError when the project cannot be checked or Poetry
    cannot be started.
    """
    import os
    import sys

    from poetry_lockguard.commands.check import exit_code
    from poetry_lockguard.commands.check import run_check

    options = options.full_check()
    report = run_check(options)
    plan = plan_repair(report, remove_extraneous=remove_extraneous)
    run = RepairRun()
    command = poetry or [sys.executable, "-m", "poetry"]
    interpreter, environ = (None, None) if plan.empty else _install_target(options, report, command)
    for name, codes in plan.reinstall.items():
        run.lines.append(f"reinstall {name} ({', '.join(codes)})")
    for name, codes in plan.install.items():
        run.lines.append(f"install {name} ({', '.join(codes)})")
    for name, code in plan.remove.items():
        run.lines.append(f"remove {name} ({code})")
    for name, why in plan.left.items():
        run.lines.append(f"leave {name} in place ({why})")
    for name, codes in plan.not_locked.items():
        run.lines.append(
            f"leave {name} alone ({', '.join(codes)}): poetry.lock does not pin it, so a"
            " reinstall through Poetry would only take it out; reinstall it by hand"
        )
    if plan.unfixable:
        run.lines.append(
            f"not repairable by reinstalling: {', '.join(plan.unfixable)} (see"
            " `poetry lockguard check`)"
        )
    if plan.empty:
        run.lines.append("nothing to repair")
        run.exit_code, run.after = exit_code(report), report
        return run
    if options.python is not None and interpreter is not None:
        run.lines.append(f"into the environment of --python: {interpreter.prefix}")
    verb = ["sync" if remove_extraneous else "install"]
    if remove_extraneous and _poetry_version() == (2, 0, 0):
        verb = ["install", "--sync"]  # Poetry 2.0.0's sync removes nothing (fixed in 2.0.1)
    # The selection the check used (the options given, else the one the last guarded
    # install recorded), so that the install neither drops an optional group the
    # environment has nor adds one it was installed without. The root project is not
    # the lock's to repair: --no-root, as an install that left it out needs, unless it
    # is root-missing.
    selection = shlex.split(report.sync_options)
    # The root project is installed only where the last guarded install had it.
    root = ["--no-root"] if not any(f.code == "root-missing" for f in report.findings) else []
    args = [*command, *verb, "--no-interaction", *root, *selection]
    shown = f"`poetry {' '.join(args[len(command) :])}`"
    hooks = sorted(
        f.path
        for f in report.findings
        if f.code == "unowned-file" and f.path and f.path.endswith(".pth")
    )
    if hooks:
        # Poetry's install starts the environment's interpreter with `site` on, which
        # runs every .pth file: one nothing installed would run with it.
        from poetry_lockguard.errors import LockguardError

        raise LockguardError(
            f"{hooks[0]} is a .pth file no distribution installed, and the environment's"
            " interpreter runs it when Poetry's install starts it: remove it (see"
            " `poetry lockguard check --integrity`), then repair"
        )
    if dry_run:
        run.lines.append(f"would run {shown}")
        run.exit_code = exit_code(report)
        return run

    assert interpreter is not None  # the plan is not empty
    run.lines += take_out(set(plan.reinstall), options, interpreter)
    if plan.left:
        # The guarded install keeps what is extraneous (repair says so): not its failure.
        from poetry_lockguard.config import RUN_SYNC_VARIABLE

        environ = dict(os.environ if environ is None else environ, **{RUN_SYNC_VARIABLE: "1"})
    run.lines.append(f"running {shown}")
    done = _run_poetry(args, options.project_dir, environ)
    after = run_check(options)
    run.after = after
    run.exit_code = exit_code(after)
    remaining = {(f.code, f.package) for f in after.errors}
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        run.lines += [f"poetry {' '.join(verb)} failed (exit {done.returncode}):", *tail]
        run.lines.append(
            "not repaired: the install failed (above); `poetry lockguard check --integrity`"
            " says what still differs"
        )
        run.exit_code = max(run.exit_code, 1)
    elif run.exit_code == 0:
        run.lines.append(
            f"repaired: the environment matches poetry.lock, every file verified{_how(after)}"
        )
    elif (
        remaining
        and {name for _, name in remaining} <= set(plan.left)
        and all(CATALOGUE[code].repair == "remove" for code, _ in remaining)
    ):
        names = ", ".join(f"{name} ({plan.left[str(name)]})" for _, name in sorted(remaining))
        run.lines.append(
            f"repaired: every locked package matches poetry.lock, every file verified{_how(after)};"
            f" left in place: {names}"
        )
    else:
        run.lines.append("still differs from poetry.lock: see `poetry lockguard check --integrity`")
    return run


def _how(report: Report) -> str:
    """How the files were verified: `` (N files; against the locked archives)`` or
    which packages were verified against their installed RECORD only."""
    unanchored = sorted(
        {f.package for f in report.findings if f.code == "unanchored" and f.package}
    )
    if not unanchored:
        return f" ({report.files_checked} files, against the locked archives)"
    return (
        f" ({report.files_checked} files; {', '.join(unanchored)} against the installed"
        " RECORD only: unanchored)"
    )


def take_out(names: set[str], options: CheckOptions, interpreter: Interpreter) -> list[str]:
    """Remove every file the installed distributions ``names`` installed, without
    running anything from the environment: what their locked archive lists (found as
    the check finds it, so even a distribution whose RECORD is gone loses its files),
    what their installed RECORD lists that no other distribution claims, and their
    metadata directories. Only files inside the environment are removed, never through
    a link to a directory; what is left empty is pruned. Returns a line a package."""
    from poetry_lockguard.checks.anchored import Anchor
    from poetry_lockguard.checks.anchored import archive_sources
    from poetry_lockguard.checks.anchored import find_anchor
    from poetry_lockguard.config import load_policy
    from poetry_lockguard.env.distributions import scan_distributions
    from poetry_lockguard.env.locate import poetry_cache_dir
    from poetry_lockguard.env.record import RecordMissingError
    from poetry_lockguard.env.record import read_record
    from poetry_lockguard.env.venv_files import seed_wheel_dirs
    from poetry_lockguard.lock.project import read_project
    from poetry_lockguard.lock.reader import read_lock
    from poetry_lockguard.versions import same_version

    project_dir = options.project_dir
    policy = load_policy(read_project(project_dir / "pyproject.toml").lockguard_config)
    lock = read_lock(project_dir / "poetry.lock").by_name()
    sources = archive_sources(
        project_dir,
        poetry_cache_dir(project_dir),
        options.wheelhouse,
        policy,
        seed_wheel_dirs(interpreter),
    )
    site_dirs = tuple(interpreter.site_dirs)
    installed = [d for d in scan_distributions(site_dirs) if d.path.parent in site_dirs]
    rows_of: dict[str, set[str]] = {}
    #: Each RECORD-listed path, with the metadata directories whose RECORD lists it.
    listed_by: dict[str, set[str]] = {}
    for dist in installed:
        try:
            record = read_record(dist.path / "RECORD")
        except (RecordMissingError, OSError):
            continue
        site_dir = os.path.realpath(dist.path.parent)
        listed = [e.path for e in record.entries] + [p for _, p in record.unhashed]
        rows_of[str(dist.path)] = {
            os.path.normpath(os.path.join(site_dir, row)) for row in (*listed, *record.exempt)
        }
        for path in rows_of[str(dist.path)]:
            listed_by.setdefault(path, set()).add(str(dist.path))
    lines = []
    areas, scripts, venv = _areas(interpreter)
    for dist in sorted(installed, key=lambda d: str(d.path)):
        if dist.name not in names:
            continue
        site_dir = os.path.realpath(dist.path.parent)
        me = {str(dist.path)}
        own = rows_of.get(str(dist.path), set())
        paths = {p for p in own if listed_by[p] <= me}
        anchor = None
        packages = [p for p in lock.get(dist.name, ()) if same_version(p.version, dist.version)]
        if packages and packages[0].files:
            found = find_anchor(dist, packages[0], sources, interpreter.tags, policy)
            anchor = found if isinstance(found, Anchor) else None
        named: set[str] = set()
        if anchor is not None:
            # What another distribution's RECORD claims is not this one's to remove.
            named = {
                p
                for p in archive_paths(dist, anchor, interpreter, site_dir, tuple(own))
                if listed_by.get(p, me) <= me
            }
            paths |= named
        removed = sum(_remove(path, areas, scripts, named, venv) for path in sorted(paths))
        if _inside(site_dir, areas):
            _remove_tree(dist.path)
        for path in sorted(paths, key=len, reverse=True):
            _prune(os.path.dirname(path), areas)
        label = f"{dist.display_name or dist.name} {dist.version}"
        where = (
            f"the files its locked archive {anchor.file_name} and its RECORD list"
            if anchor is not None
            else "the files its RECORD lists (no locked archive found)"
            if own
            else "its metadata only: no locked archive found and no RECORD"
        )
        lines.append(f"took out {label}: {where} ({removed} removed)")
    return lines


def _areas(interpreter: Interpreter) -> tuple[tuple[str, ...], str, bool]:
    """The real directories a distribution's files may be removed from (the site
    directories, where a wheel's data and headers go), the scripts directory, and
    whether the environment is a virtualenv; in a virtualenv only the directories that
    resolve inside it (a site directory linked elsewhere is not the environment's to
    change)."""
    from poetry_lockguard.env.state import is_virtualenv

    prefix = os.path.realpath(interpreter.prefix)
    areas = [os.path.realpath(d) for d in interpreter.site_dirs]
    areas += [os.path.join(prefix, name) for name in ("share", "include", "etc")]
    scripts = os.path.realpath(interpreter.scripts)
    if is_virtualenv(Path(prefix)):
        inside = [a for a in areas if a.startswith(prefix + os.sep)]
        return tuple(inside), scripts if scripts.startswith(prefix + os.sep) else "", True
    return tuple(areas), scripts, False


def _remove(path: str, areas: tuple[str, ...], scripts: str, named: set[str], venv: bool) -> int:
    """Unlink ``path`` (a file or a link, never a directory) when its directory
    resolves into one of ``areas`` or is the scripts directory (never the venv tool's
    own scripts: the interpreter's names, the activation scripts), and, outside a
    virtualenv (``venv`` false), only when the locked archive installs it (``named``);
    1 when it did. The byte-code of a removed module goes with it."""
    from poetry_lockguard.env.venv_files import SCRIPTS
    from poetry_lockguard.env.venv_files import is_interpreter_name

    try:
        directory = os.path.realpath(os.path.dirname(path))
        name = os.path.basename(path)
        if path not in named and not venv:
            return 0  # outside a virtualenv, only what the locked archive itself installs
        if scripts and directory == scripts:
            if name in SCRIPTS or is_interpreter_name(name) or name.startswith("activate"):
                return 0
        elif not _inside(directory, areas):
            return 0
        target = os.path.join(directory, name)
        if stat.S_ISDIR(os.lstat(target).st_mode):
            return 0
        os.unlink(target)
    except OSError:
        return 0
    _remove_bytecode(target, areas)
    return 1


def _inside(directory: str, areas: tuple[str, ...]) -> bool:
    return any(directory == a or directory.startswith(a + os.sep) for a in areas)


def _remove_bytecode(source: str, areas: tuple[str, ...]) -> None:
    """The byte-code of a removed module, in its ``__pycache__`` when that is a real
    directory inside ``areas`` (never through a link)."""
    directory, name = os.path.split(source)
    if not name.endswith(".py") or not _inside(directory, areas):
        return
    cache = os.path.join(directory, "__pycache__")
    try:
        if not stat.S_ISDIR(os.lstat(cache).st_mode):
            return
        entries = os.listdir(cache)
    except OSError:
        return
    stem = name[: -len(".py")] + "."
    for entry in entries:
        if entry.startswith(stem) and entry.endswith(".pyc"):
            with contextlib.suppress(OSError):
                if not stat.S_ISDIR(os.lstat(os.path.join(cache, entry)).st_mode):
                    os.unlink(os.path.join(cache, entry))


def _remove_tree(path: Path) -> None:
    import shutil

    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _prune(directory: str, areas: tuple[str, ...]) -> None:
    """Remove ``directory`` and its parents while empty, inside one of ``areas`` (never
    an area itself)."""
    directory = os.path.realpath(directory)
    while any(directory.startswith(a + os.sep) for a in areas):
        cache = os.path.join(directory, "__pycache__")
        with contextlib.suppress(OSError):
            if os.path.isdir(cache) and not os.path.islink(cache) and not os.listdir(cache):
                os.rmdir(cache)
        try:
            os.rmdir(directory)
        except OSError:
            return
        directory = os.path.dirname(directory)


def _install_target(
    options: CheckOptions, report: Report, command: list[str]
) -> tuple[Interpreter, dict[str, str] | None]:
    """The interpreter a repair installs into, and the environment variables that make
    Poetry install there (None: Poetry's own choice).

    A virtualenv is always named to Poetry as the activated one (``VIRTUAL_ENV``), so
    that Poetry installs into the environment that was checked, not into one it would
    choose or create for itself. Poetry is then asked which environment it will use
    (``poetry env info --path``, with those variables); anything but the checked one
    raises LockguardError before anything is changed, as does a checked interpreter
    outside the project's Python constraint (Poetry would look for another Python) or,
    with ``--python``, one that is not a virtualenv.
    """
    import os

    from poetry_lockguard.commands.check import target_interpreter
    from poetry_lockguard.errors import LockguardError

    interpreter = target_interpreter(options.project_dir, options.python)
    unsupported = next((f for f in report.findings if f.code == "python-unsupported"), None)
    if unsupported is not None:
        raise LockguardError(
            f"repair: {unsupported.message}; nothing was changed (repair an interpreter"
            " the constraint allows)"
        )
    environ: dict[str, str] | None = None
    if (interpreter.prefix / "pyvenv.cfg").is_file():
        environ = {
            k: v for k, v in os.environ.items() if k not in ("CONDA_PREFIX", "CONDA_DEFAULT_ENV")
        }
        environ["VIRTUAL_ENV"] = str(interpreter.prefix)
    elif options.python is not None:
        raise LockguardError(
            f"repair --python {options.python}: {interpreter.prefix} is not a virtualenv,"
            " and Poetry installs only into a virtualenv or its own project environment:"
            " repair the project's environment (without --python), or make a venv"
        )
    if environ is None:
        return interpreter, None  # virtualenvs.create = false: Poetry's own interpreter
    chosen = _poetry_environment(command, options.project_dir, environ)
    if chosen is None or not _same_prefix(chosen, interpreter.prefix):
        what = f"--python {options.python}" if options.python is not None else "repair"
        where = f"into {chosen}" if chosen is not None else "into no existing environment"
        raise LockguardError(
            f"{what}: Poetry would install {where}, not into {interpreter.prefix}, the"
            " environment checked (`poetry env use` chose another Python for this project,"
            " or Poetry's configuration names another environment): nothing was changed;"
            " run `poetry env info` to see which one Poetry uses"
        )
    return interpreter, environ


def _poetry_environment(
    command: list[str], project_dir: Path, environ: dict[str, str] | None
) -> Path | None:
    """The environment Poetry itself would use for the project, run with ``environ``
    (``poetry env info --path``); None when it has none."""
    from pathlib import Path

    done = _run_poetry(
        [*command, "env", "info", "--path", "--no-interaction"], project_dir, environ
    )
    path = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    return Path(path[0]) if path and path[0] else None


def _run_poetry(
    args: list[str], project_dir: Path, environ: dict[str, str] | None
) -> subprocess.CompletedProcess[str]:
    """Run Poetry in the project, its output captured; LockguardError when it cannot
    be started."""
    import subprocess

    from poetry_lockguard.errors import EnvironmentInspectionError

    try:
        return subprocess.run(
            args,
            cwd=project_dir,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as e:
        raise EnvironmentInspectionError(f"cannot start Poetry ({e.strerror})") from e


def _same_prefix(environment: Path, prefix: Path) -> bool:
    """True when ``environment`` is the environment at ``prefix``."""
    return environment.resolve() == prefix.resolve()


def _poetry_version() -> tuple[int, ...]:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return tuple(int(p) for p in version("poetry").split(".")[:3])
    except (PackageNotFoundError, ValueError):
        return ()
