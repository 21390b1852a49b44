"""The probe's answer, cached or fresh, is checked against the environment it was asked
about, with the file system only: a poisoned cache entry is discarded and probed again,
an interpreter that answers for another environment is one error (exit 2)."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.env.probe import _cache_path
from poetry_lockguard.env.probe import _interpreter_file_problem
from poetry_lockguard.env.probe import probe_interpreter
from poetry_lockguard.errors import EnvironmentInspectionError
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from pytest_mock import MockerFixture

    from tests.support.poetry import PoetryProject
    from tests.types import ProjectFactory


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "lockguard-cache"
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(cache))
    monkeypatch.delenv("POETRY_LOCKGUARD_NO_CACHE", raising=False)
    return cache


def _venv(path: Path, *options: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", *options, str(path)], check=True)
    return path


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return _venv(tmp_path / "venv")


@pytest.fixture
def decoy(tmp_path: Path) -> Path:
    """A clean copy elsewhere, which a poisoner points the answer at."""
    return _venv(tmp_path / "decoy")


def _site(venv: Path) -> str:
    return str(next(venv.glob("lib/python*/site-packages")))


Poison = Callable[[dict[str, Any], Path, Path], object]


def _to_decoy(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    data["prefix"] = str(decoy)
    data["site_dirs"] = [_site(decoy)]
    data["visible_dirs"] = [(_site(decoy), "")]


def _decoy_first(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    data["visible_dirs"] = [(_site(decoy), "system"), *data["visible_dirs"]]


def _decoy_inside(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    # A copy of clean dist-infos inside the kept venv, not one of its site directories.
    inside = venv / "share" / "decoy"
    inside.mkdir(parents=True, exist_ok=True)
    data["site_dirs"] = [str(inside)]
    data["visible_dirs"] = [(str(inside), "")]


def _decoy_below_site(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    inside = Path(_site(venv)) / "decoy"
    inside.mkdir(exist_ok=True)
    data["site_dirs"] = [str(inside)]
    data["visible_dirs"] = [(str(inside), "")]


def _through_a_link(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    # .../lib/python3.X/sub/../site-packages, with sub a link to a decoy's directory.
    site = Path(_site(venv))
    (site.parent / "sub").symlink_to(Path(_site(decoy)).parent / "x")
    (Path(_site(decoy)).parent / "x").mkdir()
    sneaky = str(site.parent / "sub" / ".." / "site-packages")
    data["site_dirs"] = [sneaky]
    data["visible_dirs"] = [(sneaky, "")]


def _real_lib64(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    # A real lib64 beside lib (venv makes lib64 a link to lib): site.py does not use it.
    site = Path(_site(venv))
    lib64 = venv / "lib64"
    if lib64.is_symlink():
        lib64.unlink()
    wide = lib64 / site.parent.name / "site-packages"
    wide.mkdir(parents=True)
    data["site_dirs"] = [str(wide)]
    data["visible_dirs"] = [(str(wide), "")]


def _windows_layout(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    windows = venv / "Lib" / "site-packages"
    windows.mkdir(parents=True)
    data["site_dirs"] = [str(windows)]
    data["visible_dirs"] = [(str(windows), "")]


def _another_python(data: dict[str, Any], venv: Path, decoy: Path) -> None:
    data["version_info"] = [3, 8, 0]
    data["marker_env"].update(python_version="3.8", python_full_version="3.8.0")


POISONS: dict[str, Poison] = {
    "prefix and site dirs of a decoy": _to_decoy,
    "site dir of a decoy": lambda d, v, x: d.update(site_dirs=[_site(x)]),
    "site dir that does not exist": lambda d, v, x: d.update(site_dirs=[str(v / "lib" / "no")]),
    "decoy before the venv's own": _decoy_first,
    "decoy directory inside the venv": _decoy_inside,
    "decoy directory inside site-packages": _decoy_below_site,
    "site dir through a link to elsewhere": _through_a_link,
    "a real lib64 beside lib": _real_lib64,
    "the Windows layout on another system": _windows_layout,
    "system site it turns off": lambda d, v, x: d["visible_dirs"].append((_site(x), "system")),
    "another executable": lambda d, v, x: d.update(executable=str(x / "bin" / "python")),
    "another kernel": lambda d, v, x: d["marker_env"].update(platform_release="0.0"),
    "another machine": lambda d, v, x: d["marker_env"].update(platform_machine="sparc"),
    "versions that disagree": lambda d, v, x: d["marker_env"].update(python_version="3.7"),
    "another Python than pyvenv.cfg's": _another_python,
}


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_poisoned_cache_entry_is_probed_again(
    venv: Path, decoy: Path, poison: Poison, mocker: MockerFixture
) -> None:
    python = venv / "bin" / "python"
    fresh = probe_interpreter(python)
    entry = _cache_path(python, False)
    assert entry is not None and entry.is_file()
    answer = entry.read_bytes()
    data = marshal.loads(answer)
    poison(data, venv, decoy)
    entry.write_bytes(marshal.dumps(data))
    popen = mocker.spy(subprocess, "Popen")
    assert probe_interpreter(python) == fresh
    assert popen.call_count == 1
    assert entry.read_bytes() == answer  # the poisoned entry replaced


def test_planted_cache_files_are_not_followed_or_opened(
    venv: Path, private_cache: Path, tmp_path: Path
) -> None:
    python = venv / "bin" / "python"
    entry = _cache_path(python, False)
    assert entry is not None
    entry.parent.mkdir(parents=True)
    # A FIFO at the entry's name would block a plain open() for ever.
    os.mkfifo(entry)
    assert probe_interpreter(python).site_dirs == (Path(_site(venv)),)
    assert entry.is_file() and marshal.loads(entry.read_bytes())["prefix"] == str(venv)
    # A symlink at the entry's name (or where a temporary might go) is replaced.
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    entry.unlink()
    entry.symlink_to(victim)
    for pid in range(os.getpid(), os.getpid() + 50):
        entry.with_suffix(f".{pid}.tmp").symlink_to(victim)
    assert probe_interpreter(python).site_dirs == (Path(_site(venv)),)
    assert victim.read_text() == "precious\n"
    assert not entry.is_symlink()


def test_a_cache_directory_planted_as_a_link_is_not_written(
    venv: Path, private_cache: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "checkout"
    elsewhere.mkdir()
    private_cache.mkdir()
    (private_cache / "probe").symlink_to(elsewhere)
    python = venv / "bin" / "python"
    assert probe_interpreter(python).site_dirs == (Path(_site(venv)),)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [marshal.dumps(["an", "old", "format"]), marshal.dumps({"prefix": "/"}), b"\xff" * 9],
    ids=["not a mapping", "keys missing", "not marshal"],
)
def test_cache_entry_of_another_format_is_replaced(venv: Path, content: bytes) -> None:
    python = venv / "bin" / "python"
    entry = _cache_path(python, False)
    assert entry is not None
    entry.parent.mkdir(parents=True)
    entry.write_bytes(content)
    assert probe_interpreter(python).site_dirs == (Path(_site(venv)),)
    assert marshal.loads(entry.read_bytes())["prefix"] == str(venv)


def test_integrity_probes_without_the_cache(
    venv: Path, private_cache: Path, mocker: MockerFixture
) -> None:
    python = venv / "bin" / "python"
    assert _cache_path(python, True) is None
    probe_interpreter(python)
    popen = mocker.spy(subprocess, "Popen")
    for _ in range(2):
        assert probe_interpreter(python, with_tags=True).tags
    assert popen.call_count == 2
    assert len(list((private_cache / "probe").iterdir())) == 1  # the plain check's


def _wrapper(python: Path, script: str) -> None:
    """Replace ``python`` with a bash script (kept executable)."""
    python.unlink()
    python.write_text(f"#!/bin/bash\n{script}\n")
    python.chmod(0o755)


def test_wrapper_handing_the_probe_to_a_clean_copy_is_one_error(venv: Path, decoy: Path) -> None:
    python = venv / "bin" / "python"
    real = python.resolve()
    _wrapper(python, f'[ "$1" = -I ] && exec {decoy}/bin/python "$@"\nexec {real} "$@"')
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (
        f"{python}: {decoy}/bin/python answered instead (is {python} a wrapper around"
        " another interpreter?)"
    )
    assert not list(venv.parent.glob("lockguard-cache/probe/*"))


def test_wrapper_that_keeps_its_own_name_is_one_error(venv: Path, decoy: Path) -> None:
    """``exec -a`` makes the clean copy report the venv's path as its executable: the
    answer then describes the venv, and the interpreter file is a script."""
    python = venv / "bin" / "python"
    _wrapper(python, f'exec -a "$0" {decoy}/bin/python "$@"')
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (f"{python}: {python} is a script, not an interpreter")


def test_interpreter_pyvenv_cfg_does_not_name_is_one_error(venv: Path, decoy: Path) -> None:
    """A link to another Python than the one pyvenv.cfg's ``home`` holds."""
    python = venv / "bin" / "python"
    real = python.resolve()
    other = venv.parent / "elsewhere" / real.name
    other.parent.mkdir()
    other.symlink_to(real)
    python.unlink()
    python.symlink_to(other)
    fresh = probe_interpreter(python)  # the same file: pyvenv.cfg's home holds it
    assert fresh.prefix == venv
    copy = venv.parent / "copy" / real.name
    copy.parent.mkdir()
    copy.write_bytes(real.read_bytes())
    copy.chmod(0o755)
    python.unlink()
    python.symlink_to(copy)
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    home = real.parent
    assert str(error.value) == (
        f"{python}: {python} runs {copy}, not an interpreter of pyvenv.cfg's home {home}"
    )


