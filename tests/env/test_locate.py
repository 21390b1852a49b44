"""locate.py finds exactly the environment ``poetry env info -p`` names, asked of the real Poetry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.locate import _config_dir
from poetry_lockguard.env.locate import _virtualenvs_path
from poetry_lockguard.env.locate import find_project_interpreter
from poetry_lockguard.env.locate import generate_env_name
from poetry_lockguard.env.locate import interpreter_in
from poetry_lockguard.errors import EnvironmentInspectionError
from tests.support.forkserver import POETRY
from tests.support.forkserver import run_command
from tests.support.interpreters import find_python
from tests.support.interpreters import missing


if TYPE_CHECKING:
    from collections.abc import Callable

NAME = "demo-app"
#: A second Python for the layouts that name another interpreter.
OTHER = find_python("3.12")
OTHER_PYTHON = Path(OTHER) if OTHER else Path("python3.12")


class Layout:
    """A project, Poetry's config and cache directories, and the environments made.

    The config directory is the module's, emptied for each layout: Poetry reads
    POETRY_CONFIG_DIR when it is imported, so one directory for all lets every ``poetry``
    answer be a fork of one warm Poetry (tests.support.forkserver).
    """

    def __init__(self, root: Path, config: Path) -> None:
        self.project = root / "project"
        self.config = config
        self.cache = root / "cache"
        self.project.mkdir()
        shutil.rmtree(self.config, ignore_errors=True)
        self.config.mkdir()
        self.project.joinpath("pyproject.toml").write_text(
            f'[project]\nname = "{NAME}"\nversion = "0.1.0"\n\n'
            "[tool.poetry]\npackage-mode = false\n"
        )
        self.env = {
            "POETRY_CONFIG_DIR": str(self.config),
            "POETRY_CACHE_DIR": str(self.cache),
            "POETRY_VIRTUALENVS_USE_POETRY_PYTHON": "true",
        }

    @property
    def base(self) -> str:
        return generate_env_name(NAME, str(self.project))

    def venv(self, path: Path, python: Path = Path(sys.executable)) -> Path:
        subprocess.run([str(python), "-m", "venv", "--without-pip", str(path)], check=True)
        return path

    def named_venv(self, directory: Path, python: Path = Path(sys.executable)) -> Path:
        done = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        )
        return self.venv(directory / f"{self.base}-py{done.stdout.strip()}", python)

    def config_toml(self, text: str) -> None:
        self.config.joinpath("config.toml").write_text(text)

    def poetry_answer(self) -> Path | None:
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("POETRY_", "VIRTUAL_ENV", "CONDA_"))
        }
        done = run_command(
            [str(POETRY), "--no-plugins", "env", "info", "-p"],
            cwd=self.project,
            env={**environ, **self.env},
            timeout=60,
        )
        return Path(done.stdout.strip()) if done.returncode == 0 else None

    def locate_answer(self, monkeypatch: pytest.MonkeyPatch) -> Path | None:
        for name in list(os.environ):
            if name.startswith(("POETRY_", "VIRTUAL_ENV", "CONDA_")):
                monkeypatch.delenv(name)
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        try:
            return find_project_interpreter(self.project, NAME).parent.parent
        except EnvironmentInspectionError:
            return None


def in_project_unset(layout: Layout) -> Path:
    layout.named_venv(layout.cache / "virtualenvs")
    return layout.venv(layout.project / ".venv")


def in_project_true(layout: Layout) -> Path:
    layout.env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    return layout.venv(layout.project / ".venv")


def in_project_false(layout: Layout) -> Path:
    layout.config_toml("[virtualenvs]\nin-project = false\n")
    layout.venv(layout.project / ".venv")
    return layout.named_venv(layout.cache / "virtualenvs")


def default_path_under_the_cache_dir(layout: Layout) -> Path:
    return layout.named_venv(layout.cache / "virtualenvs")


def path_with_cache_dir_in_config_toml(layout: Layout) -> Path:
    layout.config_toml('[virtualenvs]\npath = "{cache-dir}/custom-envs"\n')
    return layout.named_venv(layout.cache / "custom-envs")


def path_with_cache_dir_in_the_variable(layout: Layout) -> Path:
    layout.env["POETRY_VIRTUALENVS_PATH"] = "{cache-dir}/from-variable"
    return layout.named_venv(layout.cache / "from-variable")


def cache_dir_in_config_toml(layout: Layout) -> Path:
    del layout.env["POETRY_CACHE_DIR"]
    other = layout.cache.parent / "configured-cache"
    layout.config_toml(f'cache-dir = "{other}"\n')
    return layout.named_venv(other / "virtualenvs")


def envs_toml_names_another_python(layout: Layout) -> Path:
    venvs = layout.cache / "virtualenvs"
    layout.named_venv(venvs)
    chosen = layout.named_venv(venvs, OTHER_PYTHON)
    venvs.joinpath("envs.toml").write_text(f'[{layout.base}]\nminor = "3.12"\npatch = "3.12.1"\n')
    return chosen


def virtual_env_wins_over_in_project(layout: Layout) -> Path:
    layout.venv(layout.project / ".venv")
    active = layout.venv(layout.cache.parent / "active")
    layout.env["VIRTUAL_ENV"] = str(active)
    return active


def envs_toml_wins_over_virtual_env(layout: Layout) -> Path:
    venvs = layout.cache / "virtualenvs"
    chosen = layout.named_venv(venvs, OTHER_PYTHON)
    venvs.joinpath("envs.toml").write_text(f'[{layout.base}]\nminor = "3.12"\npatch = "3.12.1"\n')
    layout.env["VIRTUAL_ENV"] = str(layout.venv(layout.cache.parent / "active"))
    return chosen


CASES = [
    in_project_unset,
    in_project_true,
    in_project_false,
    default_path_under_the_cache_dir,
    path_with_cache_dir_in_config_toml,
    path_with_cache_dir_in_the_variable,
    cache_dir_in_config_toml,
    envs_toml_names_another_python,
    virtual_env_wins_over_in_project,
    envs_toml_wins_over_virtual_env,
]


@pytest.fixture(scope="module")
def poetry_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The config directory of every layout of this module (see :class:`Layout`)."""
    return tmp_path_factory.mktemp("poetry-config")


