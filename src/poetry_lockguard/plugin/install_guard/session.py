"""One guarded command run: its state and the order of the guard's steps.

What each step does lives in its own module: the gate's decisions (``gate.py``), the
verification before the first operation (``preflight.py``), the checks at the point
of use (``hooks.py``), receipts (``receipts.py``), the check after a good install
(``after_install.py``), what it leaves in the environment (``install_state.py``), the
project files a refusal restores (``project_files.py``), refusing or warning
(``verdict.py``) and every contact with Poetry's internals (``poetry_api``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.checks.lockfile import lock_missing_finding
from poetry_lockguard.errors import LockFileError
from poetry_lockguard.lock.reader import read_lock
from poetry_lockguard.lock.selection import SelectionRequest
from poetry_lockguard.plugin.install_guard.gate import transaction_findings
from poetry_lockguard.plugin.install_guard.hooks import InstallPoint
from poetry_lockguard.plugin.install_guard.plan import locked_packages
from poetry_lockguard.plugin.install_guard.plan import planned_packages
from poetry_lockguard.plugin.install_guard.project_files import ProjectSnapshot
from poetry_lockguard.plugin.install_guard.project_files import lines_of
from poetry_lockguard.plugin.install_guard.project_files import lock_lines
from poetry_lockguard.plugin.install_guard.project_files import locked_names
from poetry_lockguard.plugin.install_guard.verdict import Verdict
from poetry_lockguard.plugin.install_guard.verify import package_key
from poetry_lockguard.plugin.poetry_api import ExecutorInternals
from poetry_lockguard.plugin.poetry_api import executor_of
from poetry_lockguard.plugin.poetry_env import interpreter_of
from poetry_lockguard.plugin.refusal import GuardRefusal
from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from collections.abc import Callable

    from cleo.io.io import IO
    from poetry.console.commands.installer_command import InstallerCommand
    from poetry.installation.operations.operation import Operation

    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import Lock
    from poetry_lockguard.plugin.install_guard.after_install import InstalledEntries
    from poetry_lockguard.plugin.install_guard.gate import GuardSettings
    from poetry_lockguard.plugin.install_guard.verify import VerifiedArtifact

#: Commands whose lock is an input they must not create (like ``npm ci``).
LOCK_CONSUMERS = ("install", "sync")


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
        dry_run = bool(self._option("dry-run"))
        self.dry_run = dry_run
        self.command_line = f"poetry {kind}" + (" --dry-run" if dry_run else "")
        if dry_run:
            nothing_changed = "Nothing was changed (dry run)."
        elif kind in LOCK_CONSUMERS:
            nothing_changed = "Nothing was installed."
        else:
            nothing_changed = "Nothing was installed; pyproject.toml and poetry.lock are unchanged."
        self.verdict = Verdict(
            io,
            enforce=settings.mode == "enforce",
            dry_run=dry_run,
            command_line=self.command_line,
            nothing_changed=nothing_changed,
        )
        self.executed = False
        self.verified: dict[tuple[str, str], VerifiedArtifact] = {}
        self.install_point: InstallPoint | None = None
        self.snapshot: ProjectSnapshot | None = None
        #: install/sync: poetry.lock as read before Poetry starts (it does not change).
        self.lock: Lock | None = None
        #: add/update/remove: what was installed before the operations, and the
        #: packages they install, update or remove (None: not recorded).
        self.before: InstalledEntries | None = None
        self.touched: set[str] = set()
        self.site_dirs: tuple[Path, ...] = ()

    # -- COMMAND, before Poetry configures the env and installer --------------------
    def start(self) -> None:
        """Print the override note, snapshot the project files, refuse a missing lock."""
        if self.settings.override_note:
            self.io.write_error_line(f"<comment>{self.settings.override_note}</comment>")
        self.snapshot = ProjectSnapshot(self.project_dir)
        if self.kind not in LOCK_CONSUMERS:
            return
        lock_path = self.project_dir / "poetry.lock"
        if not lock_path.exists():
            self.verdict.refuse_or_warn(
                [lock_missing_finding()],
                "Nothing was resolved, locked or installed.",
                hint="run `poetry lock`, review and commit poetry.lock, then"
                f" `poetry {self.kind}` again",
            )
            return
        # A lock `check` refuses (one package locked twice, a file with two hashes) is
        # refused here too, before Poetry resolves or installs anything from it.
        try:
            self.lock = read_lock(lock_path)
        except LockFileError as error:
            self.verdict.refuse_unreadable(error)

    # -- COMMAND, after Poetry set command.installer --------------------------------
    def arm(self) -> None:
        """Wrap the installer's executor so the guard runs before and after operations.

        Raises MissingInternalsError when the running Poetry lacks a name the guard
        needs: the listener refuses (enforce) or runs without the guard (warn).
        """
        internals = ExecutorInternals(executor_of(self.command))

        def wrap_execute(original: Callable[[list[Operation]], int]) -> Callable[..., int]:
            def execute(operations: list[Operation]) -> int:
                internals.prime_site_packages()
                if self.kind not in LOCK_CONSUMERS and self.before is None:
                    self._record_before(internals, operations)
                self._guarded(lambda: self.before_operations(internals, operations))
                status = original(operations)
                if status == 0 and internals.executor.enabled and not self.dry_run:
                    self.executed = True
                return status

            return execute

        internals.wrap_execute(wrap_execute)
        point = InstallPoint(
            internals,
            self.verdict.refuse_operation,
            self.verified,
            set(self.settings.policy.allow_unhashed),
            on_error=self._install_point_error,
        )
        point.arm()
        self.install_point = point
        internals.wrap_operations(
            lambda original: self._with_receipt(internals, point.operation(original))
        )

    def before_operations(self, internals: ExecutorInternals, operations: list[Operation]) -> None:
        """Refuse unpinned packages, then verify every archive and plan the builds."""
        from poetry_lockguard.plugin.install_guard.preflight import preflight

        if not internals.executor.enabled and not self.dry_run:
            return  # --lock: nothing is installed
        targets = planned_packages(operations)
        if not targets:
            return
        nothing_changed = self.verdict.nothing_changed
        lines = lock_lines(self.project_dir) if self.lock is None else lines_of(self.lock)
        planned = locked_packages(targets, lines)
        findings = transaction_findings(planned, self.settings.policy)
        if findings and (self.verdict.enforce or self.dry_run):
            self.verdict.refuse_or_warn(findings, nothing_changed)
        if self.dry_run and self.settings.policy.build == "allow":
            return  # a dry run downloads nothing: archives are verified only for real
        # A dry run asks the source which archive each package would come from (nothing
        # downloaded), so that it names the same builds (build-refused) as the real run.
        checked = preflight(internals, targets, planned, self.settings.policy, dry_run=self.dry_run)
        self.verified.update(checked.verified)
        findings += checked.findings
        if self.settings.policy.build == "warn" and checked.builds:
            listed = ", ".join(f"{name} ({what})" for name, what in sorted(checked.builds.items()))
            self.io.write_error_line(
                f"<warning>lockguard: will build from source: {escape_tags(listed)}</warning>"
            )
        if findings:
            self.verdict.refuse_or_warn(findings, nothing_changed)

    def _with_receipt(
        self, internals: ExecutorInternals, original: Callable[[Any], int]
    ) -> Callable[[Any], int]:
        from poetry_lockguard.plugin.install_guard.receipts import write_receipts

        def run(operation: Any) -> int:
            result = original(operation)
            artifact = self.verified.get(package_key(operation.package))
            if result == 0 and artifact is not None:
                # Verified: the commit checked out is the locked one, or the archive's
                # sha256 is one poetry.lock lists (not so for a package the lock has no
                # hash for, installed in warn mode).
                locked = {str(f.get("hash", "")) for f in operation.package.files}
                write_receipts(
                    internals.site_dirs(),
                    operation.package.name,
                    operation.package.version.text,
                    artifact.url,
                    artifact.sha256,
                    artifact.commit,
                    verified=bool(artifact.commit) or f"sha256:{artifact.sha256}" in locked,
                )
            return result

        return run

    def _record_before(self, internals: ExecutorInternals, operations: list[Operation]) -> None:
        """What is installed before add/update/remove changes anything, so that drift
        that was already there is told apart from drift the command made."""
        from poetry_lockguard.plugin.install_guard.after_install import installed_entries

        try:
            self.site_dirs = internals.site_dirs()
            self.before = installed_entries(self.site_dirs)
        except Exception:  # noqa: BLE001 - without it, all drift counts as the command's
            self.before = None
            return
        self.touched = {op.package.name for op in operations if not op.skipped}

    def _install_point_error(self, error: BaseException) -> None:
        if self.io.is_debug():
            raise error
        self.verdict.internal_failure(error)

    # -- TERMINATE ------------------------------------------------------------------
    def finish(self, exit_code: int, set_exit_code: Callable[[int], None]) -> None:
        """Undo file changes of a refused run; check the environment after a good one."""
        if self.verdict.refused:
            if self.snapshot is not None:
                self.snapshot.restore()
            return
        if self.executed:
            self._announce_builds()
        if exit_code != 0 or not self.executed or self._option("only-root"):
            return
        interpreter = interpreter_of(self.command.env)
        kept = None
        if interpreter is not None:
            from poetry_lockguard.plugin.install_guard.install_state import leave_state

            recorded = self._selection() if self.kind in LOCK_CONSUMERS else None
            # `install`/`sync` install the project itself unless --no-root (in package
            # mode: the check knows whether it is).
            root = None if recorded is None else not self._option("no-root")
            kept = leave_state(
                interpreter,
                self.project_dir,
                recorded,
                self.settings.policy.pip_fence,
                self.io,
                root,
            )
        self._check_environment(interpreter, set_exit_code, kept)

    def _check_environment(
        self,
        interpreter: Any,
        set_exit_code: Callable[[int], None],
        kept: SelectionRequest | None = None,
    ) -> None:
        """The check after a good command; ``kept`` is the selection the environment
        holds, which a hint's ``poetry sync`` must name (``poetry add`` keeps the one
        recorded by the install before it)."""
        from poetry_lockguard.plugin.install_guard.after_install import check_after_install
        from poetry_lockguard.plugin.install_guard.after_install import drift_lines

        enforce = self.verdict.enforce
        try:
            findings = check_after_install(
                self.project_dir,
                Path(self.command.env.python),
                interpreter,
                self._selection(),
                None if self.kind in LOCK_CONSUMERS else locked_names(self.project_dir),
                self.lock,
            )
        except Exception as e:
            if self.io.is_debug():
                raise
            line = f"lockguard: could not check the environment after `{self.command_line}`: {e}"
            style = "error" if enforce else "warning"
            self.io.write_error_line(f"<{style}>{escape_tags(line)}</{style}>")
            if enforce:
                set_exit_code(2)
            return
        earlier: list[Finding] = []
        if self.before is not None:
            from poetry_lockguard.plugin.install_guard.after_install import installed_entries
            from poetry_lockguard.plugin.install_guard.after_install import preexisting

            after = installed_entries(self.site_dirs)
            earlier = preexisting(findings, self.before, after, self.touched)
        from poetry_lockguard.commands.check import directory_option

        made, found = drift_lines(
            findings,
            self.verdict.reported,
            self.command_line,
            kept or self._selection(),
            earlier,
            directory_option(self.project_dir.resolve()),
        )
        if made and enforce:
            self.io.write_error_line(f"<error>{escape_tags(made[0])}</error>")
            for line in made[1:]:
                self.io.write_error_line(escape_tags(line))
            set_exit_code(1)
        elif made:
            made[0] += " [warn mode: exit code unchanged]"
            for line in made:
                self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")
        for line in found:
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
            self.verdict.internal_failure(e)

    def _option(self, name: str) -> Any:
        # At COMMAND time the command has no io yet; the input is already bound.
        if not self.io.input.has_option(name):
            return None
        return self.io.input.option(name)

    def _selection(self) -> SelectionRequest:
        """The groups and extras the command was run with (None where it has no option).

        ``poetry add -E x`` names an extra of the dependency added, not of the project:
        it selects nothing (Poetry's add installs the project's default selection)."""
        if self.kind == "add":
            return SelectionRequest.from_poetry_options(
                lambda name: None if name == "extras" else self._option(name)
            )
        return SelectionRequest.from_poetry_options(self._option)
