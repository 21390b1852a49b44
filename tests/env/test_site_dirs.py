"""Distributions the target imports from outside its venv: the base interpreter's
site-packages (``include-system-site-packages = true``) and the user site.

The base interpreter is a throwaway copy of the one running the tests (its binary,
its standard library linked in, an empty site-packages of its own), so that nothing is
installed into a shared interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.probe import probe_interpreter
from tests.integrity.support import run_both
from tests.support.poetry import UNMEASURED_TOOL
from tests.support.poetry import copy_tree


if TYPE_CHECKING:
    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject

VERSION = f"python{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base interpreter of our own: bin/pythonX.Y and lib/pythonX.Y/site-packages."""
    root = tmp_path_factory.mktemp("base")
    (root / "bin").mkdir()
    real = Path(sys.base_prefix)
    shutil.copy2(real / "bin" / VERSION, root / "bin" / VERSION)
    stdlib = root / "lib" / VERSION
    stdlib.mkdir(parents=True)
    for entry in Path(sysconfig.get_paths(vars={"base": str(real)})["stdlib"]).iterdir():
        if entry.name != "site-packages":
            (stdlib / entry.name).symlink_to(entry)
    for lib in (real / "lib").glob("libpython*"):
        (root / "lib" / lib.name).symlink_to(lib)  # for an rpath of $ORIGIN/../lib
    (stdlib / "site-packages").mkdir()
    return root / "bin" / VERSION


def base_site(base: Path) -> Path:
    return base.parent.parent / "lib" / VERSION / "site-packages"


def make_venv(base: Path, path: Path, *, system_site: bool) -> Path:
    args = [str(base), "-m", "venv", "--without-pip", str(path)]
    subprocess.run(args + (["--system-site-packages"] if system_site else []), check=True)
    return path / "bin" / "python"


def set_system_site(venv: Path, value: str | None) -> None:
    """Rewrite pyvenv.cfg's include-system-site-packages line (None: drop it)."""
    cfg = venv / "pyvenv.cfg"
    lines = [
        line
        for line in cfg.read_text().splitlines()
        if not line.lower().startswith("include-system-site-packages")
    ]
    if value is not None:
        lines.append(f"include-system-site-packages = {value}")
    cfg.write_text("\n".join(lines) + "\n")


def user_site(userbase: Path) -> Path:
    return userbase / "lib" / VERSION / "site-packages"


def real_site_path(python: Path, env: dict[str, str]) -> list[Path]:
    """The site directories on the target's own sys.path, with site.py running."""
    code = "import json, sys; print(json.dumps(sys.path))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run(
        [str(python), "-c", code], env={**clean, **env}, check=True, capture_output=True, text=True
    ).stdout
    return [Path(p) for p in json.loads(out) if p.endswith("site-packages")]


