"""One orchestration for every entry point: inputs -> checks -> Report -> output, exit code.

The plugin command, the stand-alone ``python -m poetry_lockguard`` and the install guard
all run a check through this module, so they take the same options, give the same exit
codes (0 clean, 1 error findings, 2 could not check) and the same output. It is the only
module that knows both ``checks/`` and ``report/``; the entry points only parse
arguments and write what ``check`` returns.
"""

from __future__ import annotations

from time import perf_counter

from poetry_lockguard.checks.environment import EnvironmentCheck
from poetry_lockguard.checks.environment import ambiguity_findings
from poetry_lockguard.checks.interpreter import PythonVersionCheck
from poetry_lockguard.checks.lockfile import FreshnessCheck
from poetry_lockguard.checks.lockfile import HashCheck
from poetry_lockguard.checks.lockfile import lock_missing_finding
from poetry_lockguard.config import Policy
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.env.fingerprint import fingerprint
from poetry_lockguard.env.locate import find_project_interpreter
from poetry_lockguard.env.locate import interpreter_in
from poetry_lockguard.env.locate import locate_project_interpreter
from poetry_lockguard.env.probe import start_probe
from poetry_lockguard.errors import LockFileError
from poetry_lockguard.errors import LockguardError
from poetry_lockguard.errors import SelectionError
from poetry_lockguard.findings import INSTALLING
from poetry_lockguard.findings import finding
from poetry_lockguard.lock.project import read_project
from poetry_lockguard.lock.reader import read_lock
from poetry_lockguard.lock.requirements import ambiguous_packages
from poetry_lockguard.lock.requirements import packages_on_some_platform
from poetry_lockguard.lock.requirements import required_packages
from poetry_lockguard.lock.requirements import widening_options
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.lock.selection import resolve_selection
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report


#: The codes of distributions present without the lock that are not drift.
_TOLERATED = frozenset({"seed-package", "tool-package"})


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Final

    from poetry_lockguard.env.archives import ArchiveSources
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.env.download import Source
    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.env.probe import PendingProbe
    from poetry_lockguard.env.state import RecordedSelection
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.lock.model import LockedFile
    from poetry_lockguard.lock.model import LockedPackage
    from poetry_lockguard.lock.project import Project
    from poetry_lockguard.lock.selection import Selection


