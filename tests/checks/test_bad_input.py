"""Every bad input: one line naming the file and the problem, exit 2, no traceback."""

from __future__ import annotations

import re
import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support.poetry import PoetryProject
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.index import PackageIndex


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, poetry_home: Path, index: PackageIndex
) -> PoetryProject:
    project = PoetryProject(tmp_path_factory.mktemp("bad-input") / "base", poetry_home, index.url)
    project.write_pyproject(["beta"])
    project.poetry("lock", check=True)
    project.poetry("install", check=True)
    return project


def _copy(base: PoetryProject, tmp_path: Path) -> PoetryProject:
    project = PoetryProject(tmp_path / "case", base.home, base.index_url)
    shutil.copy(base.pyproject, project.pyproject)
    shutil.copy(base.lock, project.lock)
    return project


def _sub(path: Path, pattern: str, replacement: str) -> None:
    text, count = re.subn(pattern, replacement, path.read_text(), flags=re.MULTILINE)
    assert count
    path.write_text(text)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _lock_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


CASES: list[tuple[str, str, Callable[[PoetryProject], object], str]] = [
    (
        "pyproject-syntax",
        "pyproject.toml",
        lambda p: p.pyproject.write_text("[project\nname=1"),
        "invalid TOML",
    ),
    (
        "lock-syntax",
        "poetry.lock",
        lambda p: p.lock.write_text("[[package]\nname = "),
        "invalid TOML",
    ),
    ("lock-truncated", "poetry.lock", lambda p: _truncate(p.lock), "poetry.lock"),
    (
        "lock-not-utf8",
        "poetry.lock",
        lambda p: p.lock.write_bytes(b"# \xff\xfe\n" + p.lock.read_bytes()),
        "not valid UTF-8",
    ),
    ("lock-is-directory", "poetry.lock", lambda p: _lock_dir(p.lock), "is a directory"),
    (
        "lock-version-3",
        "poetry.lock",
        lambda p: _sub(p.lock, r'lock-version = "2.1"', 'lock-version = "3.0"'),
        'unsupported lock-version "3.0"',
    ),
    (
        "lock-no-metadata",
        "poetry.lock",
        lambda p: _sub(p.lock, r"^\[metadata\]\n(.*\n)*", ""),
        "[metadata]",
    ),
    (
        "lock-no-content-hash",
        "poetry.lock",
        lambda p: _sub(p.lock, r"^content-hash = .*\n", ""),
        "content-hash",
    ),
    (
        "package-no-version",
        "poetry.lock",
        lambda p: _sub(p.lock, r'^version = "2.0.0"\n', ""),
        "has no version",
    ),
    (
        "package-bad-files",
        "poetry.lock",
        lambda p: _sub(p.lock, r"^files = \[", "files = 3\nx = ["),
        "files",
    ),
    (
        "lock-bad-marker",
        "poetry.lock",
        lambda p: _sub(
            p.lock,
            r'^groups = \["main"\]\n',
            'groups = ["main"]\nmarkers = "python_version >>> \'3\'"\n',
        ),
        "invalid marker",
    ),
    (
        # PEP 508 whitespace is a space or a tab; Poetry cannot read this lock either.
        "lock-marker-across-lines",
        "poetry.lock",
        lambda p: _sub(
            p.lock,
            r'^groups = \["main"\]\n',
            'groups = ["main"]\nmarkers = """python_version >= \'3\'\nand python_version < \'4\'"""\n',
        ),
        "invalid marker",
    ),
    (
        "config-unknown-key",
        "pyproject.toml",
        lambda p: p.pyproject.write_text(
            p.pyproject.read_text() + "\n[tool.lockguard]\nallow-extranous = []\n"
        ),
        "unknown key 'allow-extranous'",
    ),
    (
        "config-wrong-type",
        "pyproject.toml",
        lambda p: p.pyproject.write_text(
            p.pyproject.read_text() + '\n[tool.lockguard]\nallow-unhashed = "alpha"\n'
        ),
        "allow-unhashed must be an array",
    ),
    (
        "config-bad-mode",
        "pyproject.toml",
        lambda p: p.pyproject.write_text(
            p.pyproject.read_text() + '\n[tool.lockguard]\nmode = "strict"\n'
        ),
        "mode must be one of",
    ),
]