def test_venv_of_copies_is_its_own_interpreter(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "copies", "--copies")
    assert not (venv / "bin" / "python").is_symlink()
    found = probe_interpreter(venv / "bin" / "python")
    assert found.prefix == venv
    assert found.site_dirs == (Path(_site(venv)),)


def test_wrapper_of_an_interpreter_outside_a_venv_is_one_error(tmp_path: Path) -> None:
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (
        f"{python}: {sys.executable} answered instead (is {python} a wrapper around another"
        " interpreter?)"
    )


def _poison_every_entry(cache: Path, decoy: Path) -> int:
    """Point every answer in ``cache`` at ``decoy``'s site directories, as the next job
    on a shared runner can; return how many entries there were."""
    entries = list(cache.glob("probe/*.marshal"))
    for entry in entries:
        data = marshal.loads(entry.read_bytes())
        _to_decoy(data, Path(data["prefix"]), decoy)
        data["executable"] = str(decoy / "bin" / "python")
        entry.write_bytes(marshal.dumps(data))
    return len(entries)


@pytest.mark.parametrize("extra", [(), ("--integrity",)], ids=["check", "integrity"])
def test_poisoned_cache_hides_no_drift_from_either_entry_point(
    project_factory: ProjectFactory, extra: tuple[str, ...]
) -> None:
    decoy = installed_project(project_factory("decoy"), ["alpha"])
    project = installed_project(project_factory(), ["alpha"])
    project.pip("install", "stray")
    for run in (project.lockguard, project.standalone):
        assert run("--format", "json", *extra).findings() == [("extraneous", "stray")]
    assert _poison_every_entry(project.home / "lockguard-cache", decoy.venv) >= 1
    plugin = project.lockguard("--format", "json", *extra)
    alone = project.standalone("--format", "json", *extra)
    assert plugin.returncode == alone.returncode == 1, plugin.output + alone.output
    assert plugin.findings() == alone.findings() == [("extraneous", "stray")]
    assert plugin.json()["environment"]["path"] == str(project.venv)


