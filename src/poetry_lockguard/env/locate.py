"""Finding the environment Poetry would use for a project, without creating one."""

from __future__ import annotations

import os
import sys

from pathlib import Path

from poetry_lockguard.errors import EnvironmentInspectionError


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def interpreter_in(path: Path) -> Path:
    """The interpreter of ``path``: itself if a file, else the venv's ``bin/python``."""
    if path.is_dir():
        candidates = (
            path / "bin" / "python",
            path / "bin" / "python3",
            path / "Scripts" / "python.exe",
        )
        for candidate in candidates:
            if candidate.exists():
                return candidate
        dangling = next((c for c in candidates if c.is_symlink()), None)
        if dangling is not None:
            raise _broken(path, dangling)
        raise EnvironmentInspectionError(f"{path}: no Python interpreter in this directory")
    if not path.exists():
        if path.is_symlink() and (path.parent.parent / "pyvenv.cfg").is_file():
            raise _broken(path.parent.parent, path)
        raise EnvironmentInspectionError(f"{path}: interpreter not found")
    return path


def _broken(venv: Path, python: Path) -> EnvironmentInspectionError:
    """A venv whose interpreter is a link to a Python that is gone (removed, upgraded)."""
    target = os.readlink(python)
    return EnvironmentInspectionError(
        f"{venv}: broken virtualenv: {python.relative_to(venv)} links to {target}, which no"
        f" longer exists (its Python was removed or upgraded); recreate it: remove {venv},"
        " then run `poetry install`"
    )


def find_project_interpreter(
    project_dir: Path, project_name: str, environ: Mapping[str, str] | None = None
) -> Path:
    """The interpreter of the environment Poetry would use for ``project_dir``
    (``locate_project_interpreter`` without the reason)."""
    return locate_project_interpreter(project_dir, project_name, environ)[0]


def locate_project_interpreter(
    project_dir: Path, project_name: str, environ: Mapping[str, str] | None = None
) -> tuple[Path, str]:
    """The interpreter of the environment Poetry would use for ``project_dir``, and why
    that one (for ``-v``).

    The order is Poetry's (``EnvManager.get``): an active ``VIRTUAL_ENV`` (or non-base
    conda env) unless envs.toml names a Python for this project (``poetry env use``);
    then the in-project ``.venv`` (unless ``virtualenvs.in-project = false``); then
    ``{virtualenvs.path}/{name}-{hash}-py{X.Y}``, ``{cache-dir}`` expanded as Poetry
    does. With ``virtualenvs.create = false``, the base interpreter of the running
    Python, as Poetry uses. Nothing is ever created; raise EnvironmentInspectionError
    when no environment exists. ``environ`` is the environment Poetry would run with
    (default: this process's) for the active-environment variables.
    """
    if environ is None:
        environ = os.environ
    config = _poetry_config(project_dir)
    venvs = _virtualenvs_path(config)
    base = generate_env_name(project_name, str(project_dir))
    chosen = _chosen_minor(venvs, base)
    # Poetry reads VIRTUAL_ENV first and CONDA_PREFIX only when VIRTUAL_ENV is unset.
    active = environ.get("VIRTUAL_ENV", environ.get("CONDA_PREFIX"))
    if active and environ.get("CONDA_DEFAULT_ENV") != "base" and not chosen:
        variable = "VIRTUAL_ENV" if "VIRTUAL_ENV" in environ else "CONDA_PREFIX"
        return interpreter_in(Path(active)), f"the activated environment ({variable})"

    in_project = project_dir / ".venv"
    if in_project.is_dir() and config.get("virtualenvs.in-project") is not False:
        return interpreter_in(in_project), "the project's in-project .venv"

    if config.get("virtualenvs.create") is False:
        return (
            interpreter_in(Path(sys.base_prefix)),
            "virtualenvs.create = false: the base interpreter of the Python running this",
        )

    if chosen:
        named = venvs / f"{base}-py{chosen}"
        candidates = [named] if named.exists() else []
    else:
        candidates = sorted(venvs.glob(f"{base}-py*")) if venvs.is_dir() else []
    if len(candidates) > 1:
        minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
        candidates = [c for c in candidates if c.name.endswith(f"-py{minor}")] or candidates
    if len(candidates) == 1:
        why = (
            f"the environment `poetry env use` chose (Python {chosen})"
            if chosen
            else "the project's environment"
        )
        return interpreter_in(candidates[0]), f"{why} in virtualenvs.path {venvs}"
    if candidates:
        names = ", ".join(c.name for c in candidates)
        raise EnvironmentInspectionError(
            f"{venvs}: several environments for this project ({names}); choose one with --python"
        )
    raise EnvironmentInspectionError(
        f"{project_dir}: no environment found for this project (run `poetry install`"
        " first, or name one with --python)"
    )


