"""The samples of command output in docs/ and the README are real output, so they cannot
go stale: `poetry list lockguard` and the synopses of both entry points, the stand-alone's
command list, the check's option table, the list of formats, a `-v` trace and the
zipapp's size. Everything runs in this process (cleo's ApplicationTester on Poetry's real
Application, argparse's parser from poetry_lockguard.standalone.cli, the zipapp builder); only `-v`'s
sample asks a real interpreter, once.

A sample follows a marker ``<!-- sample: KEY, kept so by tests/test_docs.py ... -->``.
Whitespace is compared loosely where Python or the terminal decide it (argparse's
wrapping); paths, timings and the zipapp's exact size are normalised. To regenerate every
sample after a deliberate change: ``LOCKGUARD_UPDATE_DOCS=1
.venvs/poetry-newest/bin/python -m pytest tests/test_docs.py``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import re
import venv

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.report.formats import FORMATS
from poetry_lockguard.standalone import cli
from tests.support.projects import LOCK
from tests.support.projects import PYPROJECT


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator

    from cleo.application import Application
    from cleo.io.inputs.option import Option

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
UPDATE = os.environ.get("LOCKGUARD_UPDATE_DOCS") == "1"
SAMPLE = re.compile(
    r"<!-- sample: (?P<key>[^,]+), kept so by tests/test_docs\.py[^>]*-->\n"
    r"```(?P<lang>\w+)\n(?P<body>.*?)```\n",
    re.DOTALL,
)
#: Every sample the docs must keep, by file: removing a marker fails the test too.
SAMPLES = {
    ("installation.md", "poetry list lockguard"),
    ("installation.md", "python -m poetry_lockguard --help"),
    ("check.md", "synopsis check"),
    ("check.md", "synopsis repair"),
    ("check.md", "verbose"),
    ("sbom.md", "synopsis sbom"),
    ("fleet.md", "synopsis compare"),
    ("fleet.md", "zipapp"),
}
#: What needs Poetry's Application (and so depends on the Poetry version).
PLUGIN_SAMPLES = {
    "poetry list lockguard",
    "synopsis check",
    "synopsis compare",
    "synopsis repair",
    "synopsis sbom",
}
WIDTH = 100
#: The zipapp's sample may be this far off the real size and file count.
TOLERANCE = 0.05
NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


@dataclass
class Sample:
    doc: Path
    key: str
    start: int
    end: int
    body: str


def _samples() -> dict[tuple[str, str], Sample]:
    found: dict[tuple[str, str], Sample] = {}
    for doc in sorted(DOCS.glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for match in SAMPLE.finditer(text):
            body = match.group("body")
            found[doc.name, match.group("key")] = Sample(
                doc, match.group("key"), match.start("body"), match.end("body"), body
            )
    return found


def _rewrite(sample: Sample, body: str) -> None:
    text = sample.doc.read_text(encoding="utf-8")
    assert text[sample.start : sample.end] == sample.body, f"{sample.doc} changed meanwhile"
    sample.doc.write_text(text[: sample.start] + body + text[sample.end :], encoding="utf-8")


def _squash(text: str) -> str:
    """Text with every run of whitespace one space: where a line wraps is the terminal's."""
    return " ".join(text.split())


# --- the real output -------------------------------------------------------------------


@pytest.fixture(scope="module")
def poetry_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Application]]:
    """`poetry list lockguard` on Poetry's real Application, the plugin loaded from its
    entry point, run outside any project; and that Application."""
    from cleo.testers.application_tester import ApplicationTester
    from poetry.console.application import Application

    here = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("no-project"))
    try:
        tester = ApplicationTester(Application())
        status = tester.execute("list lockguard --no-ansi")
        output = tester.io.fetch_output()
        assert status == 0, output + tester.io.fetch_error()
        yield output, tester.application
    finally:
        os.chdir(here)


