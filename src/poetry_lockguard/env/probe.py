"""Asking the target interpreter, once, for its marker environment and paths."""

from __future__ import annotations

import json
import os
import subprocess

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poetry_lockguard.errors import EnvironmentInspectionError


# Runs inside the target interpreter (Python 3.9+ must parse it): no third-party imports.
_PROBE = r"""
import json, os, platform, sys, sysconfig
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
    args = [str(python), "-I", "-c", _PROBE]
    if with_tags:
        import packaging

        args.append(str(Path(packaging.__file__).parent.parent))
    try:
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        )
    except FileNotFoundError as e:
        raise EnvironmentInspectionError(f"{python}: interpreter not found") from e
    except PermissionError as e:
        raise EnvironmentInspectionError(f"{python}: interpreter is not executable") from e
    except (OSError, subprocess.SubprocessError) as e:
        raise EnvironmentInspectionError(f"{python}: cannot run interpreter ({e})") from e
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvironmentInspectionError(
            f"{python}: interpreter failed to report its environment ({last})"
        )
    try:
        data = json.loads(result.stdout)
    except ValueError as e:
        raise EnvironmentInspectionError(
            f"{python}: interpreter printed something that is not its environment"
        ) from e
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
