"""One guarded command run: gate, verification, receipts, check, and undo on refusal."""

from __future__ import annotations

import contextlib
import os

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.checks.finding import Severity
from poetry_lockguard.checks.lockfile import lock_missing_finding
from poetry_lockguard.guard.gate import build_findings
from poetry_lockguard.guard.gate import planned_builds
from poetry_lockguard.guard.gate import transaction_findings
from poetry_lockguard.guard.hooks import InstallPoint
from poetry_lockguard.guard.poetry_env import interpreter_of
from poetry_lockguard.guard.receipts import installed_dist_infos
from poetry_lockguard.guard.receipts import write_receipt
from poetry_lockguard.guard.refusal import GuardInternalError
from poetry_lockguard.guard.refusal import GuardRefusal
from poetry_lockguard.guard.refusal import finding_lines
from poetry_lockguard.guard.verify import ArtifactVerifier
from poetry_lockguard.guard.verify import VerifiedArtifact
from poetry_lockguard.guard.verify import package_key
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from collections.abc import Callable

    from cleo.io.io import IO
    from poetry.console.commands.installer_command import InstallerCommand
    from poetry.core.packages.package import Package
    from poetry.installation.executor import Executor
    from poetry.installation.operations.operation import Operation

    from poetry_lockguard.checks.finding import Finding
    from poetry_lockguard.guard.gate import GuardSettings

#: Commands whose lock is an input they must not create (like ``npm ci``).
LOCK_CONSUMERS = ("install", "sync")

#: Hints for the codes only the guard reports (the check's hints cover the rest).
GUARD_HINTS = {
    "hash-mismatch": "the source (or Poetry's artifact cache) holds other bytes than"
    " poetry.lock pins: find out why before re-locking (`poetry lock --regenerate` would"
    " trust the new bytes)",
    "sdist-fallback": "the locked wheel changed on the source: find out why before"
    " re-locking; set installer.no-binary for the package if building it is intended",
}


