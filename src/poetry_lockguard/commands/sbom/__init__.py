"""The SBOM: a CycloneDX document of the environment as the full check verified it."""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_lockguard.commands.check import CheckOptions


def missing_library() -> str:
    """The one line a user without the optional dependency reads: what installs it,
    for the way this copy was installed."""
    from poetry_lockguard.install_route import add_extra_command

    return (
        "lockguard: sbom needs cyclonedx-python-lib, from the extra poetry-lockguard[sbom]:"
        f" {add_extra_command('sbom')}"
    )


def make_sbom(
    options: CheckOptions, output: Path | None, *, debug: bool = False
) -> tuple[str, str, int]:
    """What ``sbom`` writes, for both entry points: (stdout, stderr, exit code).

    The SBOM goes to ``output`` (stdout when None). Exit 0 when it was written and the
    check found nothing, 1 when it was written and records findings (said on stderr),
    2 when nothing was written: cyclonedx-python-lib is missing, the project cannot be
    checked or the file cannot be written (one line on stderr; with ``debug`` the
    traceback follows it).
    """
    import traceback

    from importlib.util import find_spec

    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.report.style import neutralise

    if find_spec("cyclonedx") is None or find_spec("packageurl") is None:
        return "", missing_library() + "\n", 2
    from poetry_lockguard.commands.sbom.cyclonedx import render_cyclonedx
    from poetry_lockguard.commands.sbom.inventory import take_inventory

    try:
        inventory = take_inventory(options)
        document = render_cyclonedx(inventory)
    except LockguardError as e:
        message = str(e)
    except Exception as e:  # noqa: BLE001 - an internal error is "could not make it" too
        message = f"internal error: {type(e).__name__}: {e} (run with -vvv for the traceback)"
    else:
        message = ""
    if message:
        line = neutralise(message.splitlines()[0])
        return "", f"lockguard: {line}\n" + (traceback.format_exc() if debug else ""), 2
    stdout = document
    if output is not None:
        try:
            output.write_text(document, encoding="utf-8")
        except OSError as e:
            return "", f"lockguard: {output}: cannot write ({e.strerror or e})\n", 2
        stdout = ""
    if inventory.verified:
        return stdout, "", 0
    codes = ", ".join(inventory.report.counts())
    unverified = sum(not c.verified for c in inventory.components)
    where = output if output is not None else "stdout"
    return (
        stdout,
        (
            f"lockguard: SBOM written to {where} with findings ({codes});"
            f" {unverified} of {len(inventory.components)} components not verified"
            " (run `poetry lockguard check --integrity` for details)\n"
        ),
        1,
    )