def test_wrapper_in_the_venv_is_exit_2_from_either_entry_point(
    project_factory: ProjectFactory,
) -> None:
    decoy = installed_project(project_factory("decoy"), ["alpha"])
    project = installed_project(project_factory(), ["alpha"])
    project.pip("install", "stray")
    python = project.venv / "bin" / "python"
    real = python.resolve()
    _wrapper(python, f'[ "$1" = -I ] && exec {decoy.venv}/bin/python "$@"\nexec {real} "$@"')
    line = (
        f"lockguard: {python}: {decoy.venv}/bin/python answered instead (is {python} a"
        " wrapper around another interpreter?)\n"
    )
    for extra in ((), ("--integrity",)):
        plugin = project.lockguard(*extra)
        alone = project.standalone(*extra)
        assert plugin.returncode == alone.returncode == 2, plugin.output + alone.output
        assert plugin.stderr == alone.stderr == line


@pytest.mark.parametrize("kind", ["system site packages", "outside a venv"])
def test_answers_the_file_system_cannot_confirm_are_not_cached(
    tmp_path: Path, private_cache: Path, kind: str
) -> None:
    """The base interpreter's and the user's site directories, and the prefix of an
    interpreter outside a venv, are whatever the answer says: never read from a cache
    that the next job on the runner can write."""
    if kind == "outside a venv":
        python = (
            Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        )
    else:
        python = _venv(tmp_path / "venv", "--system-site-packages") / "bin" / "python"
    assert _cache_path(python, False) is None
    assert probe_interpreter(python).site_dirs
    assert not private_cache.exists()


