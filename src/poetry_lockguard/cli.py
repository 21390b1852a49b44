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

    from poetry_lockguard.checks.runner import CheckOptions


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
        "-C", "--directory", type=Path, default=Path(),
        help="the project directory (holding pyproject.toml and poetry.lock)",
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
                       help="-vvv shows tracebacks")


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    """CheckOptions from parsed arguments."""
    from poetry_lockguard.checks.runner import CheckOptions
    from poetry_lockguard.lock.selection import SelectionRequest

    return CheckOptions(
        project_dir=args.directory,
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
    args = parser.parse_args(argv)
    if args.command != "check":
        parser.print_help(sys.stderr)
        return 2

    from poetry_lockguard.checks.runner import exit_code
    from poetry_lockguard.checks.runner import run_check
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.report.formats import reporter_for
    from poetry_lockguard.report.style import render_tags

    options = options_from_args(args)
    progress = None
    if args.format == "text" and args.integrity and sys.stderr.isatty():
        from poetry_lockguard.report.progress import ProgressBar

        progress = ProgressBar(sys.stderr)
    try:
        report = run_check(options, progress=progress)
    except LockguardError as e:
        if args.verbose >= 3:
            raise
        sys.stderr.write(f"lockguard: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("lockguard: interrupted\n")
        return 130
    except Exception as e:
        if args.verbose >= 3:
            raise
        sys.stderr.write(
            f"lockguard: internal error: {type(e).__name__}: {e} (run with -vvv for the"
            " traceback)\n"
        )
        return 2
    finally:
        if progress is not None:
            progress.close()
    text = reporter_for(args.format, options.selection.as_poetry_options()).render(report)
    if args.format == "text":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render_tags(text, colour=colour)
    sys.stdout.write(text)
    return exit_code(report)
