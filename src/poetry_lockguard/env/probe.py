"""Asking the target interpreter, once, for its marker environment and paths."""

from __future__ import annotations

import json
import os
import time

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry_lockguard.errors import EnvironmentInspectionError
from poetry_lockguard.structs import dataclass


if TYPE_CHECKING:
    import subprocess


# Runs inside the target interpreter (Python 3.9+ must parse it): no third-party imports.
# It runs with -S, so no .pth file or sitecustomize of the target executes; a venv's
# prefix, which site.py would set on Python < 3.11, is set here the same way.
_PROBE = r"""
import json, os, sys
_exe_dir = os.path.dirname(os.path.abspath(sys.executable))
for _dir in (_exe_dir, os.path.dirname(_exe_dir)):
    if os.path.isfile(os.path.join(_dir, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = os.path.dirname(_exe_dir)
        break
import platform, sysconfig
def fmt(info):
    v = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        v += info.releaselevel[0] + str(info.serial)
    return v
impl = sys.implementation.name
env = {
    "implementation_name": impl,
    "implementation_version": fmt(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
paths = sysconfig.get_paths()
tags = []
if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])
    from packaging.tags import sys_tags
    tags = [str(t) for t in sys_tags()]
    del sys.path[0]
json.dump({
    "marker_env": env,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "executable": sys.executable,
    "site_dirs": [paths["purelib"], paths["platlib"]],
    "scripts": paths["scripts"],
    "version_info": list(sys.version_info[:3]),
    "tags": tags,
}, sys.stdout)
"""
#: A line of the probe that a program echoing its arguments shows (see the error).
_PROBE_FIRST_LINE = "import json, os, sys"


@dataclass(frozen=True)
class Interpreter:
    """What the target interpreter reported about itself."""

    executable: Path
    prefix: Path
    base_prefix: Path
    site_dirs: tuple[Path, ...]
    scripts: Path
    marker_env: dict[str, Any]
    version: str
    tags: tuple[str, ...] = ()

    @property
    def is_virtualenv(self) -> bool:
        """True when the interpreter belongs to a virtual environment."""
        return self.prefix != self.base_prefix


def probe_interpreter(python: Path, *, with_tags: bool = False) -> Interpreter:
    """Run ``python`` once and return its marker environment and install paths.

    With ``with_tags`` the wheel tags it supports are computed there too (using this
    process's ``packaging``, which supports every Python lockguard targets).
    """
    return start_probe(python, with_tags=with_tags).result()


class PendingProbe:
    """A probe started in the background; ``result()`` waits for it.

    Starting the probe before reading a large lock lets the target interpreter start
    up while this process parses: the two overlap on a machine with two cores.
    """

    def __init__(self, python: Path, *, with_tags: bool = False) -> None:
        self.python = python
        self._error: EnvironmentInspectionError | None = None
        self._process: subprocess.Popen[str] | None = None
        self._cache = _cache_path(python, with_tags)
        self._cached = _read_cache(self._cache)
        if self._cached is not None:
            return
        # Imported only here: subprocess costs more start-up than a cached check's work.
        import subprocess

        args = [str(python), "-I", "-S", "-c", _PROBE]
        self._deadline = time.monotonic() + _timeout()
        if with_tags:
            import packaging

            args.append(str(Path(packaging.__file__).parent.parent))
        try:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
                start_new_session=True,  # its own process group, killed as a whole
            )
        except FileNotFoundError as e:
            self._error = _error(e, f"{python}: interpreter not found")
        except PermissionError as e:
            self._error = _error(e, f"{python}: interpreter is not executable")
        except (OSError, subprocess.SubprocessError) as e:
            self._error = _error(e, f"{python}: cannot run interpreter ({e})")

    def cancel(self) -> None:
        """Stop the probe when its answer is no longer needed.

        The whole process group is killed and only the process is waited for: a
        child it left holding the pipes cannot make this wait.
        """
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            import signal

            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                process.kill()
            process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()

    def result(self) -> Interpreter:
        """The interpreter's answer; raise EnvironmentInspectionError when it failed."""
        python = self.python
        if self._cached is not None:
            return _interpreter(self._cached)
        if self._error is not None:
            raise self._error
        assert self._process is not None
        import subprocess

        try:
            stdout, stderr = self._process.communicate(
                timeout=max(0.0, self._deadline - time.monotonic())
            )
        except subprocess.TimeoutExpired as e:
            self.cancel()
            raise EnvironmentInspectionError(
                f"{python}: the interpreter did not report its environment within"
                f" {_timeout():g} s (stopped; POETRY_LOCKGUARD_PROBE_TIMEOUT sets the limit)"
            ) from e
        if self._process.returncode != 0:
            # Not a Python at all (/bin/ls) may echo the probe script back: say only
            # that, and what a real interpreter says, cut short.
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            if _PROBE_FIRST_LINE in stderr or len(last) > 200:
                last = f"exit code {self._process.returncode}; is it a Python interpreter?"
            raise EnvironmentInspectionError(
                f"{python}: interpreter failed to report its environment ({last})"
            )
        try:
            data = json.loads(stdout)
        except ValueError as e:
            raise EnvironmentInspectionError(
                f"{python}: interpreter printed something that is not its environment"
            ) from e
        interpreter = _interpreter(data)
        _write_cache(self._cache, stdout)
        return interpreter


