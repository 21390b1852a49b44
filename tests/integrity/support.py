"""Helpers for the integrity tests: where things are in an installed env, planting damage."""

from __future__ import annotations

import hashlib
import sys

from typing import TYPE_CHECKING

from tests.integrity.wheels import record_hash
from tests.support.forkserver import POETRY


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import PoetryProject
    from tests.support.poetry import Result


def site_packages(project: PoetryProject) -> Path:
    return next(project.venv.glob("lib/python*/site-packages"))


def dist_info_of(project: PoetryProject, name: str) -> Path:
    module = name.replace("-", "_")
    return next(site_packages(project).glob(f"{module}-*.dist-info"))


def append_record(dist_info: Path, *rows: bytes) -> None:
    with (dist_info / "RECORD").open("ab") as f:
        for row in rows:
            f.write(row + b"\n")


def rewrite_record_row(dist_info: Path, relative: str, data: bytes | None) -> None:
    """Replace (or with None, drop) the RECORD row of ``relative``."""
    record = dist_info / "RECORD"
    lines = record.read_text().splitlines()
    kept = [line for line in lines if not line.startswith(f"{relative},")]
    if data is not None:
        kept.append(f"{relative},{record_hash(data)},{len(data)}")
    record.write_text("\n".join(kept) + "\n")


def plant_receipt(
    project: PoetryProject,
    name: str,
    index: PackageIndex,
    artifact: str | None = None,
    sha256: str | None = None,
) -> None:
    """Write a receipt the way the install guard does (file, signature and RECORD row),
    with the project's state directory, where its checks find the key."""
    from poetry_lockguard.plugin.install_guard.receipts import write_receipt
    from tests.support.poetry import environment

    folder = index.root / name
    if artifact is None:
        version = _version_of(project, name)
        artifact = next(
            p.name
            for p in sorted(folder.iterdir())
            if p.suffix == ".whl" and f"-{version}-" in p.name
        )
    if sha256 is None:
        sha256 = hashlib.sha256((folder / artifact).read_bytes()).hexdigest()
    url = f"{index.url.replace('/simple/', '/files/')}{name}/{artifact}"
    with environment(project.env(), project.path):
        write_receipt(dist_info_of(project, name), url, sha256)


def _version_of(project: PoetryProject, name: str) -> str:
    return dist_info_of(project, name).name[: -len(".dist-info")].split("-")[1]


def run_both(
    project: PoetryProject,
    *args: str,
    timeout: float = 60,
    hostile: bool = True,
    env: dict[str, str] | None = None,
) -> list[Result]:
    """``poetry lockguard check ARGS`` and the stand-alone check, each within ``timeout``.

    With ``hostile=False`` (an environment nobody built to hang or crash the check) the
    stand-alone runs by its main() in this process instead of a subprocess; ``env`` is
    added to both checks' environment (subprocesses only).
    """
    plugin = project.run([str(POETRY), "lockguard", "check", *args], timeout=timeout, env=env)
    if not hostile:
        assert env is None, "the in-process check takes no environment"
        return [plugin, project.standalone(*args)]
    return [
        plugin,
        project.run(
            [sys.executable, "-m", "poetry_lockguard", "check", "-C", str(project.path), *args],
            timeout=timeout,
            env=env,
        ),
    ]


#: The locked packages of the integrity template, each a wheel in Poetry's cache.
LOCKED_WHEELS = ("alpha", "beta", "lg-tool")


def without_archives(project: PoetryProject) -> dict[str, str]:
    """An environment for ``run_both`` in which the check finds none of the locked
    archives (an empty Poetry cache): every locked wheel package is ``unanchored`` and
    verified against its installed RECORD alone, as where no archive is kept."""
    empty = project.path.parent / "empty-poetry-cache"
    empty.mkdir(exist_ok=True)
    return {"POETRY_CACHE_DIR": str(empty)}
