"""The environments `benchmarks/run.py` measures, generated, locked and installed.

- **real**: a project shaped like a real service's (61 installed packages,
  about 13.6k files, about 290 MB): a dependency graph with markers, an extra and a dev
  group; packages of a few files up to a few thousand; Python modules of a few KB and a
  few native-library-sized blobs of up to 36 MB. The wheels are generated
  (deterministically, from a seed) and served on 127.0.0.1; Poetry locks the project
  and installs it into ``.venv``. Its **uv twin** is the same requirements as a uv
  project (``[project]`` plus ``[dependency-groups]``), locked by ``uv lock`` against
  the same index and installed by ``uv sync``: the same 61 distributions with the same
  files, in uv's own ``.venv``.
- **blobs-2** and **blobs-4**: 2 and 4 packages of one 48 MB file each (the hashing
  floor, and ``--integrity`` against the bytes hashed).

Everything lives under ``benchmarks/.work/`` and is rebuilt only when its inputs change
(a stamp file beside each project holds the key it was built for).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys

from dataclasses import dataclass
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integrity.wheels import build_wheel
from tests.support.forkserver import POETRY
from tests.support.poetry import PoetryProject


WORK = ROOT / "benchmarks" / ".work"
SEED = 14
#: Bumped whenever the generated wheels change, so that cached builds are redone.
GENERATION = 2

# 63 locked packages: 61 installed on Linux, one only on Windows, one only before 3.9.
_WORDS = [
    "core",
    "http",
    "json",
    "yaml",
    "auth",
    "crypto",
    "cli",
    "log",
    "orm",
    "sql",
    "async",
    "cache",
    "retry",
    "schema",
    "dates",
    "units",
    "geo",
    "image",
    "plot",
    "array",
    "stats",
    "learn",
    "text",
    "lang",
    "config",
    "dotenv",
    "mail",
    "html",
    "xml",
    "csv",
    "zip",
    "net",
    "dns",
    "tls",
    "jwt",
    "oauth",
    "grpc",
    "proto",
    "queue",
    "task",
    "events",
    "metrics",
    "trace",
    "rich",
    "color",
    "term",
    "prompt",
    "test",
    "mock",
    "cov",
    "lint",
    "fmt",
    "types",
    "docs",
    "build",
    "wheel",
    "path",
    "watch",
    "serve",
    "web",
]
_WINDOWS_ONLY = "lgr-winconsole"
_OLD_PYTHON_ONLY = "lgr-backport"
_EXTRA_ONLY = "lgr-socks"
_ONLY_SOME = (_EXTRA_ONLY, _WINDOWS_ONLY, _OLD_PYTHON_ONLY)
_DEV = ("lgr-test", "lgr-mock", "lgr-cov", "lgr-lint")

#: (package, files, MB of blobs): the heavy packages of a data-science-like project.
_HEAVY = {
    "lgr-array": (1900, (36, 12, 4, 1)),
    "lgr-learn": (2400, (30, 9, 3, 1)),
    "lgr-stats": (1600, (24, 8, 2)),
    "lgr-plot": (1500, (14, 6, 2)),
    "lgr-image": (700, (10, 4, 1)),
    "lgr-crypto": (300, (6, 2)),
    "lgr-grpc": (400, (8, 3)),
}
#: Files (not bytes) of the whole environment; Python modules make up what the heavy
#: packages leave.
_TOTAL_FILES = 13_600
_MODULE_BYTES = 108 * 1024 * 1024


@dataclass(frozen=True)
class Package:
    """One generated distribution: name, version, requirements, files and blob sizes."""

    name: str
    version: str
    requires: tuple[str, ...]
    files: int
    blobs: tuple[int, ...]


def real_packages() -> list[Package]:
    """The 63 packages of the real-looking project, in dependency order."""
    rng = random.Random(SEED)
    names = [f"lgr-{w}" for w in _WORDS] + [_EXTRA_ONLY, _WINDOWS_ONLY, _OLD_PYTHON_ONLY]
    light = [n for n in names if n not in _HEAVY]
    heavy_files = sum(files for files, _ in _HEAVY.values())
    weights = [rng.lognormvariate(0, 1.1) for _ in light]
    scale = (_TOTAL_FILES - heavy_files) / sum(weights)
    light_files = {n: max(3, round(w * scale)) for n, w in zip(light, weights)}
    packages = []
    for i, name in enumerate(names):
        earlier = [n for n in names[:i] if n not in (*_ONLY_SOME, *_DEV)]
        picks = rng.sample(earlier, min(len(earlier), rng.choice((0, 1, 1, 2, 3))))
        # The packages only some installs need are leaves: nothing hides behind them.
        requires = [] if name in _ONLY_SOME else [f"{n}>=1.0" for n in picks]
        if name == "lgr-rich":
            requires.append(f'{_WINDOWS_ONLY}>=1.0 ; sys_platform == "win32"')
        if name == "lgr-dates":
            requires.append(f'{_OLD_PYTHON_ONLY}>=1.0 ; python_version < "3.9"')
        files, blobs = _HEAVY.get(name, (light_files.get(name, 3), ()))
        version = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
        packages.append(Package(name, version, tuple(requires), files, blobs))
    return packages


def real_requirements(packages: list[Package]) -> tuple[list[str], list[str]]:
    """(main dependencies, dev group): everything no other package requires, plus a few
    direct ones, ``lgr-http[socks]`` pulling the extra-only package."""
    required = {r.split(">=")[0] for p in packages for r in p.requires}
    main = sorted(
        p.name
        for p in packages
        if p.name not in _ONLY_SOME
        and p.name not in _DEV
        and (p.name not in required or p.name in ("lgr-core", "lgr-http", "lgr-rich"))
    )
    main = [f"{n}[socks]>=1.0" if n == "lgr-http" else f"{n}>=1.0" for n in main]
    return main, [f"{n}>=1.0" for n in _DEV]


def _module_text(rng: random.Random) -> bytes:
    words = [
        "def",
        "class",
        "return",
        "import",
        "from",
        "self",
        "None",
        "True",
        "False",
        "for",
        "in",
        "if",
        "else",
        "elif",
        "while",
        "with",
        "as",
        "try",
        "except",
        "raise",
        "yield",
        "lambda",
        "value",
        "result",
        "items",
        "key",
        "name",
        "data",
        "path",
        "config",
        "args",
        "kwargs",
    ]
    lines = []
    size = 0
    while size < 1 << 20:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choices(words, k=rng.randint(2, 12)))
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines).encode()


def publish_real(index_root: Path) -> None:
    """Write the wheels of the real-looking project (skipped when already there)."""
    packages = real_packages()
    marker = index_root / f".real-{GENERATION}"
    if marker.exists():
        return
    # Installers cache artifacts by URL, and a new generation reuses some URLs.
    for cache in (WORK / "home" / "cache", WORK / "uv-cache"):
        shutil.rmtree(cache, ignore_errors=True)
    rng = random.Random(SEED + 1)
    pool = _module_text(rng)
    module_files = sum(p.files - len(p.blobs) for p in packages)
    mean = _MODULE_BYTES / module_files
    for package in packages:
        module = package.name.replace("-", "_")
        files: dict[str, bytes] = {}
        for j, megabytes in enumerate(package.blobs):
            files[f"{module}/_native{j}.cpython-311-x86_64-linux-gnu.so"] = rng.randbytes(
                megabytes * 1024 * 1024
            )
        for j in range(package.files - len(package.blobs)):
            folder = f"{module}/sub{j // 40}" if j >= 40 else module
            size = min(400_000, max(64, int(rng.lognormvariate(0, 1.2) * mean / 2.05)))
            start = rng.randrange(0, len(pool) - size)
            files[f"{folder}/mod{j}.py"] = (
                f"# {folder}/mod{j}.py\n".encode() + pool[start : start + size]
            )
        requires = "".join(f"Requires-Dist: {r}\n" for r in package.requires)
        if package.name == "lgr-http":
            requires += (
                f'Provides-Extra: socks\nRequires-Dist: {_EXTRA_ONLY}>=1.0 ; extra == "socks"\n'
            )
        shutil.rmtree(index_root / package.name, ignore_errors=True)  # an older generation
        build_wheel(
            index_root / package.name, package.name, package.version, files, metadata_extra=requires
        )
    marker.write_text("")


def publish_blobs(index_root: Path, count: int = 4) -> list[str]:
    """``count`` packages of one 48 MB file each; their names."""
    rng = random.Random(SEED + 2)
    names = []
    for i in range(count):
        name = f"lgr-blob-{i}"
        names.append(name)
        blob = rng.randbytes(48 * 1024 * 1024)
        if not (index_root / name).is_dir():
            build_wheel(
                index_root / name,
                name,
                "1.0.0",
                {f"lgr_blob_{i}/__init__.py": b"", f"lgr_blob_{i}/data.bin": blob},
            )
    return names


# -- building ---------------------------------------------------------------------------


def _key(project: PoetryProject, extra: dict[str, object]) -> dict[str, object]:
    from importlib.metadata import version

    return {
        "pyproject": hashlib.sha256(project.pyproject.read_bytes()).hexdigest(),
        "poetry": version("poetry"),
        "generation": GENERATION,
        **extra,
    }


def poetry_project(
    name: str,
    index_url: str,
    dependencies: list[str],
    groups: dict[str, list[str]] | None = None,
) -> tuple[PoetryProject, bool]:
    """Lock and install a project with Poetry (``--no-plugins``); reuse the last build
    while its pyproject.toml and Poetry are the same. Returns (project, was cached)."""
    project = PoetryProject(WORK / name, WORK / "home", index_url)
    project.write_pyproject(dependencies, name=f"bench-{name}", groups=groups)
    stamp = project.path / "bench-stamp.json"
    key = _key(project, {})
    if stamp.is_file() and json.loads(stamp.read_text()) == key and project.python.exists():
        return project, True
    stamp.unlink(missing_ok=True)
    project.lock.unlink(missing_ok=True)
    shutil.rmtree(project.venv, ignore_errors=True)
    print(f"  [{name}] poetry lock + install ...", file=sys.stderr, flush=True)
    # No pip in the venv, as in uv's: both environments hold the same distributions.
    env = {"POETRY_VIRTUALENVS_OPTIONS_NO_PIP": "true"}
    project.poetry("--no-plugins", "lock", check=True, timeout=1800, env=env)
    project.poetry("--no-plugins", "install", check=True, timeout=1800, env=env)
    stamp.write_text(json.dumps(key))
    return project, False


@dataclass(frozen=True)
class UvProject:
    """The uv twin of a Poetry project: its directory and the uv that made it."""

    path: Path
    uv: Path
    env: dict[str, str]

    @property
    def venv(self) -> Path:
        return self.path / ".venv"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.uv), *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )


def uv_environment(uv: Path, python: Path) -> dict[str, str]:
    """The environment uv runs in: its own cache, no user or system uv.toml, no Python
    downloads, files copied out of its cache (as Poetry's installer writes them)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UV_", "VIRTUAL_ENV", "PIP_", "POETRY_", "CONDA_"))
    }
    # (Not UV_NO_CONFIG: that drops the project's own [tool.uv] table too.)
    env.update(
        UV_CACHE_DIR=str(WORK / "uv-cache"),
        XDG_CONFIG_HOME=str(WORK / "uv-config"),
        UV_PYTHON_DOWNLOADS="never",
        UV_PYTHON=str(python),
        UV_LINK_MODE="copy",
    )
    return env


