"""How the guard answers a problem: refuse the command (enforce mode) or warn.

A refusal raises GuardRefusal (Poetry prints it, exit code 1); a failure of the guard
itself raises GuardInternalError (one line, exit code 2). In warn mode the same lines
go to stderr as warnings and the command goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from poetry_lockguard.findings import hint as code_hint
from poetry_lockguard.plugin.refusal import GuardInternalError
from poetry_lockguard.plugin.refusal import GuardRefusal
from poetry_lockguard.plugin.refusal import finding_lines
from poetry_lockguard.report.style import escape_tags


if TYPE_CHECKING:
    from cleo.io.io import IO

    from poetry_lockguard.findings import Finding


@dataclass
class Verdict:
    """Refuses or warns for one guarded command, and remembers what it did.

    ``command_line`` names the command (``poetry add --dry-run``); ``nothing_changed``
    is the sentence that ends a refusal before anything ran.
    """

    io: IO
    enforce: bool
    dry_run: bool
    command_line: str
    nothing_changed: str
    refused: bool = False
    #: The guard itself failed (exit code 2).
    internal_error: bool = False
    #: (code, package) already printed in warn mode, not repeated by the check.
    reported: set[tuple[str, str | None]] = field(default_factory=set)

    def refuse_or_warn(self, findings: list[Finding], outcome: str, hint: str = "") -> None:
        """Refuse with every finding (enforce), or print them as a warning."""
        if not hint:
            hint = next((text for f in findings if (text := code_hint(f.code))), "")
        count = len(findings)
        what = f"{count} problem{'s' if count != 1 else ''}"
        body = finding_lines(findings)
        if hint:
            body.append(f"Hint: {hint}")
        if self.enforce:
            self.refused = True
            verb = "would refuse" if self.dry_run else "refused"
            raise GuardRefusal(
                "\n".join([f"lockguard {verb} `{self.command_line}` ({what}):", *body, outcome])
            )
        self.reported.update((f.code, f.package) for f in findings)
        lines = [f"lockguard (warn mode) would refuse `{self.command_line}` ({what}):", *body]
        for line in lines:
            self.io.write_error_line(f"<warning>{escape_tags(line)}</warning>")

    def refuse_operation(self, found: Finding) -> None:
        """A finding while Poetry builds or installs: refuse that operation, or warn."""
        if self.enforce:
            self.refused = True
            raise GuardRefusal(
                "\n".join(
                    [
                        f"lockguard refused `{self.command_line}` (1 problem):",
                        *finding_lines([found]),
                    ]
                )
            )
        self.refuse_or_warn([found], "")

    def refuse_unreadable(self, error: BaseException) -> None:
        """An input the guard cannot read as ``check`` reads it (poetry.lock locking a
        package twice): refuse with one line and exit code 2 (enforce), or warn."""
        if self.enforce:
            self.refused = True
            self.internal_error = True
            verb = "would refuse" if self.dry_run else "refused"
            raise GuardInternalError(
                f"lockguard {verb} `{self.command_line}`: {error}. {self.nothing_changed}"
            ) from error
        self.io.write_error_line(
            f"<warning>lockguard (warn mode): {escape_tags(str(error))}; going on</warning>"
        )

    def internal_failure(self, error: BaseException) -> None:
        """The guard failed: refuse with one line and exit code 2 (enforce), or warn."""
        message = f"lockguard: the install guard failed ({type(error).__name__}: {error})"
        if self.enforce:
            self.refused = True
            self.internal_error = True
            raise GuardInternalError(
                f"{message}; refusing `{self.command_line}`. {self.nothing_changed}"
                " Run with -vvv for details."
            ) from error
        self.io.write_error_line(f"<warning>{escape_tags(message)}; going on (warn mode)</warning>")