@pytest.mark.parametrize(
    ("link", "home", "ok"),
    [
        ("home/python3", "home", True),  # /usr/bin/python3 -> /etc/alternatives/...
        ("real/python3.11", "real", True),
        ("real/python3.11", "home", False),
        ("other/python3.11", "real", False),
    ],
    ids=["a link in home", "the file in home", "outside home", "another file"],
)
def test_interpreter_file_against_pyvenv_cfg_home(
    tmp_path: Path, link: str, home: str, ok: bool
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "python3.11").write_bytes(b"\x7fELF")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "python3.11").write_bytes(b"\x7fELF")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "python3").symlink_to(tmp_path / "real" / "python3.11")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"
    python.symlink_to(tmp_path / link)
    problem = _interpreter_file_problem(
        str(python), str(tmp_path / "venv"), {"home": str(tmp_path / home)}
    )
    real = (tmp_path / link).resolve()
    assert problem == (
        None
        if ok
        else f"{python} runs {real}, not an interpreter of pyvenv.cfg's home {tmp_path / home}"
    )


@pytest.mark.parametrize(
    "answer", ["{}", '{"site_dirs": 1}', "[]"], ids=["empty", "wrong type", "not a mapping"]
)
def test_an_answer_without_the_environment_is_one_error(tmp_path: Path, answer: str) -> None:
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\necho '{answer}'\n")
    python.chmod(0o755)
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert (
        str(error.value) == f"{python}: interpreter printed something that is not its environment"
    )


def _stdlib_tree(tmp_path: Path) -> Path:
    """An attacker's copy of the base interpreter's tree: its standard library as links
    to the real modules, a planted ``sitecustomize`` beside them, and a link to the real
    interpreter file in its ``bin``; returns its ``bin``."""
    real = Path(os.path.realpath(sys.executable))
    x_y = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    stdlib = Path(sys.base_prefix) / "lib" / x_y
    tree = tmp_path / "E"
    (tree / "lib" / x_y).mkdir(parents=True)
    for entry in stdlib.iterdir():
        (tree / "lib" / x_y / entry.name).symlink_to(entry)
    (tree / "lib" / x_y / "sitecustomize.py").write_text("print('PWNED')\n")
    (tree / "bin").mkdir()
    (tree / "bin" / real.name).symlink_to(real)
    return tree / "bin"


def _set_home(venv: Path, home: Path) -> None:
    cfg = venv / "pyvenv.cfg"
    lines = [
        f"home = {home}" if line.startswith("home") else line
        for line in cfg.read_text().splitlines()
    ]
    cfg.write_text("\n".join(lines) + "\n")


