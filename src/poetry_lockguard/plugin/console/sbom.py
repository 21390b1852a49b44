from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option

from poetry_lockguard.plugin.console.check import LockguardCheckCommand


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

#: The check's options that choose what is described: the selection and the target.
_SHARED = ("with", "without", "only", "all-groups", "extras", "all-extras", "python")


class LockguardSbomCommand(LockguardCheckCommand):
    name = "lockguard sbom"
    description = "Writes a CycloneDX 1.6 SBOM of the environment as the check verified it."

    options: ClassVar[list[Option]] = [
        *(o for o in LockguardCheckCommand.options if o.name in _SHARED),
        option("output", "o", "The file to write (default: stdout).", flag=False),
    ]

    help = """\
The <info>lockguard sbom</info> command runs the full check (<comment>--integrity</comment>, so the install
receipts are read) and writes a CycloneDX 1.6 JSON SBOM of the environment: every
installed package with its purl, the sha256 of the archive that was installed, the
lock's hashes, its groups and source, the dependency graph from <comment>poetry.lock</comment>, and
whether lockguard verified it (<comment>lockguard:verified</comment>, <comment>lockguard:finding</comment>).
Needs the extra: <info>poetry self add 'poetry-lockguard[sbom]'</info>
(with pipx: <info>pipx inject poetry 'poetry-lockguard[sbom]'</info>).

  <info>poetry lockguard sbom -o sbom.cdx.json</info>
  <info>poetry lockguard sbom --with docs --python /srv/app/.venv/bin/python</info>

Exit codes: 0 written and verified, 1 written with findings, 2 not written.
"""

    def handle(self) -> int:
        from cleo.io.outputs.output import Type

        from poetry_lockguard.commands.check import CheckOptions
        from poetry_lockguard.commands.sbom import make_sbom
        from poetry_lockguard.errors import LockguardError
        from poetry_lockguard.lock.selection import SelectionRequest
        from poetry_lockguard.report.style import escape_tags

        output = self.option("output")
        try:
            options = CheckOptions(
                project_dir=self.project_dir(),
                python=self.python_path(),
                selection=SelectionRequest.from_poetry_options(self.option),
                integrity=True,
            )
        except LockguardError as e:  # the project could not be found
            self.line_error(f"<error>lockguard: {escape_tags(str(e))}</error>")
            return 2
        stdout, stderr, code = make_sbom(
            options, Path(output) if output else None, debug=self.io.is_debug()
        )
        self.io.write(stdout, type=Type.RAW)
        if stderr:
            first, _, rest = stderr.partition("\n")
            tag = "warning" if code == 1 else "error"
            self.line_error(f"<{tag}>{escape_tags(first)}</{tag}>")
            if rest:
                self.io.write_error(rest, type=Type.RAW)
        return code