class GuardSession:
    """The guard's state for one ``poetry install|sync|add|update|remove`` run."""

    def __init__(
        self, command: InstallerCommand, kind: str, io: IO, settings: GuardSettings
    ) -> None:
        self.command = command
        self.kind = kind
        self.io = io
        self.settings = settings
        self.project_dir = command.poetry.pyproject_path.parent
        self.dry_run = bool(self._option("dry-run"))
        self.refused = False
        #: The guard itself failed (exit code 2): set by _guarded and the install point.
        self.internal_error = False
        self.executed = False
        self.verified: dict[tuple[str, str], VerifiedArtifact] = {}
        self.install_point: InstallPoint | None = None
        self._snapshot: dict[Path, bytes | None] = {}
        #: Findings of the install point, refused while operations ran.
        self.late_findings: list[Finding] = []
        #: (code, package) already printed in warn mode, not repeated by the check.
        self.reported: set[tuple[str, str | None]] = set()

    @property
    def enforce(self) -> bool:
        return self.settings.mode == "enforce"

    @property
    def command_line(self) -> str:
        return f"poetry {self.kind}" + (" --dry-run" if self.dry_run else "")

    # -- COMMAND, before Poetry configures the env and installer --------------------
    def start(self) -> None:
        """Print the override note, snapshot the project files, refuse a missing lock."""
        if self.settings.override_note:
            self.io.write_error_line(f"<comment>{self.settings.override_note}</comment>")
        for name in ("pyproject.toml", "poetry.lock"):
            path = self.project_dir / name
            self._snapshot[path] = path.read_bytes() if path.exists() else None
        if self.kind in LOCK_CONSUMERS and not (self.project_dir / "poetry.lock").exists():
            self._refuse_or_warn(
                [lock_missing_finding()],
                "Nothing was resolved, locked or installed.",
                hint="run `poetry lock`, review and commit poetry.lock, then"
                f" `poetry {self.kind}` again",
            )

    # -- COMMAND, after Poetry set command.installer --------------------------------
    def arm(self) -> None:
        """Wrap the installer's executor so the guard runs before and after operations."""
        executor = self.command.installer.executor
        original_execute = executor.execute

        def execute(operations: list[Operation]) -> int:
            prime_site_packages(executor)
            self._guarded(lambda: self.before_operations(executor, operations))
            status = original_execute(operations)
            if status == 0 and executor.enabled and not self.dry_run:
                self.executed = True
            return status

        executor.execute = execute  # type: ignore[method-assign]
        point = InstallPoint(
            executor, self._install_point_finding, self.verified,
            set(self.settings.policy.allow_unhashed), on_error=self._install_point_error,
        )
        point.arm()
        self.install_point = point
        for method in ("_execute_install", "_execute_update"):
            original = point.operation(getattr(executor, method))
            setattr(executor, method, self._with_receipt(executor, original))

    def before_operations(self, executor: Executor, operations: list[Operation]) -> None:
        """Steps 2 and 3: refuse unpinned packages, then verify every archive."""
        if not executor.enabled and not self.dry_run:
            return  # --lock: nothing is installed
        targets = [
            op.package
            for op in operations
            if op.job_type in ("install", "update") and not op.skipped
        ]
        if not targets:
            return
        findings = transaction_findings(targets, self.settings.policy, self._lock_lines())
        if findings and self.enforce:
            self._refuse_or_warn(findings, self._nothing_changed())
        if self.dry_run:
            archives = self._dry_run_archives(executor, targets, findings)
        else:
            verification = ArtifactVerifier(executor).verify(targets)
            self.verified.update(verification.verified)
            findings += verification.findings
            archives = {
                key: artifact.url.rsplit("/", 1)[-1]
                for key, artifact in verification.verified.items()
            }
        builds = planned_builds(targets, archives)
        findings += build_findings(builds, self.settings.policy)
        if self.settings.policy.build == "warn" and builds:
            listed = ", ".join(f"{name} ({what})" for name, what in sorted(builds.items()))
            self.io.write_error_line(
                f"<warning>lockguard: will build from source: {escape_tags(listed)}</warning>"
            )
        if findings:
            self._refuse_or_warn(findings, self._nothing_changed())

    def _dry_run_archives(
        self, executor: Executor, targets: list[Package], findings: list[Finding]
    ) -> dict[tuple[str, str], str]:
        """A dry run downloads and verifies nothing; with ``build = "warn"``/``"refuse"``
        it still asks the source which archive each package would come from, so that it
        names the same builds (``build-refused``) as the real run."""
        if self.settings.policy.build == "allow":
            return {}
        return ArtifactVerifier(executor).planned_archives(targets, findings)

    def _with_receipt(
        self, executor: Executor, original: Callable[[Any], int]
    ) -> Callable[[Any], int]:
        def run(operation: Any) -> int:
            result = original(operation)
            if result == 0:
                self._write_receipt(executor, operation.package)
            return result

        return run

    def _write_receipt(self, executor: Executor, package: Package) -> None:
        artifact = self.verified.get(package_key(package))
        if artifact is None:
            return
        env = executor._env
        for path in installed_dist_infos(
            (env.purelib, env.platlib), package.name, package.version.text
        ):
            write_receipt(path, artifact.url, artifact.sha256, artifact.commit)

    def _install_point_error(self, error: BaseException) -> None:
        if self.io.is_debug():
            raise error
        self.internal_failure(error)

    def _install_point_finding(self, found: Finding) -> None:
        """A finding while Poetry builds or installs: refuse that operation, or warn."""
        if self.enforce:
            self.refused = True
            self.late_findings.append(found)
            raise GuardRefusal(
                "\n".join(
                    [f"lockguard refused `{self.command_line}` (1 problem):",
                     *finding_lines([found])]
                )
            )
        self._refuse_or_warn([found], "")

    # -- TERMINATE ------------------------------------------------------------------
    def finish(self, exit_code: int, set_exit_code: Callable[[int], None]) -> None:
        """Undo file changes of a refused run; check the environment after a good one."""
        if self.refused:
            self._restore()
            return
        if self.executed:
            self._announce_builds()
        if exit_code != 0 or not self.executed or self._option("only-root"):
            return
        self._leave_state()
        try:
            findings = self._check_environment()
        except Exception as e:
            if self.io.is_debug():
                raise
            line = f"lockguard: could not check the environment after `{self.command_line}`: {e}"
            if self.enforce:
                self.io.write_error_line(f"<error>{escape_tags(line)}</error>")
                set_exit_code(2)
            else:
                self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")
            return
        errors = [
            f
            for f in findings
            if f.severity is Severity.ERROR and (f.code, f.package) not in self.reported
        ]
        if not errors:
            return
        from poetry_lockguard.report.text import HINTS

        head = (
            f"lockguard: after `{self.command_line}` the environment does not match"
            f" poetry.lock ({len(errors)} error{'s' if len(errors) != 1 else ''})"
        )
        hint = next(
            (HINTS[f.code] for f in errors if f.code in HINTS), ""
        ).format(options=self._selection().as_poetry_options())
        lines = [head, *finding_lines(errors)]
        if hint:
            lines.append(f"Hint: {hint}")
        if self.enforce:
            self.io.write_error_line(f"<error>{escape_tags(lines[0])}</error>")
            for line in lines[1:]:
                self.io.write_error_line(escape_tags(line))
            set_exit_code(1)
        else:
            lines[0] += " [warn mode: exit code unchanged]"
            for line in lines:
                self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")

    def _announce_builds(self) -> None:
        """Name every package whose installed wheel was built here, not downloaded.

        Removing a package's wheels from the lock silently turns its install into a
        build (its build backend runs): that must not go unnoticed.
        """
        built = [] if self.install_point is None else self.install_point.built_from_source
        if built:
            names = ", ".join(sorted(str(b) for b in built))
            self.io.write_error_line(
                f"<comment>{escape_tags(f'lockguard: built from source: {names}')}</comment>"
            )

    def _leave_state(self) -> None:
        """After Poetry's operations succeeded: remember the selection in the environment
        (a bare ``lockguard check`` and ``poetry run`` use it) and put the pip fence in
        place (``pip-fence = false`` removes it), whatever the check after it finds (it
        installed that selection; the fence keeps pip from adding to any drift). Only in
        a virtualenv: ``env.state`` and ``refresh_fence`` leave any other Python alone."""
        from poetry_lockguard.env.state import write_selection
        from poetry_lockguard.fence import refresh_fence

        interpreter = interpreter_of(self.command.env)
        if interpreter is None:
            return
        if self.kind in LOCK_CONSUMERS:
            write_selection(interpreter.prefix, self._selection().as_dict())
        try:
            note = refresh_fence(
                interpreter.prefix, interpreter.site_dirs[0], interpreter.executable,
                self.settings.policy.pip_fence,
            )
        except OSError as e:
            line = f"lockguard: could not update the pip fence: {e}"
            self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")
            return
        if note:
            self.io.write_error_line(f"<comment>{escape_tags(f'lockguard: {note}')}</comment>")

    def _check_environment(self) -> list[Finding]:
        from poetry_lockguard.app import CheckOptions
        from poetry_lockguard.app import run_check
        selection = self._selection()
        report = run_check(
            CheckOptions(
                project_dir=self.project_dir,
                python=Path(self.command.env.python),
                selection=selection,
                recorded_selection=False,
            ),
            interpreter=interpreter_of(self.command.env),
        )
        findings = list(report.findings)
        if run_sync():
            findings = [f for f in findings if f.code != "extraneous"]
        if self.kind not in LOCK_CONSUMERS:
            # add/update/remove install the default groups and leave other locked
            # groups' packages in place: those are not drift they caused.
            locked = self._locked_names()
            findings = [
                f for f in findings if not (f.code == "extraneous" and f.package in locked)
            ]
        return findings

    # -- helpers --------------------------------------------------------------------
    def _guarded(self, step: Callable[[], None]) -> None:
        """Run a guard step; a crash refuses in enforce mode (fail closed), warns else."""
        try:
            step()
        except GuardRefusal:
            raise
        except Exception as e:
            if self.io.is_debug():
                raise
            self.internal_failure(e)

    def internal_failure(self, error: BaseException) -> None:
        """The guard failed: refuse with one line and exit code 2 (enforce), or warn."""
        message = f"lockguard: the install guard failed ({type(error).__name__}: {error})"
        if self.enforce:
            self.refused = True
            self.internal_error = True
            raise GuardInternalError(
                f"{message}; refusing `{self.command_line}`. {self._nothing_changed()}"
                " Run with -vvv for details."
            ) from error
        self.io.write_error_line(
            f"<warning>{escape_tags(message)}; going on (warn mode)</warning>"
        )

    def _refuse_or_warn(self, findings: list[Finding], outcome: str, hint: str = "") -> None:
        if not hint:
            from poetry_lockguard.report.text import HINTS

            hints = {**HINTS, **GUARD_HINTS}
            hint = next((hints[f.code] for f in findings if f.code in hints), "")
        count = len(findings)
        what = f"{count} problem{'s' if count != 1 else ''}"
        body = finding_lines(findings)
        if hint:
            body.append(f"Hint: {hint}")
        if self.enforce:
            self.refused = True
            verb = "would refuse" if self.dry_run else "refused"
            raise GuardRefusal(
                "\n".join(
                    [f"lockguard {verb} `{self.command_line}` ({what}):", *body, outcome]
                )
            )
        self.reported.update((f.code, f.package) for f in findings)
        lines = [f"lockguard (warn mode) would refuse `{self.command_line}` ({what}):", *body]
        for line in lines:
            self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")

    def _nothing_changed(self) -> str:
        if self.dry_run:
            return "Nothing was changed (dry run)."
        if self.kind in LOCK_CONSUMERS:
            return "Nothing was installed."
        return "Nothing was installed; pyproject.toml and poetry.lock are unchanged."

    def _restore(self) -> None:
        for path, data in self._snapshot.items():
            current = path.read_bytes() if path.exists() else None
            if current == data:
                continue
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)

    def _option(self, name: str) -> Any:
        # At COMMAND time the command has no io yet; the input is already bound.
        if not self.io.input.has_option(name):
            return None
        return self.io.input.option(name)

    def _selection(self) -> SelectionRequest:
        """The groups and extras the command was run with (None where it has no option)."""
        return SelectionRequest.from_poetry_options(self._option)

    def _lock_lines(self) -> dict[tuple[str, str], int]:
        lock = self._read_lock()
        if lock is None:
            return {}
        return {(p.name, p.version): p.line for p in lock.packages if p.line is not None}

    def _locked_names(self) -> set[str]:
        lock = self._read_lock()
        return set() if lock is None else {p.name for p in lock.packages}

    def _read_lock(self) -> Any:
        from poetry_lockguard.lock.reader import read_lock

        path = self.project_dir / "poetry.lock"
        if not path.exists():
            return None
        try:
            return read_lock(path)
        except Exception:  # noqa: BLE001 - line numbers are optional
            return None


def prime_site_packages(executor: Executor) -> None:
    """Fill Poetry's lazy list of writable site directories before threads read it.

    ``SitePackages.writable_candidates`` is computed on first use; under the parallel
    installer a thread that reads it while another fills it sees it empty, and Poetry
    then writes no ``direct_url.json`` for a url, file or git package. Reading it once
    here, before the operations start, closes that race for Poetry and the guard alike.
    """
    # A missing name only reopens Poetry's race; receipts do not depend on it.
    with contextlib.suppress(Exception):
        executor._env.site_packages.writable_candidates  # noqa: B018 - fills the cache


def run_sync() -> bool:
    """True for the ``poetry install`` that ``on-run = "sync"`` runs: it installs what is
    missing and removes nothing, and ``poetry run`` reports what is extraneous after it."""
    from poetry_lockguard.guard.run import RUN_SYNC_VARIABLE

    return os.environ.get(RUN_SYNC_VARIABLE) == "1"


def environ() -> dict[str, str]:
    """The process environment, as the mode override reads it."""
    return dict(os.environ)