def test_a_home_of_another_standard_library_is_one_error(venv: Path, tmp_path: Path) -> None:
    """pyvenv.cfg's ``home`` decides where the standard library (and a
    ``sitecustomize``) comes from, whatever the interpreter file is."""
    home = _stdlib_tree(tmp_path)
    real = os.path.realpath(sys.executable)
    _set_home(venv, home)
    python = venv / "bin" / "python"
    ran = subprocess.run([str(python), "-c", "pass"], capture_output=True, text=True, check=True)
    assert ran.stdout == "PWNED\n"  # the attack is real
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    x_y = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert str(error.value) == (
        f"{python}: pyvenv.cfg's home {home} leads to {home.parent / 'lib' / x_y}, which is"
        f" not the standard library of its interpreter {real}"
    )
    # pyvenv.cfg's own executable key does not vouch for it.
    (home / Path(real).name).unlink()
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (
        f"{python}: {python} runs {real}, not an interpreter of pyvenv.cfg's home {home}"
    )


def test_a_venv_of_copies_is_tied_to_its_home_by_its_bytes(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "copies", "--copies")
    python = venv / "bin" / "python"
    home = _stdlib_tree(tmp_path)
    _set_home(venv, home)
    real = os.path.realpath(sys.executable)
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    x_y = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert str(error.value) == (
        f"{python}: pyvenv.cfg's home {home} leads to {home.parent / 'lib' / x_y}, which is"
        f" not the standard library of its interpreter {real}"
    )
    (home / Path(real).name).unlink()
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (
        f"{python}: {python} is a copy of no interpreter in pyvenv.cfg's home {home} (after"
        " an upgrade of that Python, `python -m venv --upgrade` copies it again)"
    )


@pytest.mark.parametrize(
    "name", ["python._pth", "python3._pth", "python311._pth"], ids=["python", "python3", "pythonXY"]
)
def test_a_pth_file_beside_the_interpreter_is_one_error(
    venv: Path, tmp_path: Path, name: str
) -> None:
    """CPython 3.11+ replaces sys.path with a ``._pth`` file's lines (and turns site
    off), so the environment imports what the file names, not its site-packages."""
    stdlib = [p for p in sys.path if p.startswith(sys.base_prefix) and "site-packages" not in p]
    evil = tmp_path / "evil"
    evil.mkdir()
    pth = venv / "bin" / name
    pth.write_text("\n".join([str(evil), *stdlib]) + "\n")
    python = venv / "bin" / "python"
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(python)
    assert str(error.value) == (
        f"{python}: {pth} replaces the interpreter's sys.path at start-up (a ._pth file), so"
        " what it imports cannot be checked"
    )


def test_a_pth_file_beside_the_interpreter_a_venv_links_to_is_one_error(tmp_path: Path) -> None:
    base = tmp_path / "base" / "bin"
    base.mkdir(parents=True)
    real = Path(os.path.realpath(sys.executable))
    (base / real.name).symlink_to(real)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(base / real.name)
    (venv / "pyvenv.cfg").write_text(f"home = {real.parent}\n")
    (base / f"{real.name}._pth").write_text("\n".join(sys.path[1:]) + "\n")
    with pytest.raises(EnvironmentInspectionError) as error:
        probe_interpreter(venv / "bin" / "python")
    assert str(error.value).startswith(f"{venv / 'bin' / 'python'}: {base / real.name}._pth ")


def test_an_answer_of_another_standard_library_is_probed_again(
    venv: Path, mocker: MockerFixture
) -> None:
    python = venv / "bin" / "python"
    fresh = probe_interpreter(python)
    entry = _cache_path(python, False)
    assert entry is not None
    answer = entry.read_bytes()
    for poison in (
        {"base_prefix": str(venv)},
        {"start_path": [str(venv / "elsewhere"), *map(str, fresh.start_path)]},
    ):
        data = marshal.loads(answer)
        data.update(poison)
        entry.write_bytes(marshal.dumps(data))
        popen = mocker.spy(subprocess, "Popen")
        assert probe_interpreter(python) == fresh
        assert popen.call_count == 1
        mocker.stopall()