@pytest.mark.skipif(OTHER is None, reason=missing("3.12"))
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_locate_finds_what_poetry_names(
    tmp_path: Path,
    poetry_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: Callable[[Layout], Path],
) -> None:
    layout = Layout(tmp_path, poetry_config)
    expected = case(layout)
    assert layout.poetry_answer() == expected
    assert layout.locate_answer(monkeypatch) == expected


def test_no_environment_is_an_error_naming_the_project(
    tmp_path: Path, poetry_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout(tmp_path, poetry_config)
    assert layout.locate_answer(monkeypatch) is None
    with pytest.raises(EnvironmentInspectionError, match="no environment found for this project"):
        find_project_interpreter(layout.project, NAME)


def fake_env(directory: Path) -> Path:
    """A directory that looks like an environment to locate.py (its ``bin/python``)."""
    directory.joinpath("bin").mkdir(parents=True)
    directory.joinpath("bin", "python").touch()
    return directory


def test_of_several_named_environments_the_running_minor_wins_else_none(
    tmp_path: Path, poetry_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout(tmp_path, poetry_config)
    venvs = layout.cache / "virtualenvs"
    fake_env(venvs / f"{layout.base}-py3.1")
    assert layout.locate_answer(monkeypatch) == venvs / f"{layout.base}-py3.1"
    fake_env(venvs / f"{layout.base}-py3.0")
    with pytest.raises(EnvironmentInspectionError) as error:
        find_project_interpreter(layout.project, NAME)
    assert str(error.value) == (
        f"{venvs}: several environments for this project ({layout.base}-py3.0,"
        f" {layout.base}-py3.1); choose one with --python"
    )
    running = fake_env(venvs / f"{layout.base}-py{sys.version_info[0]}.{sys.version_info[1]}")
    assert layout.locate_answer(monkeypatch) == running


def test_unreadable_settings_are_skipped_as_poetry_would_fail_on_them_later(
    tmp_path: Path, poetry_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout(tmp_path, poetry_config)
    layout.config_toml("virtualenvs = [")
    layout.project.joinpath("poetry.toml").write_text('virtualenvs = "not a table"\n')
    venvs = layout.cache / "virtualenvs"
    venvs.mkdir(parents=True)
    venvs.joinpath("envs.toml").write_text("[")
    expected = layout.named_venv(venvs)
    assert layout.locate_answer(monkeypatch) == expected


def test_a_directory_without_an_interpreter_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentInspectionError, match=f"^{tmp_path}: no Python interpreter"):
        interpreter_in(tmp_path)


@pytest.mark.parametrize(
    ("platform", "config", "cache"),
    [
        ("darwin", "{home}/Library/Application Support/pypoetry", "{home}/Library/Caches/pypoetry"),
        ("win32", "{appdata}/pypoetry", "{local}/pypoetry/Cache"),
        ("linux", "{xdg}/config/pypoetry", "{xdg}/cache/pypoetry"),
    ],
)
def test_default_directories_are_poetrys_on_each_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, config: str, cache: str
) -> None:
    places = {
        "home": tmp_path / "home",
        "appdata": tmp_path / "roaming",
        "local": tmp_path / "local",
        "xdg": tmp_path / "xdg",
    }
    monkeypatch.delenv("POETRY_CONFIG_DIR", raising=False)
    monkeypatch.setenv("HOME", str(places["home"]))
    monkeypatch.setenv("APPDATA", str(places["appdata"]))
    monkeypatch.setenv("LOCALAPPDATA", str(places["local"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(places["xdg"] / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(places["xdg"] / "cache"))
    monkeypatch.setattr(sys, "platform", platform)
    assert _config_dir() == Path(config.format(**places))
    assert _virtualenvs_path({}) == Path(cache.format(**places)) / "virtualenvs"
