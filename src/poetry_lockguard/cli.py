"""``python -m poetry_lockguard``: the check where Poetry is not installed.

This module must never import Poetry's application (poetry.console, poetry.factory,
poetry.installation): it has to start fast in production images.
"""

from __future__ import annotations

import argparse
import os
import sys

from pathlib import Path
from typing import TYPE_CHECKING

from poetry_lockguard import __version__


if TYPE_CHECKING:
    from collections.abc import Sequence

    from poetry_lockguard.app import CheckOptions


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``check`` with the options ``poetry install`` has."""
    parser = argparse.ArgumentParser(
        prog="python -m poetry_lockguard",
        description="Verify a Python environment against poetry.lock.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="check an environment against poetry.lock",
        description="Check an environment against poetry.lock. Exit 0: matches;"
        " 1: error findings; 2: could not check.",
        epilog="example: python -m poetry_lockguard check -C /srv/app"
        " --python /srv/app/.venv/bin/python --format json",
    )
    add_check_arguments(check)
    return parser


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    """Add the check options (shared with the tests)."""
    check.add_argument(
        "-C", "--directory", type=Path, default=None,
        help="the project directory (default: the nearest directory at or above the"
        " current one that holds pyproject.toml, as Poetry finds it)",
    )
    check.add_argument(
        "--python", type=Path, default=None,
        help="the interpreter (or venv directory) to check; default: the project's env",
    )
    check.add_argument("--with", dest="with_groups", action="append", default=[],
                       help="optional dependency groups to include")
    check.add_argument("--without", dest="without_groups", action="append", default=[],
                       help="dependency groups to leave out")
    check.add_argument("--only", dest="only_groups", action="append", default=[],
                       help="the only dependency groups to include")
    check.add_argument("--all-groups", action="store_true",
                       help="include every dependency group")
    check.add_argument("-E", "--extras", action="append", default=[],
                       help="extras to include")
    check.add_argument("--all-extras", action="store_true", help="include every extra")
    check.add_argument("--lock-only", action="store_true",
                       help="check only the lock (present, fresh, hashed)")
    check.add_argument("--integrity", action="store_true",
                       help="also verify every installed file against its RECORD")
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="output format (default: text)")
    check.add_argument("-v", "--verbose", action="count", default=0,
                       help="-vvv adds the traceback to an error")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="print nothing; the exit code tells")


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    """CheckOptions from parsed arguments (the project is searched for upwards)."""
    from poetry_lockguard.app import CheckOptions
    from poetry_lockguard.app import find_project_dir
    from poetry_lockguard.lock.selection import SelectionRequest

    return CheckOptions(
        project_dir=args.directory if args.directory is not None else find_project_dir(Path()),
        python=args.python,
        selection=SelectionRequest(
            with_groups=tuple(args.with_groups),
            without_groups=tuple(args.without_groups),
            only_groups=tuple(args.only_groups),
            all_groups=args.all_groups,
            extras=tuple(args.extras),
            all_extras=args.all_extras,
        ),
        lock_only=args.lock_only,
        integrity=args.integrity,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 findings, 2 could not check)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        # argparse exits 2 on a usage error and 0 for --help/--version.
        return int(e.code or 0)
    if args.command != "check":
        parser.print_help(sys.stdout)
        return 0

    from poetry_lockguard.app import Outcome
    from poetry_lockguard.app import check
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.report.formats import render_error
    from poetry_lockguard.report.style import render_tags

    debug = args.verbose >= 3
    progress = None
    if args.format == "text" and args.integrity and not args.quiet and sys.stderr.isatty():
        from poetry_lockguard.report.progress import ProgressBar

        progress = ProgressBar(sys.stderr)
    try:
        outcome = check(options_from_args(args), args.format, progress=progress, debug=debug)
    except LockguardError as e:  # the project could not be found
        outcome = Outcome(render_error(args.format, str(e)), f"lockguard: {e}\n", 2)
    except KeyboardInterrupt:
        sys.stderr.write("lockguard: interrupted\n")
        return 130
    finally:
        if progress is not None:
            progress.close()
    if args.quiet:
        return outcome.exit_code
    text = outcome.stdout
    if args.format == "text":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render_tags(text, colour=colour)
    sys.stdout.write(text)
    sys.stderr.write(outcome.stderr)
    return outcome.exit_code