def uv_twin(
    poetry: PoetryProject,
    uv: Path,
    index_url: str,
    dependencies: list[str],
    groups: dict[str, list[str]],
) -> tuple[UvProject, bool]:
    """The same requirements as a uv project, locked and synced by uv from the same index,
    with the interpreter the Poetry env was made from."""
    path = WORK / f"{poetry.path.name}-uv"
    path.mkdir(parents=True, exist_ok=True)
    python = Path(os.path.realpath(poetry.python))
    project = UvProject(path, uv, uv_environment(uv, python))
    lines = [
        "[project]",
        f'name = "bench-{path.name}"',
        'version = "0.1.0"',
        'requires-python = ">=3.9"',
        f"dependencies = {json.dumps(dependencies)}",
        "",
        "[dependency-groups]",
        *(f"{g} = {json.dumps(deps)}" for g, deps in groups.items()),
        "",
        "[tool.uv]",
        "package = false",
        "",
        "[[tool.uv.index]]",
        'name = "local"',
        f'url = "{index_url}"',
        "default = true",
        "",
    ]
    pyproject = path / "pyproject.toml"
    pyproject.write_text("\n".join(lines))
    version = subprocess.run(
        [str(uv), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    key = {
        "pyproject": hashlib.sha256(pyproject.read_bytes()).hexdigest(),
        "uv": version,
        "python": str(python),
        "generation": GENERATION,
    }
    stamp = path / "bench-stamp.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == key and project.venv.exists():
        return project, True
    stamp.unlink(missing_ok=True)
    (path / "uv.lock").unlink(missing_ok=True)
    shutil.rmtree(project.venv, ignore_errors=True)
    print(f"  [{path.name}] uv lock + sync ...", file=sys.stderr, flush=True)
    for args in (("lock",), ("sync", "--frozen")):
        proc = project.run(*args)
        if proc.returncode != 0:
            raise SystemExit(f"uv {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    stamp.write_text(json.dumps(key))
    return project, False


def distributions(site_parent: Path) -> set[str]:
    """``name-version`` of every ``*.dist-info`` under ``<venv>/lib/python*/site-packages``."""
    return {
        d.name[: -len(".dist-info")].lower()
        for d in site_parent.glob("lib/python*/site-packages/*.dist-info")
    }


__all__ = [
    "POETRY",
    "WORK",
    "Package",
    "UvProject",
    "distributions",
    "poetry_project",
    "publish_blobs",
    "publish_real",
    "real_packages",
    "real_requirements",
    "uv_twin",
]