def generate_env_name(name: str, cwd: str) -> str:
    """The ``{name}-{hash}`` prefix Poetry gives a project's virtualenvs."""
    sanitized = name.lower().translate(_UNSAFE_IN_ENV_NAME)[:42]
    normalized_cwd = os.path.normcase(os.path.realpath(cwd))
    from binascii import b2a_base64  # what base64.urlsafe_b64encode calls
    from hashlib import sha256

    digest = sha256(normalized_cwd.encode()).digest()
    encoded = b2a_base64(digest, newline=False).decode().translate(_URLSAFE)
    return f"{sanitized}-{encoded[:8]}"


#: What Poetry replaces with "_" in an environment's name, and base64's URL-safe alphabet.
_UNSAFE_IN_ENV_NAME = str.maketrans(dict.fromkeys(' $`!*@"\\\r\n\t', "_"))
_URLSAFE = str.maketrans("+/", "-_")


def _poetry_config(project_dir: Path) -> dict[str, Any]:
    """Flattened ``virtualenvs.*`` and ``cache-dir`` settings, later sources winning."""
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.lock.toml import load_toml

    settings: dict[str, Any] = {}
    for path in (_config_dir() / "config.toml", project_dir / "poetry.toml"):
        if not path.is_file():
            continue
        try:
            data = load_toml(path)
        except LockguardError:
            continue
        if isinstance(data.get("cache-dir"), str):
            settings["cache-dir"] = data["cache-dir"]
        venv = data.get("virtualenvs", {})
        if isinstance(venv, dict):
            for key in ("path", "in-project", "create"):
                if key in venv:
                    settings[f"virtualenvs.{key}"] = venv[key]
    for key, var in (
        ("cache-dir", "POETRY_CACHE_DIR"),
        ("virtualenvs.path", "POETRY_VIRTUALENVS_PATH"),
        ("virtualenvs.in-project", "POETRY_VIRTUALENVS_IN_PROJECT"),
        ("virtualenvs.create", "POETRY_VIRTUALENVS_CREATE"),
    ):
        value = os.environ.get(var)
        if value is not None:
            boolean = key in ("virtualenvs.in-project", "virtualenvs.create")
            settings[key] = value.lower() in ("1", "true") if boolean else value
    return settings


def _config_dir() -> Path:
    if os.environ.get("POETRY_CONFIG_DIR"):
        return Path(os.environ["POETRY_CONFIG_DIR"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "pypoetry"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "pypoetry"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "pypoetry"


def poetry_cache_dir(project_dir: Path) -> Path:
    """Poetry's ``cache-dir`` for the project (``POETRY_CACHE_DIR``, its config files),
    found without Poetry."""
    return _cache_dir(_poetry_config(project_dir))


def _cache_dir(config: dict[str, Any]) -> Path:
    """``cache-dir``, defaulting as platformdirs does."""
    if config.get("cache-dir"):
        return Path(str(config["cache-dir"])).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "pypoetry"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "pypoetry" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pypoetry"


def _virtualenvs_path(config: dict[str, Any]) -> Path:
    """``virtualenvs.path`` with ``{cache-dir}`` expanded (Poetry's default is
    ``{cache-dir}/virtualenvs``)."""
    cache = str(_cache_dir(config))
    path = str(config.get("virtualenvs.path") or os.path.join("{cache-dir}", "virtualenvs"))
    return Path(path.replace("{cache-dir}", cache)).expanduser()


def _chosen_minor(venvs: Path, base: str) -> str:
    """The minor version ``poetry env use`` recorded in envs.toml, if any."""
    from poetry_lockguard.errors import LockguardError
    from poetry_lockguard.lock.toml import load_toml

    envs = venvs / "envs.toml"
    if not envs.is_file():
        return ""
    try:
        entry = load_toml(envs).get(base, {})
    except LockguardError:
        return ""
    return str(entry.get("minor", "")) if isinstance(entry, dict) else ""
