"""Small wheels and sdists built by the tests themselves."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name


if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class Dist:
    """A distribution to publish on the test index."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)
    wheel: bool = True
    sdist: bool = False
    python_tag: str = "py3"
    payload: str = ""
    #: The sdist's ``[build-system] requires``.
    build_requires: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return canonicalize_name(self.name).replace("-", "_")

    @property
    def wheel_name(self) -> str:
        return f"{self.module}-{self.version}-{self.python_tag}-none-any.whl"

    @property
    def sdist_name(self) -> str:
        return f"{self.module}-{self.version}.tar.gz"


def _metadata(dist: Dist) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {dist.name}",
        f"Version: {dist.version}",
        "Summary: a lockguard test package",
    ]
    lines += [f"Requires-Dist: {r}" for r in dist.requires]
    for extra, reqs in dist.extras.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [
            f'Requires-Dist: {r}; extra == "{extra}"'
            if ";" not in r
            else f'Requires-Dist: {r} and extra == "{extra}"'
            for r in reqs
        ]
    return "\n".join(lines) + "\n\n"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel_bytes(dist: Dist) -> bytes:
    """The bytes of a pure-Python wheel for ``dist`` with a correct RECORD."""
    dist_info = f"{dist.module}-{dist.version}.dist-info"
    files = {
        f"{dist.module}/__init__.py": (f'__version__ = "{dist.version}"\n{dist.payload}').encode(),
        f"{dist_info}/METADATA": _metadata(dist).encode(),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: lockguard-tests\nRoot-Is-Purelib: true\n"
            f"Tag: {dist.python_tag}-none-any\n"
        ).encode(),
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in files.items())
    record += f"{dist_info}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(_zinfo(path), data)
        zf.writestr(_zinfo(f"{dist_info}/RECORD"), record.encode())
    return buffer.getvalue()


# A PEP 517 backend inside the sdist: it leaves a marker file behind when it builds,
# so tests can prove whether an sdist was built.
_BACKEND = """
import base64, hashlib, os, pathlib, zipfile
MARKER = os.environ.get("LOCKGUARD_TEST_BUILD_MARKER_DIR")
NAME, VERSION, MODULE = {name!r}, {version!r}, {module!r}
METADATA = {metadata!r}
def _mark():
    if MARKER:
        pathlib.Path(MARKER, NAME + "-" + VERSION + ".built").write_text("built")
def get_requires_for_build_wheel(config_settings=None):
    return []
def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _mark()
    d = pathlib.Path(metadata_directory, MODULE + "-" + VERSION + ".dist-info")
    d.mkdir()
    (d / "METADATA").write_text(METADATA)
    return d.name
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _mark()
    dist_info = MODULE + "-" + VERSION + ".dist-info"
    files = {{MODULE + "/__init__.py": ("__version__ = %r\\n# built from sdist\\n" % VERSION).encode(),
             dist_info + "/METADATA": METADATA.encode(),
             dist_info + "/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}}
    def h(b):
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    record = "".join("%s,%s,%d\\n" % (p, h(b), len(b)) for p, b in files.items()) + dist_info + "/RECORD,,\\n"
    name = MODULE + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for p, b in files.items():
            zf.writestr(p, b)
        zf.writestr(dist_info + "/RECORD", record)
    return name
"""


def sdist_bytes(dist: Dist) -> bytes:
    """The bytes of an sdist whose in-tree backend leaves a build marker."""
    root = f"{dist.module}-{dist.version}"
    backend = _BACKEND.format(
        name=dist.name, version=dist.version, module=dist.module, metadata=_metadata(dist)
    )
    files = {
        f"{root}/pyproject.toml": (
            f"[build-system]\nrequires = {list(dist.build_requires)!r}\n"
            'build-backend = "backend"\nbackend-path = ["."]\n'
        ).encode(),
        f"{root}/backend.py": backend.encode(),
        f"{root}/PKG-INFO": _metadata(dist).encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1700000000
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def publish(dist: Dist, root: Path) -> list[Path]:
    """Write the dist's artifacts under ``root/<normalized name>/``; return their paths."""
    folder = root / canonicalize_name(dist.name)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if dist.wheel:
        path = folder / dist.wheel_name
        path.write_bytes(wheel_bytes(dist))
        written.append(path)
    if dist.sdist:
        path = folder / dist.sdist_name
        path.write_bytes(sdist_bytes(dist))
        written.append(path)
    return written


def _zinfo(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_source_tree(dist: Dist, path: Path) -> Path:
    """Write ``dist`` as a source tree (pyproject + in-tree backend) at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    backend = _BACKEND.format(
        name=dist.name, version=dist.version, module=dist.module, metadata=_metadata(dist)
    )
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    )
    (path / "backend.py").write_text(backend)
    (path / "PKG-INFO").write_text(_metadata(dist))
    return path