def _home_elsewhere(project: PoetryProject, tmp_path: Path) -> str:
    home = _stdlib_tree(tmp_path)
    _set_home(project.venv, home)
    x_y = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return (
        f"pyvenv.cfg's home {home} leads to {home.parent / 'lib' / x_y}, which is not the"
        f" standard library of its interpreter {os.path.realpath(sys.executable)}"
    )


def _pth_beside(project: PoetryProject, tmp_path: Path) -> str:
    pth = project.venv / "bin" / "python._pth"
    pth.write_text("\n".join(sys.path[1:]) + "\n")
    return (
        f"{pth} replaces the interpreter's sys.path at start-up (a ._pth file), so what it"
        " imports cannot be checked"
    )


@pytest.mark.parametrize("plant", [_home_elsewhere, _pth_beside], ids=["home", "._pth"])
def test_a_venv_that_starts_another_standard_library_is_exit_2_from_either_entry_point(
    project_factory: ProjectFactory,
    tmp_path: Path,
    plant: Callable[[PoetryProject, Path], str],
) -> None:
    project = installed_project(project_factory(), ["alpha"])
    problem = plant(project, tmp_path)
    line = f"lockguard: {project.venv / 'bin' / 'python'}: {problem}\n"
    for extra in ((), ("--integrity",)):
        plugin = project.lockguard(*extra)
        alone = project.standalone(*extra)
        assert plugin.returncode == alone.returncode == 2, plugin.output + alone.output
        assert plugin.stderr == alone.stderr == line


DEBIAN_PYTHON = Path("/usr/bin/python3")


def _debian_site_packages() -> bool:
    """Whether /usr/bin/python3 is Debian's, whose site.py names dist-packages
    directories (a venv has none of them)."""
    if not DEBIAN_PYTHON.exists():
        return False
    done = subprocess.run(
        [str(DEBIAN_PYTHON), "-c", "import site; print(site.getsitepackages(['/x']))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "dist-packages" in done.stdout


@pytest.mark.skipif(not _debian_site_packages(), reason="needs Debian's /usr/bin/python3")
@pytest.mark.parametrize("maker", ["venv", "virtualenv"])
def test_a_venv_of_debians_python_is_checked(
    project_factory: ProjectFactory, tmp_path: Path, maker: str
) -> None:
    """Debian's site.py lists dist-packages directories a venv does not have; site.py
    adds only those that exist, and so does the check. One that exists is not the
    venv's own site directory: exit 2."""
    project = installed_project(project_factory(), ["alpha"])
    debian = tmp_path / "debian"
    if maker == "venv":
        command = [str(DEBIAN_PYTHON), "-m", "venv", "--without-pip", str(debian)]
    else:
        command = [sys.executable, "-m", "virtualenv", "-q", "--no-seed", "-p", str(DEBIAN_PYTHON)]
        command.append(str(debian))
    subprocess.run(command, check=True, capture_output=True)
    [old_site] = project.venv.glob("lib/python*/site-packages")
    [new_site] = debian.glob("lib/python*/site-packages")
    for entry in old_site.iterdir():
        if entry.name.startswith(("alpha", "beta")):
            target = new_site / entry.name
            if entry.is_dir():
                shutil.copytree(entry, target)
            else:
                target.write_bytes(entry.read_bytes())
    shutil.rmtree(project.venv)
    debian.rename(project.venv)
    for extra in ((), ("--integrity",)):
        plugin = project.lockguard("--format", "json", *extra)
        alone = project.standalone("--format", "json", *extra)
        assert plugin.returncode == alone.returncode == 0, plugin.output + alone.output
        assert plugin.json()["environment"]["path"] == str(project.venv)
    planted = project.venv / "lib" / "python3" / "dist-packages"
    planted.mkdir(parents=True)
    plugin, alone = project.lockguard(), project.standalone()
    assert plugin.returncode == alone.returncode == 2, plugin.output + alone.output
    assert (
        plugin.stderr
        == alone.stderr
        == (
            f"lockguard: {project.venv / 'bin' / 'python'}: its interpreter named site directories"
            f" of {project.venv} that are not its own\n"
        )
    )