@pytest.mark.parametrize(
    ("system_site", "cfg_value", "user", "env"),
    [
        (True, "true", True, {}),
        (True, None, True, {}),  # no such line: site.py includes the system site
        (True, "TRUE ", True, {}),
        (True, "true", True, {"PYTHONNOUSERSITE": "1"}),
        (False, "false", True, {}),  # a venv without system site has no user site
        (False, "yes", True, {}),  # only "true" counts
        (None, None, True, {}),  # the base interpreter itself
        (None, None, False, {}),  # no user site directory: not on sys.path, not scanned
    ],
    ids=[
        "system",
        "no-line",
        "TRUE",
        "PYTHONNOUSERSITE",
        "isolated",
        "yes",
        "base",
        "base-no-user",
    ],
)
def test_probe_reports_the_site_directories_site_py_adds(
    base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    system_site: bool | None,
    cfg_value: str | None,
    user: bool,
    env: dict[str, str],
) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path / "cache"))
    userbase = tmp_path / "userbase"
    if user:
        user_site(userbase).mkdir(parents=True)
    env = {"PYTHONUSERBASE": str(userbase), **env}
    for key in ("PYTHONUSERBASE", "PYTHONNOUSERSITE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    python = base
    if system_site is not None:
        python = make_venv(base, tmp_path / "venv", system_site=system_site)
        set_system_site(tmp_path / "venv", cfg_value)
    found = probe_interpreter(python)
    expected = real_site_path(python, env)
    assert [p for p in found.search_path if p.is_dir()] == expected
    assert (user_site(userbase) in expected) == (
        user and "PYTHONNOUSERSITE" not in env and system_site is not False
    )
    outside = {p: o for p, o in found.origins.items() if p.is_dir()}
    if system_site:
        assert outside.pop(base_site(base)) == "the base interpreter's site-packages"
    if user_site(userbase) in expected:
        assert outside.pop(user_site(userbase)) == "the user site"
    assert outside == {}


def test_cache_follows_pyvenv_cfg_and_the_user_base(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_LOCKGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POETRY_LOCKGUARD_NO_CACHE", raising=False)
    monkeypatch.setenv("PYTHONUSERBASE", str(tmp_path / "one"))
    python = make_venv(base, tmp_path / "venv", system_site=True)
    assert base_site(base) in probe_interpreter(python).search_path
    cfg = tmp_path / "venv" / "pyvenv.cfg"
    before = cfg.stat()
    # Same size, same mtime: only the content says that the system site is gone.
    cfg.write_text(cfg.read_text().replace("= true", "=false"))
    os.utime(cfg, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cfg.stat().st_size == before.st_size
    assert probe_interpreter(python).search_path == (
        tmp_path / "venv" / "lib" / VERSION / "site-packages",
    )
    set_system_site(tmp_path / "venv", "true")
    assert user_site(tmp_path / "one") in probe_interpreter(python).search_path
    monkeypatch.setenv("PYTHONUSERBASE", str(tmp_path / "two"))
    assert user_site(tmp_path / "two") in probe_interpreter(python).search_path
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    assert user_site(tmp_path / "two") not in probe_interpreter(python).search_path


# -- through both entry points, after a real poetry install -------------------------


def pip_target(index: PackageIndex, target: Path, *specs: str) -> None:
    """A real pip install of ``specs`` from the test index into ``target``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--isolated",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--index-url",
            index.url,
            "--target",
            str(target),
            *specs,
        ],
        check=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
            **UNMEASURED_TOOL,
        },
    )


@pytest.fixture(scope="module")
def system_project(
    base: Path, index: PackageIndex, poetry_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> PoetryProject:
    """beta (so alpha 2.0.0) and delta locked and installed by Poetry into a venv with
    system site packages; the base interpreter has stray 1.0.0, delta 1.0.0 and alpha
    1.0.0 (which the venv's alpha 2.0.0 shadows)."""
    from tests.support.poetry import PoetryProject

    pip_target(index, base_site(base), "stray==1.0.0", "delta==1.0.0", "alpha==1.0.0")
    project = PoetryProject(tmp_path_factory.mktemp("system-site") / "p", poetry_home, index.url)
    project.write_pyproject(["beta>=1.0", "delta>=1.0"])
    make_venv(base, project.venv, system_site=True)
    project.poetry("lock", check=True)
    # The guard's own check after the install sees the base interpreter's stray too.
    install = project.poetry("install")
    assert install.returncode == 1, install.output
    assert (
        "extraneous: stray 1.0.0 is installed but not required by poetry.lock for this"
        f" selection (in the base interpreter's site-packages {base_site(base)})"
    ) in install.output
    assert "missing" not in install.output  # delta 1.0.0 from the base is what is imported
    return project


def test_system_site_packages_are_checked(system_project: PoetryProject, base: Path) -> None:
    site = base_site(base)
    venv_site = system_project.venv / "lib" / VERSION / "site-packages"
    for result in run_both(system_project, "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("duplicate-distribution", "alpha"), ("extraneous", "stray")]
        by_code = {f["code"]: f for f in result.json()["findings"]}
        assert by_code["extraneous"]["message"] == (
            "stray 1.0.0 is installed but not required by poetry.lock for this selection"
            f" (in the base interpreter's site-packages {site})"
        )
        assert by_code["extraneous"]["path"] == str(site / "stray-1.0.0.dist-info")
        duplicate = by_code["duplicate-distribution"]
        assert (duplicate["severity"], duplicate["path"]) == (
            "warning",
            str(venv_site / "alpha-2.0.0.dist-info"),
        )
    # delta 1.0.0 is imported from the base interpreter: installed as locked, but no
    # install receipt vouches for it.
    for result in run_both(system_project, "--format", "json", "--integrity"):
        assert result.returncode == 1, result.output
        unattested = [f for f in result.json()["findings"] if f["code"] == "unattested"]
        assert [(f["package"], f["path"]) for f in unattested] == [
            ("delta", str(site / "delta-1.0.0.dist-info" / "provenance_url.json"))
        ]


def test_turning_the_system_site_off_is_seen_at_once(
    system_project: PoetryProject, base: Path, tmp_path: Path
) -> None:
    target = tmp_path / "project"
    copy_tree(system_project.path, target)
    from tests.support.poetry import PoetryProject

    project = PoetryProject(target, system_project.home, system_project.index_url)
    for result in run_both(project, "--format", "json"):
        assert result.findings() == [("duplicate-distribution", "alpha"), ("extraneous", "stray")]
    set_system_site(project.venv, "false")  # delta is gone from sys.path with it
    for result in run_both(project, "--format", "json"):
        assert result.returncode == 1, result.output
        assert result.findings() == [("missing", "delta")]


def test_user_site_is_checked(
    system_project: PoetryProject, index: PackageIndex, tmp_path: Path
) -> None:
    userbase = tmp_path / "userbase"
    pip_target(index, user_site(userbase), "zeta==1.0.0")
    env = {"PYTHONUSERBASE": str(userbase)}
    for command in (["lockguard", "check"], None):
        if command is None:
            result = system_project.standalone("--format", "json", env=env)
        else:
            result = system_project.poetry(*command, "--format", "json", env=env)
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("duplicate-distribution", "alpha"),
            ("extraneous", "stray"),
            ("extraneous", "zeta"),
        ]
        [zeta] = [f for f in result.json()["findings"] if f["package"] == "zeta"]
        assert zeta["message"].endswith(f" (in the user site {user_site(userbase)})")
    env["PYTHONNOUSERSITE"] = "1"
    result = system_project.standalone("--format", "json", env=env)
    assert result.findings() == [("duplicate-distribution", "alpha"), ("extraneous", "stray")]
