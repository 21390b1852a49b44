"""``python -m poetry_lockguard``: the check where Poetry is not installed.

This module must never import Poetry's application (poetry.console, poetry.factory,
poetry.installation): it has to start fast in production images.
"""

from __future__ import annotations

import os
import sys

from pathlib import Path
from types import SimpleNamespace

from poetry_lockguard import __version__


TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from collections.abc import Sequence

    from poetry_lockguard.commands.check import CheckOptions


def build_parser(prog: str = "python -m poetry_lockguard") -> argparse.ArgumentParser:
    """The argument parser: ``check`` with the options ``poetry install`` has,
    ``compare``, ``zipapp``, ``repair`` and ``sbom``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog=prog,
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
    compare = sub.add_parser(
        "compare",
        help="compare the JSON reports of many machines",
        description="Compare `check --format json` reports of many machines: machines"
        " that match poetry.lock grouped by fingerprint, and what differs on the others."
        " Exit 0: all match; 1: a machine differs; 2: a report cannot be read.",
        epilog="example: python -m poetry_lockguard compare reports/",
    )
    compare.add_argument(
        "reports",
        nargs="+",
        type=Path,
        metavar="REPORT",
        help="a JSON report, or a directory of *.json reports",
    )
    compare.add_argument(
        "-f",
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format (default: text)",
    )
    zipapp = sub.add_parser(
        "zipapp",
        help="write the single-file checker (a zipapp for Python 3.9+)",
        description="Write a zipapp of the stand-alone check and compare (no Poetry"
        " inside) that any Python 3.9+ runs with nothing installed.",
        epilog="example: python -m poetry_lockguard zipapp lockguard.pyz &&"
        " python3 lockguard.pyz check --project /srv/app --python /srv/app/.venv/bin/python",
    )
    zipapp.add_argument("output", type=Path, metavar="OUT.pyz", help="the file to write")
    repair = sub.add_parser(
        "repair",
        help="reinstall, through the guard, what the check finds (needs Poetry)",
        description="Check with --integrity, take out every package a reinstall fixes"
        " (edited or missing files, broken RECORD, no receipt, another source), and run"
        " one guarded `poetry install` (`poetry sync` with --remove-extraneous). Needs"
        " Poetry with poetry-lockguard in this interpreter.",
        epilog="example: python -m poetry_lockguard repair --dry-run",
    )
    add_target_arguments(repair)
    repair.add_argument(
        "--dry-run", action="store_true", help="list what would be done, change nothing"
    )
    repair.add_argument(
        "--remove-extraneous",
        action="store_true",
        help="also remove packages poetry.lock does not require",
    )
    sbom = sub.add_parser(
        "sbom",
        help="write a CycloneDX SBOM of the verified environment (needs the sbom extra)",
        description="Run the full check (--integrity) and write a CycloneDX 1.6 JSON SBOM"
        " of the environment, recording what was not verified. Exit 0: written, verified;"
        " 1: written with findings; 2: not written.",
        epilog="example: python -m poetry_lockguard sbom -C /srv/app"
        " --python /srv/app/.venv/bin/python -o sbom.cdx.json",
    )
    add_target_arguments(sbom)
    sbom.add_argument(
        "-o", "--output", type=Path, default=None, help="the file to write (default: stdout)"
    )
    sbom.add_argument(
        "-v", "--verbose", action="count", default=0, help="-vvv adds the traceback to an error"
    )
    return parser


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    """Add the check options (shared with the tests)."""
    add_target_arguments(check)
    check.add_argument(
        "--lock-only", action="store_true", help="check only the lock (present, fresh, hashed)"
    )
    check.add_argument(
        "--integrity",
        action="store_true",
        help="also verify every installed file against its RECORD",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="locked packages of unselected groups or extras are errors, and so is a"
        " package --integrity cannot trace to its locked archive",
    )
    check.add_argument(
        "--wheelhouse",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of locked archives --integrity verifies the installed files"
        " against (after Poetry's artifact cache)",
    )
    check.add_argument(
        "--download-archives",
        action="store_true",
        help="--integrity downloads the locked archives it finds nowhere here, from the"
        " sources poetry.lock names (verified by their sha256)",
    )
    check.add_argument(
        "-f",
        "--format",
        choices=("text", "json", "github", "sarif", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    check.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v: where the environment was found, which selection and why, timings;"
        " -vvv adds the traceback to an error",
    )
    check.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no text report (the exit code tells); a --format other than text and an"
        " error are still written",
    )


def add_target_arguments(check: argparse.ArgumentParser) -> None:
    """The project, the interpreter and the selection: what check and repair share."""
    check.add_argument(
        "-C",
        "--directory",
        "--project",
        dest="directory",
        type=Path,
        default=None,
        help="the project directory (default: the nearest directory at or above the"
        " current one that holds pyproject.toml, as Poetry finds it)",
    )
    check.add_argument(
        "--python",
        type=_python_path,
        default=None,
        help="the interpreter (or venv directory) to check; default: the project's env",
    )
    check.add_argument(
        "--with",
        dest="with_groups",
        action="append",
        default=[],
        help="optional dependency groups to include",
    )
    check.add_argument(
        "--without",
        dest="without_groups",
        action="append",
        default=[],
        help="dependency groups to leave out",
    )
    check.add_argument(
        "--only",
        dest="only_groups",
        action="append",
        default=[],
        help="the only dependency groups to include",
    )
    check.add_argument("--all-groups", action="store_true", help="include every dependency group")
    check.add_argument("-E", "--extras", action="append", default=[], help="extras to include")
    check.add_argument("--all-extras", action="store_true", help="include every extra")


def options_from_args(args: argparse.Namespace | SimpleNamespace) -> CheckOptions:
    """CheckOptions from parsed arguments (the project is searched for upwards)."""
    from poetry_lockguard.commands.check import CheckOptions
    from poetry_lockguard.commands.check import find_project_dir
    from poetry_lockguard.lock.selection import SelectionRequest

    return CheckOptions(
        # -C DIR is searched upwards from DIR, as Poetry's own -C/-P are.
        project_dir=find_project_dir(args.directory if args.directory is not None else Path()),
        python=args.python,
        selection=SelectionRequest(
            with_groups=tuple(args.with_groups),
            without_groups=tuple(args.without_groups),
            only_groups=tuple(args.only_groups),
            all_groups=args.all_groups,
            extras=tuple(args.extras),
            all_extras=args.all_extras,
        ),
        lock_only=getattr(args, "lock_only", False),
        integrity=getattr(args, "integrity", False),
        strict=getattr(args, "strict", False),
        wheelhouse=tuple(Path(w) for w in getattr(args, "wheelhouse", ())),
        download_archives=getattr(args, "download_archives", False),
    )


def _python_path(value: str) -> Path:
    """``--python``'s value (argparse's type): an empty path is refused."""
    if not value:
        import argparse

        from poetry_lockguard.errors import EMPTY_PYTHON

        raise argparse.ArgumentTypeError(EMPTY_PYTHON)
    return Path(value)


#: The check's options that take a value: option -> (namespace attribute, appends).
_VALUE_OPTIONS = {
    "-C": ("directory", False),
    "--directory": ("directory", False),
    "--project": ("directory", False),
    "--python": ("python", False),
    "--with": ("with_groups", True),
    "--without": ("without_groups", True),
    "--only": ("only_groups", True),
    "-E": ("extras", True),
    "--extras": ("extras", True),
    "-f": ("format", False),
    "--format": ("format", False),
    "--wheelhouse": ("wheelhouse", True),
}
_FLAG_OPTIONS = {
    "--all-groups": "all_groups",
    "--all-extras": "all_extras",
    "--lock-only": "lock_only",
    "--integrity": "integrity",
    "--strict": "strict",
    "--download-archives": "download_archives",
    "-q": "quiet",
    "--quiet": "quiet",
}
_FORMATS = ("text", "json", "github", "sarif", "markdown")


def fast_check_args(argv: Sequence[str]) -> SimpleNamespace | None:
    """The namespace argparse would make of a plain ``check ...`` command line, without
    importing argparse (a tenth of the stand-alone check's start-up), or None when the
    line uses anything else (help, abbreviations, grouped short options, a value that
    starts with ``-``, an unknown option): argparse then parses it, and reports errors.
    A test compares both over generated command lines."""
    if not argv or argv[0] != "check":
        return None
    args = SimpleNamespace(
        command="check",
        directory=None,
        python=None,
        with_groups=[],
        without_groups=[],
        only_groups=[],
        all_groups=False,
        extras=[],
        all_extras=False,
        lock_only=False,
        integrity=False,
        strict=False,
        wheelhouse=[],
        download_archives=False,
        format="text",
        verbose=0,
        quiet=False,
    )
    rest = list(argv[1:])
    while rest:
        word = rest.pop(0)
        option, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if option in _VALUE_OPTIONS:
            if not equals:
                if not rest:
                    return None
                value = rest.pop(0)
            if value.startswith("-"):
                return None  # argparse takes "--" out of a value, and "-x" for an option
            if not value and option == "--python":
                return None  # argparse refuses an empty --python
            name, appends = _VALUE_OPTIONS[option]
            if appends:
                getattr(args, name).append(value)
            elif name != "format":
                setattr(args, name, Path(value))
            elif value in _FORMATS:
                args.format = value
            else:
                return None
        elif option in _FLAG_OPTIONS and not equals:
            setattr(args, _FLAG_OPTIONS[option], True)
        elif word in ("-v", "-vv", "-vvv", "--verbose"):
            args.verbose += 1 if word == "--verbose" else len(word) - 1
        else:
            return None
    return args


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 findings, 2 could not check).

    Started as the ``poetry-lockguard`` script, its usage and messages say so; else they
    name ``python -m poetry_lockguard``."""
    if prog is None and argv is None:
        script = os.path.basename(sys.argv[0])
        if script.removesuffix(".exe") == "poetry-lockguard":
            prog = "poetry-lockguard"
    args: argparse.Namespace | SimpleNamespace | None = fast_check_args(
        sys.argv[1:] if argv is None else argv
    )
    if args is None:
        parser = build_parser(prog) if prog else build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            # argparse exits 2 on a usage error and 0 for --help/--version.
            return int(e.code or 0)
    if args.command == "compare":
        return _compare(args)
    if args.command == "zipapp":
        return _zipapp(args)
    if args.command == "repair":
        return _repair(args)
    if args.command == "sbom":
        return _sbom(args)
    if args.command != "check":
        build_parser(prog or "python -m poetry_lockguard").print_help(sys.stdout)
        return 0

    from poetry_lockguard.commands.check import Outcome
    from poetry_lockguard.commands.check import check
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
    from poetry_lockguard.commands.step_summary import append_step_summary

    warning = append_step_summary(args.format, outcome)
    if warning:
        sys.stderr.write(warning + "\n")
    if args.verbose and outcome.report is not None:
        sys.stderr.write("".join(f"lockguard: {line}\n" for line in outcome.report.trace))
    text = outcome.stdout
    if args.format == "text":
        # -q silences the text report only: a machine format and the error line stay.
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = "" if args.quiet else render_tags(text, colour=colour)
    sys.stdout.write(text)
    sys.stderr.write(outcome.stderr)
    return outcome.exit_code


def _compare(args: argparse.Namespace | SimpleNamespace) -> int:
    from poetry_lockguard.commands.compare import compare_reports

    stdout, stderr, code = compare_reports(args.reports, args.format)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return code


def _zipapp(args: argparse.Namespace | SimpleNamespace) -> int:
    try:
        from poetry_lockguard.commands.zipapp import build_zipapp
    except ImportError:  # inside a zipapp, which does not carry its own builder
        sys.stderr.write("lockguard: zipapp is not available in the single-file checker\n")
        return 2
    try:
        info = build_zipapp(args.output)
    except OSError as e:
        sys.stderr.write(f"lockguard: {args.output}: cannot write ({e.strerror or e})\n")
        return 2
    sys.stdout.write(f"wrote {info.path} ({info.size:,} bytes, {info.files} files)\n")
    return 0


def _sbom(args: argparse.Namespace | SimpleNamespace) -> int:
    from poetry_lockguard.commands.sbom import make_sbom
    from poetry_lockguard.errors import LockguardError

    try:
        options = options_from_args(args)
    except LockguardError as e:  # the project could not be found
        sys.stderr.write(f"lockguard: {e}\n")
        return 2
    stdout, stderr, code = make_sbom(options, args.output, debug=args.verbose >= 3)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return code


def _repair(args: argparse.Namespace | SimpleNamespace) -> int:
    from importlib.util import find_spec

    from poetry_lockguard.commands.repair import run_repair
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.report.style import neutralise

    if find_spec("poetry") is None or find_spec("poetry.console") is None:
        sys.stderr.write(
            "lockguard: repair installs through Poetry, which this interpreter does not"
            " have: run `poetry lockguard repair` instead\n"
        )
        return 2
    try:
        run = run_repair(
            options_from_args(args),
            dry_run=args.dry_run,
            remove_extraneous=args.remove_extraneous,
        )
    except LockguardError as e:
        sys.stderr.write(f"lockguard: {neutralise(str(e))}\n")
        return 2
    sys.stdout.write("".join(f"{neutralise(line)}\n" for line in run.lines))
    return run.exit_code