@pytest.mark.parametrize(("name", "file", "damage", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_exit_2_with_one_line(
    base: PoetryProject,
    tmp_path: Path,
    name: str,
    file: str,
    damage: Callable[[PoetryProject], object],
    message: str,
) -> None:
    project = _copy(base, tmp_path)
    damage(project)
    text = project.standalone("--python", str(base.python))
    as_json = project.standalone("--python", str(base.python), "--format", "json")
    for result in (text, as_json):
        assert result.returncode == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert file in lines[0] and message in lines[0], lines[0]
    # The machine formats never go silent: JSON carries the error, text leaves stdout empty.
    assert text.stdout == ""
    document = as_json.json()
    assert (document["ok"], document["findings"]) == (False, [])
    assert f"lockguard: {document['error']['message']}" == as_json.stderr.strip()
    plugin = project.lockguard("--python", str(base.python))
    assert plugin.returncode == 2, plugin.output
    assert message in plugin.stderr
    assert "Traceback" not in plugin.output
    assert project.lockguard("--python", str(base.python), "--format", "json").json() == document


@pytest.mark.parametrize("entry", ["standalone", "lockguard"])
def test_exit_code_does_not_change_with_verbosity(
    base: PoetryProject, tmp_path: Path, entry: str
) -> None:
    project = _copy(base, tmp_path)
    project.lock.write_text("[metadata\n")
    run = getattr(project, entry)
    quiet = run("--python", str(base.python))
    debug = run("--python", str(base.python), "-vvv")
    assert (quiet.returncode, debug.returncode) == (2, 2), debug.output
    assert "Traceback" not in quiet.output
    first = debug.stderr.strip().splitlines()[0]
    assert "poetry.lock: invalid TOML" in first, debug.stderr
    assert "Traceback" in debug.stderr
    github = run("--python", str(base.python), "--format", "github")
    assert github.returncode == 2
    assert github.stdout.startswith(
        "::error title=lockguard could not check::poetry.lock: invalid TOML"
    )


@pytest.mark.poetry  # cleo's and Poetry's usage errors
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--python", "/nonexistent/python"), "interpreter not found"),
        (("--python", "/bin/false"), "interpreter failed to report"),
        (
            ("--python", "/bin/ls"),
            "/bin/ls: interpreter failed to report its environment (exit code 2; is it a Python interpreter?)",
        ),
        (("--only", "nope"), "Group(s) not found: nope (via --only)"),
        (("-E", "nope"), "Extra [nope] is not specified."),
        (("--python", ""), "--python: an empty path names no interpreter"),
        (
            ("--all-groups", "--only", "main"),
            "You cannot specify `--with`, `--without`, or `--only` when using `--all-groups`.",
        ),
    ],
)
def test_bad_option_is_exit_2(
    base: PoetryProject, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    project = _copy(base, tmp_path)
    if "--python" not in args:
        args = (*args, "--python", str(base.python))
    for result in (project.standalone(*args), project.lockguard(*args)):
        assert result.returncode == 2, result.output
        assert message in result.stderr
        assert "Traceback" not in result.output
        assert "import json" not in result.output  # the probe's own script stays inside


def test_no_environment_is_exit_2_and_none_is_created(base: PoetryProject, tmp_path: Path) -> None:
    project = _copy(base, tmp_path)
    for result in (project.standalone(), project.lockguard()):
        assert result.returncode == 2, result.output
        assert "no environment found" in result.stderr
    assert not project.venv.exists()
    assert not list((base.home / "cache").glob("virtualenvs/*"))


def test_a_venv_whose_python_is_gone_is_named_broken(base: PoetryProject, tmp_path: Path) -> None:
    """The base Python of a venv was removed or upgraded: bin/python dangles."""
    project = _copy(base, tmp_path)
    venv = project.venv
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /gone/bin\n")
    for name in ("python", "python3"):
        (venv / "bin" / name).symlink_to("/gone/bin/python3.99")
    expected = (
        f"lockguard: {venv}: broken virtualenv: bin/python links to /gone/bin/python3.99,"
        " which no longer exists (its Python was removed or upgraded); recreate it:"
        f" remove {venv}, then run `poetry install`"
    )
    for result in (
        project.standalone(),
        project.lockguard(),
        project.standalone("--python", str(venv)),
        project.lockguard("--python", str(venv / "bin" / "python3")),
    ):
        assert result.returncode == 2, result.output
        assert result.stderr.strip().replace("bin/python3 links", "bin/python links") == expected


@pytest.mark.poetry  # cleo's and Poetry's usage errors
def test_format_usage_error_is_exit_2(base: PoetryProject, tmp_path: Path) -> None:
    project = _copy(base, tmp_path)
    assert project.standalone("--format", "xml").returncode == 2
    assert project.lockguard("--format", "xml").returncode == 2
    assert project.standalone("--bogus").returncode == 2
    result = project.lockguard("--bogus")
    assert result.returncode == 2
    assert 'The option "--bogus" does not exist' in result.stderr


def test_lock_version_1_1_is_read(base: PoetryProject, tmp_path: Path) -> None:
    """lock-version 1.1 keeps hashes under [metadata.files]: read them, check --lock-only."""
    project = _copy(base, tmp_path)
    text = project.lock.read_text()
    files: dict[str, str] = {}
    for block in re.split(r"(?m)^(?=\[\[package\]\])", text):
        m = re.search(r'(?m)^name = "(.*)"$', block)
        f = re.search(r"(?ms)^files = (\[.*?\n\])\n", block)
        if m and f:
            files[m.group(1)] = f.group(1)
    text = re.sub(r"(?ms)^files = \[.*?\n\]\n", "", text)
    text = re.sub(r"(?m)^groups = .*\n", "", text).replace(
        'lock-version = "2.1"', 'lock-version = "1.1"'
    )
    text += "\n[metadata.files]\n" + "".join(f"{k} = {v}\n" for k, v in files.items())
    text = text.replace("files = [\n    {file", "files = [\n    {file")
    project.lock.write_text(text)
    result = project.standalone("--lock-only", "--format", "json")
    assert result.returncode == 0, result.output
    assert result.json()["lock"]["version"] == "1.1"
    text = re.sub(
        r"(?m)^alpha = \[.*?\n\]\n", "alpha = []\n", project.lock.read_text(), flags=re.DOTALL
    )
    project.lock.write_text(text)
    result = project.standalone("--lock-only", "--format", "json")
    assert result.findings() == [("unhashed", "alpha")]


def test_a_wheelhouse_that_is_not_a_directory_is_one_line(
    project_factory: Callable[..., PoetryProject], tmp_path: Path
) -> None:
    project = installed_project(project_factory("no-wheelhouse"), ["alpha"])
    missing = tmp_path / "no-such-wheelhouse"
    for result in (
        project.lockguard("--integrity", "--wheelhouse", str(missing)),
        project.standalone("--integrity", "--wheelhouse", str(missing)),
    ):
        assert (result.returncode, result.stdout) == (2, ""), result.output
        assert result.stderr == (
            f"lockguard: --wheelhouse {missing}: {missing} is not a directory\n"
        ), result.stderr