def _standalone_help(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """``python -m poetry_lockguard ARGS --help`` at WIDTH columns, without colour."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    for name in ("FORCE_COLOR", "PYTHON_COLORS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args([*args, "--help"])
    assert exit_.value.code == 0
    # Python 3.9 says "optional arguments:", 3.10 and later "options:".
    return out.getvalue().replace("optional arguments:", "options:")


def _fill(words: list[str], first: str) -> str:
    """``first`` and then ``words``, wrapped at WIDTH under the first word after it."""
    indent = " " * len(first)
    lines = [first.rstrip()]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > WIDTH and lines[-1].strip() != first.strip():
            lines.append(indent + word)
        else:
            lines[-1] += " " + word
    return "\n".join(lines)


def _synopsis(command: str, app: Application, monkeypatch: pytest.MonkeyPatch) -> str:
    """The synopsis of ``poetry lockguard COMMAND`` (from the command's definition, as
    cleo writes it) and of ``python -m poetry_lockguard COMMAND`` (argparse's usage)."""
    synopsis = app.find(f"lockguard {command}").synopsis()
    words = re.findall(r"\[[^\]]*\]|\S+", synopsis.removeprefix(f"lockguard {command}"))
    plugin = _fill(words, f"poetry lockguard {command} ")
    usage = _standalone_help([command], monkeypatch).split("\n\n")[0]
    first, *rest = usage.removeprefix("usage: ").splitlines()
    standalone = "\n".join([first, *(line[len("usage: ") :] for line in rest)])
    return f"{plugin}\n{standalone}\n"


def _list_lockguard(output: str) -> str:
    block = output[output.index('Available commands for the "lockguard" namespace:') :]
    return "$ poetry list lockguard\n...\n" + block.rstrip("\n") + "\n"


TIMING = re.compile(r"\d+\.\d ms")


def _verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``python -m poetry_lockguard check -v -q`` in a project with an in-project .venv,
    the temporary directory shown as /srv."""
    project = tmp_path / "shop"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (project / "poetry.lock").write_text(LOCK, encoding="utf-8")
    venv.create(project / ".venv", with_pip=False, symlinks=os.name != "nt")
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "POETRY_VIRTUALENVS_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POETRY_VIRTUALENVS_IN_PROJECT", "true")
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(project)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["check", "-v", "-q"])
    assert (code, out.getvalue()) == (0, ""), err.getvalue()
    shown = err.getvalue().replace(str(tmp_path.resolve()), "/srv").replace(str(tmp_path), "/srv")
    return "$ python -m poetry_lockguard check -v -q\n" + shown


ZIPAPP = re.compile(r"wrote lockguard\.pyz \((?P<size>[\d,]+) bytes, (?P<files>\d+) files\)")


def _zipapp_line(tmp_path: Path) -> tuple[int, int]:
    from poetry_lockguard.commands.zipapp import build_zipapp

    info = build_zipapp(tmp_path / "lockguard.pyz")
    return info.size, info.files


# --- the tests -------------------------------------------------------------------------


def test_every_sample_is_marked() -> None:
    assert set(_samples()) == SAMPLES


def _params() -> Iterator[object]:
    for doc, key in sorted(SAMPLES):
        marks = [pytest.mark.poetry] if key in PLUGIN_SAMPLES else []
        yield pytest.param(doc, key, marks=marks, id=f"{doc}:{key}")


def _unchanged(text: str) -> str:
    return text


def _without_timings(text: str) -> str:
    return TIMING.sub("… ms", text)


def _real_output(
    key: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Callable[[str], str]]:
    """The sample ``key`` from a real run, and what makes a doc's copy comparable to it."""

    def app() -> tuple[str, Application]:
        found: tuple[str, Application] = request.getfixturevalue("poetry_app")
        return found

    if key == "poetry list lockguard":
        return _list_lockguard(app()[0]), _unchanged
    if key.startswith("synopsis "):
        return _synopsis(key.removeprefix("synopsis "), app()[1], monkeypatch), _squash
    if key == "python -m poetry_lockguard --help":
        help_ = _standalone_help([], monkeypatch)
        return f"$ python -m poetry_lockguard --help\n{help_}", _squash
    if key == "verbose":
        return _verbose(tmp_path, monkeypatch), _without_timings
    pytest.fail(f"no generator for the sample {key!r}")


@pytest.mark.parametrize(("doc", "key"), list(_params()))
def test_doc_sample_is_real_output(
    doc: str,
    key: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = _samples().get((doc, key))
    assert sample is not None, f"docs/{doc} has no sample {key!r}"
    if key == "zipapp":
        _check_zipapp(sample, tmp_path)
        return
    actual, comparable = _real_output(key, request, tmp_path, monkeypatch)
    if UPDATE:
        _rewrite(sample, actual)
        return
    assert comparable(sample.body) == comparable(actual), f"docs/{doc} ({key}) is not a real run"


def _check_zipapp(sample: Sample, tmp_path: Path) -> None:
    size, files = _zipapp_line(tmp_path)
    match = ZIPAPP.search(sample.body)
    assert match is not None, sample.body
    if UPDATE:
        line = f"wrote lockguard.pyz ({size:,} bytes, {files} files)"
        _rewrite(sample, sample.body.replace(match.group(0), line))
        return
    shown_size, shown_files = int(match.group("size").replace(",", "")), int(match.group("files"))
    assert abs(shown_size - size) <= TOLERANCE * size, (shown_size, size)
    assert abs(shown_files - files) <= TOLERANCE * files, (shown_files, files)
    bound = re.search(r"under (\d+) kB", sample.doc.read_text(encoding="utf-8"))
    assert bound is not None
    assert size < int(bound.group(1)) * 1000, f"the zipapp is {size:,} bytes: {bound.group(0)}?"


def _options_table(doc: Path, marker: str) -> list[list[str]]:
    text = doc.read_text(encoding="utf-8")
    start = text.index(marker)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[2:]  # the header and the separator


FLAG = re.compile(r"(?<![\w-])-{1,2}[A-Za-z][\w-]*")


def _flags(cell: str) -> set[str]:
    return {"-v" if re.fullmatch(r"-v+", flag) else flag for flag in FLAG.findall(cell)}


class _Recorder(argparse.ArgumentParser):
    """A parser that remembers the option strings it is given."""

    def __init__(self) -> None:
        super().__init__(add_help=False)
        self.flags: set[str] = set()

    def add_argument(self, *args: str, **kwargs: object) -> argparse.Action:
        self.flags.update(arg for arg in args if arg.startswith("-"))
        return super().add_argument(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.poetry
def test_check_option_table_lists_every_option(poetry_app: tuple[str, Application]) -> None:
    rows = _options_table(DOCS / "check.md", "<!-- options: check,")
    plugin = set().union(*(_flags(row[0]) for row in rows))
    standalone = set().union(*(_flags(row[1]) for row in rows))

    recorder = _Recorder()
    cli.add_check_arguments(recorder)
    assert standalone == recorder.flags | {"-h", "--help"}

    app = poetry_app[1]
    own = _cleo_flags(app.find("lockguard check").definition.options)
    known = own | _cleo_flags(app.definition.options)  # with Poetry's global options
    assert own <= plugin, f"check.md's table lacks {sorted(own - plugin)}"
    assert plugin <= known, f"poetry lockguard check has no {sorted(plugin - known)}"


def _cleo_flags(options: list[Option]) -> set[str]:
    flags = set()
    for option in options:
        flags.add(f"--{option.name}")
        # A shortcut may be several: "v|vv|vvv".
        flags.update(f"-{short}" for short in (option.shortcut or "").split("|")[:1] if short)
    return flags


def _format_paragraphs() -> Iterator[tuple[Path, str]]:
    for doc in sorted(DOCS.glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for match in re.finditer(
            r"<!-- formats:[^>]*-->\n(?P<paragraph>.*?)(?:\n\n|\Z)", text, re.DOTALL
        ):
            paragraph = match.group("paragraph")
            yield doc, paragraph[paragraph.index("`--format`") :]


def test_format_lists_name_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    usage = _standalone_help(["check"], monkeypatch)
    assert f"{{{','.join(FORMATS)}}}" in usage  # what --format accepts is FORMATS
    paragraphs = list(_format_paragraphs())
    assert {doc.name for doc, _ in paragraphs} >= {"output.md", "ci.md"}
    for doc, paragraph in paragraphs:
        named = tuple(dict.fromkeys(re.findall(r"`([a-z]+)`", paragraph)))
        assert named == FORMATS, f"docs/{doc.name}: {named}"
        count = re.search(r"\b(\w+) formats\b", paragraph)
        if count is not None and count.group(1) in NUMBER_WORDS.values():
            assert count.group(1) == NUMBER_WORDS[len(FORMATS)], f"docs/{doc.name}"


@pytest.mark.poetry
def test_readme_names_every_command(
    poetry_app: tuple[str, Application], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = README.read_text(encoding="utf-8")
    block = readme[readme.index("## The commands") :]
    block = block[: block.index("\n## ")]
    plugin = re.findall(r"^  lockguard (\S+)", poetry_app[0], re.MULTILINE)
    assert plugin, poetry_app[0]
    for command in plugin:
        assert f"poetry lockguard {command}" in block, command
    help_ = _standalone_help([], monkeypatch)
    listing = help_[help_.index("  COMMAND\n") :]
    standalone = re.findall(r"^    (\w+) ", listing, re.MULTILINE)
    assert "check" in standalone, help_
    for command in standalone:
        assert re.search(rf"(poetry lockguard|python -m poetry_lockguard) {command}\b", block), (
            command
        )


def test_every_test_the_threat_model_names_exists() -> None:
    """Each `tests/x.py::name` (or `::name` after one) in docs/threat-model.md is a test."""
    missing = []
    named = 0
    for line in (DOCS / "threat-model.md").read_text().splitlines():
        current = None
        for match in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+))?(?:\[[^\]`]*\])?`", line):
            current = match.group(1) or current
            if current is None:
                continue
            named += 1
            path = ROOT / current
            if not path.is_file():
                missing.append(current)
                continue
            functions = {
                node.name
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
            if match.group(2) and match.group(2) not in functions:
                missing.append(f"{current}::{match.group(2)}")
    assert named > 40
    assert missing == []