class Outcome:
    """What an entry point writes: ``stdout`` (the report, or an error document in the
    machine formats), ``stderr`` (the one-line error) and the exit code."""

    __slots__ = ("exit_code", "report", "stderr", "stdout")

    stdout: Final[str]
    stderr: Final[str]
    exit_code: Final[int]
    report: Final[Report | None]

    def __init__(
        self,
        stdout: str,
        stderr: str,
        exit_code: int,
        report: Report | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code
        self.report = report

    def _fields(self) -> tuple[object, ...]:
        return (self.stdout, self.stderr, self.exit_code, self.report)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Outcome(stdout={self.stdout!r}, stderr={self.stderr!r}, "
            f"exit_code={self.exit_code!r}, report={self.report!r})"
        )


def check(
    options: CheckOptions,
    fmt: str = "text",
    *,
    progress: Callable[[int, int], None] | None = None,
    debug: bool = False,
) -> Outcome:
    """Run the check and render it in ``fmt``: the one flow of every entry point.

    Anything that prevents the check (bad input, an internal error) is exit 2 with one
    line naming the problem; ``debug`` (``-vvv``) adds the traceback after that line.
    The machine formats still write a document on stdout then.
    """
    from poetry_lockguard.report.formats import reporter_for

    try:
        report = run_check(options, progress=progress)
    except LockguardError as e:
        return _error_outcome(str(e), fmt, debug)
    except Exception as e:  # noqa: BLE001 - an internal error is "could not check" too
        return _error_outcome(
            f"internal error: {type(e).__name__}: {e} (run with -vvv for the traceback)",
            fmt,
            debug,
        )
    text = reporter_for(fmt, options.selection.as_poetry_options()).render(report)
    return Outcome(text, "", exit_code(report), report)


def _error_outcome(message: str, fmt: str, debug: bool) -> Outcome:
    from poetry_lockguard.report.formats import render_error
    from poetry_lockguard.report.style import neutralise

    line = neutralise(message.splitlines()[0]) if message else "unknown error"
    stderr = f"lockguard: {line}\n"
    if debug:
        import traceback

        stderr += traceback.format_exc()
    return Outcome(render_error(fmt, line), stderr, 2)


def find_project_dir(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding pyproject.toml, as Poetry
    searches; LockFileError when there is none."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise LockFileError(f"{start}: no pyproject.toml in this directory or its parents")


class CheckOptions:
    """What to check: the project, the target interpreter and the selection."""

    __slots__ = (
        "download_archives",
        "download_sources",
        "hint_directory",
        "integrity",
        "lock_only",
        "project_dir",
        "python",
        "recorded_selection",
        "selection",
        "strict",
        "wheelhouse",
    )

    project_dir: Final[Path]
    python: Final[Path | None]
    selection: Final[SelectionRequest]
    lock_only: Final[bool]
    integrity: Final[bool]
    #: Locked packages of unselected groups and extras are errors, not warnings.
    strict: Final[bool]
    #: With no selection option, use the selection the last guarded install recorded.
    recorded_selection: Final[bool]
    #: Directories of locked archives for ``--integrity``, after Poetry's artifact cache.
    wheelhouse: Final[tuple[Path, ...]]
    #: `` -C DIR`` for hints, when the caller knows better than the current directory
    #: (Poetry's ``-C`` changes into the project before the command runs).
    hint_directory: Final[str | None]
    #: ``--download-archives``: fetch the locked archives found nowhere here.
    download_archives: Final[bool]
    #: What the caller knows of the lock's sources (the plugin: Poetry's default
    #: source and credentials): (source URL, or "" for the default source, source).
    download_sources: Final[tuple[tuple[str, Source], ...]]

    def __init__(
        self,
        project_dir: Path,
        python: Path | None = None,
        selection: SelectionRequest | None = None,
        lock_only: bool = False,
        integrity: bool = False,
        strict: bool = False,
        recorded_selection: bool = True,
        wheelhouse: tuple[Path, ...] = (),
        hint_directory: str | None = None,
        download_archives: bool = False,
        download_sources: tuple[tuple[str, Source], ...] = (),
    ) -> None:
        self.project_dir = project_dir
        self.python = python
        self.selection = SelectionRequest() if selection is None else selection
        self.lock_only = lock_only
        self.integrity = integrity
        self.strict = strict
        self.recorded_selection = recorded_selection
        self.wheelhouse = wheelhouse
        self.hint_directory = hint_directory
        self.download_archives = download_archives
        self.download_sources = download_sources

    def full_check(self) -> CheckOptions:
        """These options with ``--integrity`` on and ``--lock-only`` off (what repair and
        the SBOM check)."""
        return CheckOptions(
            self.project_dir,
            self.python,
            self.selection,
            lock_only=False,
            integrity=True,
            strict=self.strict,
            recorded_selection=self.recorded_selection,
            wheelhouse=self.wheelhouse,
            hint_directory=self.hint_directory,
            download_archives=self.download_archives,
            download_sources=self.download_sources,
        )

    def _fields(self) -> tuple[object, ...]:
        return (
            self.project_dir,
            self.python,
            self.selection,
            self.lock_only,
            self.integrity,
            self.strict,
            self.recorded_selection,
            self.wheelhouse,
            self.hint_directory,
            self.download_archives,
            self.download_sources,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckOptions):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"CheckOptions(project_dir={self.project_dir!r}, python={self.python!r}, "
            f"selection={self.selection!r}, lock_only={self.lock_only!r}, "
            f"integrity={self.integrity!r}, strict={self.strict!r}, "
            f"recorded_selection={self.recorded_selection!r}, "
            f"wheelhouse={self.wheelhouse!r}, hint_directory={self.hint_directory!r}, "
            f"download_archives={self.download_archives!r}, "
            f"download_sources={self.download_sources!r})"
        )


def exit_code(report: Report) -> int:
    """0 when there is no error finding, 1 otherwise (2 is raised as LockguardError)."""
    return 0 if report.ok else 1


def run_check(
    options: CheckOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    interpreter: Interpreter | None = None,
    lock: Lock | None = None,
) -> Report:
    """Check the project's lock and, unless ``lock_only``, its environment.

    Without ``--python`` the environment is the one Poetry would use, found by
    ``env.locate`` (both entry points share that lookup). ``interpreter`` is an
    already-probed target (the install guard passes what Poetry knows about its env,
    saving a subprocess); it wins over ``python``. ``lock`` is poetry.lock as already
    read (the guard of an install, which read it before Poetry did), saving a second
    read. Raises LockguardError when something cannot be checked.
    """
    if options.lock_only and options.integrity:
        # As Poetry refuses contradicting options rather than ignore one of them.
        raise LockguardError(
            "--lock-only and --integrity cannot be used together: --integrity verifies"
            " the installed files, which --lock-only does not look at"
        )
    started = perf_counter()
    project_dir = options.project_dir.resolve()
    pyproject = project_dir / "pyproject.toml"
    if not pyproject.exists():
        raise LockFileError(f"{pyproject}: file not found (is this a Poetry project?)")
    project = read_project(pyproject)
    policy = load_policy(project.lockguard_config)
    lock_path = project_dir / "poetry.lock"
    try:
        selection = resolve_selection(options.selection, project)
    except SelectionError:
        # As Poetry does, a stale lock is named before the selection is read against
        # it: an extra only the lock has is the lock's problem, not the option's.
        stale = _stale_lock_report(options, project_dir, project, lock_path)
        if stale is None:
            raise
        return stale

    if not lock_path.exists():
        return Report(
            project=str(project_dir),
            lock=LockInfo(path=str(lock_path)),
            environment=None,
            selection=selection,
            findings=(lock_missing_finding(),),
            directory_option=_hint_directory(options, project_dir),
        )

    # Start the target interpreter now so that it starts up while the lock is parsed;
    # an error locating it is raised where it always was, after the lock's errors.
    probe: PendingProbe | KnownInterpreter | None = None
    locate_error: Exception | None = None
    why = "the environment Poetry runs the command in"
    if interpreter is not None and not options.lock_only:
        probe = KnownInterpreter(interpreter)
    elif not options.lock_only:
        try:
            python, why = _interpreter(options, project, project_dir)
            probe = start_probe(python, with_tags=options.integrity)
        except Exception as e:  # noqa: BLE001 - raised below, after the lock's errors
            locate_error = e
    try:
        return _check_lock_and_environment(
            options,
            project_dir,
            project,
            policy,
            selection,
            lock_path,
            lock,
            probe,
            locate_error,
            progress,
            Trace(started, why),
        )
    finally:
        if probe is not None:
            probe.cancel()


def _stale_lock_report(
    options: CheckOptions, project_dir: Path, project: Project, lock_path: Path
) -> Report | None:
    """The ``lock-stale`` report when poetry.lock exists and is stale, else None."""
    if not lock_path.is_file():
        return None
    lock = read_lock(lock_path)
    findings = FreshnessCheck().run(lock, project)
    if not findings:
        return None
    return Report(
        project=str(project_dir),
        lock=LockInfo(
            path=str(lock_path),
            version=lock.lock_version,
            content_hash=lock.content_hash,
            fresh=False,
            packages=len(lock.packages),
        ),
        environment=None,
        selection=resolve_selection(SelectionRequest(), project),
        findings=tuple(findings),
        directory_option=_hint_directory(options, project_dir),
    )


class KnownInterpreter:
    """A probe whose answer is already known (same interface as PendingProbe)."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.python = interpreter.executable
        self._interpreter = interpreter

    def result(self) -> Interpreter:
        return self._interpreter

    def cancel(self) -> None:
        return None


def target_interpreter(project_dir: Path, python: Path | None = None) -> Interpreter:
    """The probed interpreter of the environment a check of ``project_dir`` looks at:
    ``python`` when given, else the one Poetry would use (never created)."""
    from poetry_lockguard.env.probe import probe_interpreter

    project = read_project(project_dir / "pyproject.toml")
    options = CheckOptions(project_dir=project_dir, python=python)
    return probe_interpreter(_interpreter(options, project, project_dir)[0])


def _interpreter(options: CheckOptions, project: Project, project_dir: Path) -> tuple[Path, str]:
    """The interpreter to check, and why that one (for ``-v``)."""
    if options.python is not None:
        return interpreter_in(options.python), "the --python given"
    return locate_project_interpreter(project_dir, project.name)


def _check_lock_and_environment(
    options: CheckOptions,
    project_dir: Path,
    project: Project,
    policy: Policy,
    selection: Selection,
    lock_path: Path,
    known_lock: Lock | None,
    probe: PendingProbe | KnownInterpreter | None,
    locate_error: Exception | None,
    progress: Callable[[int, int], None] | None,
    trace: Trace,
) -> Report:
    lock = known_lock if known_lock is not None else read_lock(lock_path)
    findings: list[Finding] = FreshnessCheck().run(lock, project)
    lock_info = LockInfo(
        path=str(lock_path),
        version=lock.lock_version,
        content_hash=lock.content_hash,
        fresh=not findings,
        packages=len(lock.packages),
    )

    if options.lock_only:
        in_selection = packages_on_some_platform(lock, project, selection)
        findings += HashCheck().run(in_selection, policy)
        return Report(
            project=str(project_dir),
            lock=lock_info,
            environment=None,
            selection=selection,
            findings=tuple(findings),
            required=len(in_selection),
            directory_option=_hint_directory(options, project_dir),
        )

    if locate_error is not None:
        raise locate_error
    assert probe is not None
    trace.step("project and lock read")
    interpreter = probe.result()
    trace.step("interpreter probed")
    python = probe.python
    notes: tuple[str, ...] = ()
    request = options.selection
    chosen_by = "the options given" if not request.is_empty else "the project's default groups"
    if request.is_empty and options.recorded_selection:
        memory = _recorded_selection(interpreter.prefix, project, project_dir)
        recorded, notes = memory.request, memory.notes
        if memory.ignored:
            chosen_by += f"; the recorded selection was ignored: {memory.ignored}"
        if recorded is not None and not recorded.is_empty:
            request = recorded
            chosen_by = "the selection the last guarded install recorded"
            selection = resolve_selection(recorded, project)
            notes += (
                (
                    "selection from the last guarded install:"
                    f" {recorded.as_poetry_options().strip()} (options given here win)"
                ),
            )
    findings += PythonVersionCheck().run(project, interpreter.version, str(python))
    required = required_packages(lock, project, selection, interpreter.marker_env)
    ambiguous = ambiguous_packages(lock, selection, interpreter.marker_env)
    findings += ambiguity_findings(ambiguous)
    findings += HashCheck().run(required.values(), policy)
    installed = scan_distributions(interpreter.search_path, interpreter.origins)
    trace.step("installed distributions read")
    locked = lock.by_name()
    unselected = widening_options(
        lock,
        project,
        selection,
        interpreter.marker_env,
        {d.name for d in installed if d.name not in required and d.name in locked},
    )
    # Poetry installs the root only in package mode: then its own install is no drift.
    root = project.name if project.package_mode else ""
    if (
        root
        and root not in {d.name for d in installed}
        and _root_recorded(interpreter, project_dir)
    ):
        findings.append(
            finding(
                "root-missing",
                root,
                f"{project.name} (this project) was installed by the last guarded install"
                " but is not installed now",
                expected="installed",
            )
        )
    runs_here = _runs_in(interpreter.prefix)
    findings += EnvironmentCheck(project_dir, root, runs_here=runs_here).run(
        required,
        installed,
        policy,
        unselected,
        strict=options.strict,
        alternatives=ambiguous,
    )

    trace.step("checked")
    files_checked = 0
    contents: dict[str, str] | None = None
    if options.integrity:
        from poetry_lockguard.checks.anchored import archive_sources
        from poetry_lockguard.checks.integrity import IntegrityCheck
        from poetry_lockguard.env.locate import poetry_cache_dir
        from poetry_lockguard.env.venv_files import seed_wheel_dirs
        from poetry_lockguard.versions import same_version

        if options.strict and not policy.require_anchored:  # --strict: every package anchored
            policy = policy.requiring_anchored()
        archives = archive_sources(
            project_dir,
            poetry_cache_dir(project_dir),
            options.wheelhouse,
            policy,
            seed_wheel_dirs(interpreter),
        )
        # Present without the lock and not drift: each is verified like a locked one.
        tolerated = frozenset(
            f.package for f in findings if f.code in _TOLERATED and f.package
        ) | frozenset(d.name for d in installed if d.name in policy.allow_extraneous)
        # Locked packages of another selection that are installed are verified too:
        # their files run when imported, whatever selects them.
        versions = {d.name: d.version for d in installed}
        verified = {
            **{
                name: package
                for name, (package, _) in unselected.items()
                if name in versions and same_version(versions[name], package.version)
            },
            **required,
        }
        scratch = None
        try:
            if options.download_archives or policy.download_archives:
                import tempfile

                scratch = tempfile.mkdtemp(prefix="lockguard-archives-")
                _download_missing(
                    scratch,
                    installed,
                    verified,
                    archives,
                    interpreter,
                    dict(options.download_sources),
                )
            integrity = IntegrityCheck(
                interpreter, policy, archives=archives, root=root, tolerated=tolerated
            ).run(installed, verified, progress=progress)
        finally:
            if scratch is not None:
                import shutil

                shutil.rmtree(scratch, ignore_errors=True)
        findings += integrity.findings
        if integrity.receipts_unverifiable:
            notes += (UNVERIFIABLE_RECEIPTS,)
        files_checked = integrity.files_checked
        contents = integrity.contents
        trace.step("files verified")

    other, other_is_venv = "", False
    if options.python is not None and any(f.code in INSTALLING for f in findings):
        other, other_is_venv = _other_environment(options.python, interpreter, project_dir, project)
    return Report(
        project=str(project_dir),
        lock=lock_info,
        environment=EnvironmentInfo(
            path=str(interpreter.prefix),
            python=str(python),
            python_version=interpreter.version,
            fingerprint=fingerprint(
                (d for d in installed if not d.problem), lock.by_name(), contents
            ),
            packages=len(installed),
        ),
        selection=selection,
        findings=tuple(findings),
        required=len(required),
        integrity=options.integrity,
        files_checked=files_checked,
        notes=notes,
        sync_options=request.as_poetry_options(),
        directory_option=_hint_directory(options, project_dir),
        other_environment=other,
        other_is_venv=other_is_venv,
        trace=trace.lines(project_dir, interpreter.prefix, selection, chosen_by),
        required_names=frozenset(required),
    )


class Trace:
    """What ``-v`` shows: where the environment was found and why, which selection and
    why, and how long each step took."""

    def __init__(self, started: float, why: str) -> None:
        self._last = self._started = started
        self._why = why
        self._steps: list[tuple[str, float]] = []

    def step(self, name: str) -> None:
        """Mark the end of the step ``name``."""
        now = perf_counter()
        self._steps.append((name, now - self._last))
        self._last = now

    def lines(
        self, project_dir: Path, prefix: Path, selection: Selection, chosen_by: str
    ) -> tuple[str, ...]:
        steps = ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in self._steps)
        total = (perf_counter() - self._started) * 1000
        groups = ", ".join(sorted(selection.groups)) or "none"
        extras = ", ".join(sorted(selection.extras)) or "none"
        return (
            f"project: {project_dir}",
            f"environment: {prefix} ({self._why})",
            f"selection: groups {groups}; extras {extras} ({chosen_by})",
            f"timings: {steps}; {total:.1f} ms in all",
        )


def _hint_directory(options: CheckOptions, project_dir: Path) -> str:
    if options.hint_directory is not None:
        return options.hint_directory
    return directory_option(project_dir)


def directory_option(project_dir: Path) -> str:
    """`` -C DIR`` for a Poetry command run from the current directory to reach the
    project at ``project_dir``; "" where Poetry finds it itself (here or above)."""
    import os

    from pathlib import Path

    here = Path.cwd().resolve()
    if project_dir == here or project_dir in here.parents:
        return ""
    from shlex import quote

    try:
        shown = os.path.relpath(project_dir, here)
    except ValueError:  # another drive
        shown = str(project_dir)
    if shown.startswith(os.pardir + os.sep + os.pardir):
        shown = str(project_dir)
    return f" -C {quote(shown)}"


def _other_environment(
    python: Path, interpreter: Interpreter, project_dir: Path, project: Project
) -> tuple[str, bool]:
    """(``python`` as given, whether it is a virtualenv) when the environment it names
    is not the one Poetry uses for the project; ("", False) when it is."""
    try:
        own = find_project_interpreter(project_dir, project.name)
    except LockguardError:
        own = None
    prefix = interpreter.prefix.resolve()
    if own is not None and own.parent.parent.resolve() == prefix:
        return "", False
    return str(python), (prefix / "pyvenv.cfg").is_file()


#: The note of a check under --integrity that had no key to verify receipts with.
UNVERIFIABLE_RECEIPTS = (
    "install receipts could not be verified: there is no key here (a CI job without"
    " POETRY_LOCKGUARD_STATE_DIR, or another machine than the one that installed), so a"
    " receipt proves only what it names"
)


def _runs_in(prefix: Path) -> bool:
    """Whether ``prefix`` is the environment this check itself runs in."""
    import os
    import sys

    try:
        return os.path.realpath(sys.prefix) == os.path.realpath(prefix)
    except OSError:
        return False


def _recorded_selection(prefix: Path, project: Project, project_dir: Path) -> RecordedSelection:
    from poetry_lockguard.env.state import recorded_request

    return recorded_request(prefix, project, project_dir)


__all__ = [
    "CheckOptions",
    "Outcome",
    "check",
    "exit_code",
    "find_project_dir",
    "run_check",
    "target_interpreter",
]


def _download_missing(
    scratch: str,
    installed: list[Distribution],
    verified: Mapping[str, LockedPackage],
    archives: ArchiveSources,
    interpreter: Interpreter,
    sources: Mapping[str, Source],
) -> None:
    """Download the locked archives ``archives`` lacks into ``scratch`` (a directory of
    this run, which the caller removes) and add it to ``archives``; a failure is noted
    in ``archives.problems``, for the ``unanchored`` finding to say."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from poetry_lockguard.checks.anchored import missing_archives
    from poetry_lockguard.env.archives import ArchiveDir
    from poetry_lockguard.env.download import Downloader
    from poetry_lockguard.env.download import DownloadError

    downloader = Downloader(Path(scratch), sources)
    wanted = missing_archives(installed, verified, archives, interpreter.tags)

    def fetch(item: tuple[LockedPackage, LockedFile]) -> tuple[str, str]:
        package, locked = item
        try:
            downloader.fetch(package, locked)
        except DownloadError as e:
            return package.name, f"downloading {locked.name} failed: {e}"
        except (OSError, MemoryError) as e:  # the run's own directory
            return package.name, f"downloading {locked.name} failed: {e}"
        return package.name, ""

    fetched = False
    with ThreadPoolExecutor(max_workers=4) as pool:
        for name, problem in pool.map(fetch, wanted):
            if problem:
                archives.problems[name] = problem
            fetched = fetched or not problem
    if fetched:
        archives.add(ArchiveDir(Path(scratch), "downloaded from the lock's sources", False))


def _root_recorded(interpreter: Interpreter, project_dir: Path) -> bool:
    from poetry_lockguard.env.state import recorded_root

    return recorded_root(interpreter.prefix, project_dir)