def _interpreter(data: dict[str, Any]) -> Interpreter:
    site_dirs = tuple(dict.fromkeys(Path(p) for p in data["site_dirs"]))
    return Interpreter(
        executable=Path(data["executable"]),
        prefix=Path(data["prefix"]),
        base_prefix=Path(data["base_prefix"]),
        site_dirs=site_dirs,
        scripts=Path(data["scripts"]),
        marker_env=data["marker_env"],
        version=".".join(str(v) for v in data["version_info"]),
        tags=tuple(data["tags"]),
    )


def _cache_path(python: Path, with_tags: bool) -> Path | None:
    """Where the answer of this exact interpreter is kept, or None (no caching).

    The key covers everything the answer depends on: the interpreter file (path,
    inode, size, mtime, and those of what it links to), the venv's pyvenv.cfg, the
    running kernel (``platform_release``/``platform_version``) and lockguard's
    version. A recreated venv or an upgraded Python gets a new key.
    """
    if os.name != "posix" or os.environ.get("POETRY_LOCKGUARD_NO_CACHE"):
        return None
    from poetry_lockguard import __version__
    from poetry_lockguard.digest import sha256

    parts: list[object] = [
        __version__,
        sha256(_PROBE.encode()).hexdigest(),
        with_tags,
        str(Path(python).absolute()),
        os.uname(),
    ]
    try:
        for path, follow in (
            (python, False),
            (python, True),
            (Path(python).absolute().parent.parent / "pyvenv.cfg", True),
        ):
            try:
                st = os.stat(path, follow_symlinks=follow)
            except FileNotFoundError:
                parts.append(None)
                continue
            parts.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    except OSError:
        return None
    key = sha256(repr(parts).encode()).hexdigest()[:32]
    explicit = os.environ.get("POETRY_LOCKGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit, "probe", f"{key}.json")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "poetry-lockguard", "probe", f"{key}.json")


def _read_cache(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        _interpreter(data)  # a damaged entry is ignored, never trusted
    except Exception:  # noqa: BLE001 - any unreadable entry means "probe again"
        return None
    return data if isinstance(data, dict) else None


def _write_cache(path: Path | None, text: str) -> None:
    """Keep the answer for next time; a read-only home just means no cache."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


#: Seconds the target interpreter has to answer, start-up included.
_DEFAULT_TIMEOUT = 10.0


def _timeout() -> float:
    try:
        value = float(os.environ.get("POETRY_LOCKGUARD_PROBE_TIMEOUT", _DEFAULT_TIMEOUT))
    except ValueError:
        return _DEFAULT_TIMEOUT
    return value if value > 0 else _DEFAULT_TIMEOUT


def start_probe(python: Path, *, with_tags: bool = False) -> PendingProbe:
    """Start probing ``python`` in the background (see PendingProbe)."""
    return PendingProbe(python, with_tags=with_tags)


def _error(cause: Exception, message: str) -> EnvironmentInspectionError:
    error = EnvironmentInspectionError(message)
    error.__cause__ = cause
    return error
