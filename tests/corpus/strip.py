"""Strip a real project's pyproject.toml and poetry.lock down to what Poetry plans with.

Usage: ``python tests/corpus/strip.py RAW_DIR OUT_DIR``

RAW_DIR holds a project's pyproject.toml and poetry.lock as found in its repository;
OUT_DIR receives a stripped copy: the parts of pyproject.toml that Poetry reads to plan
an install (the ones that feed poetry.lock's content-hash are copied value for value),
the lock without descriptions and file hashes, and stand-ins for path dependencies that
lie inside the project. The output is deterministic.

Exit status: 0 when written, 2 on bad usage, 3 when the project cannot be stripped into
something self-contained (for example a path dependency outside the project); the
reason is printed on standard error.
"""

from __future__ import annotations

import json
import math
import re
import sys

from pathlib import Path
from pathlib import PurePosixPath
from typing import Any


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the interpreter
    import tomli as tomllib


class SkipProjectError(Exception):
    """The project cannot be made self-contained; the message says why."""


# -- a minimal TOML writer -------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}

#: Tables whose values are dependency specifications: a table value there is written
#: inline (``numpy = {version = "^1", python = "<3.12"}``), as Poetry itself writes them.
_INLINE_PARENTS = frozenset({"dependencies", "dev-dependencies", "optional-dependencies"})

#: Arrays of tables written with ``[[...]]`` headers; every other array is inline.
_ARRAY_OF_TABLES = frozenset({("package",), ("tool", "poetry", "source")})


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(value: str) -> str:
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _inline(value: Any) -> str:
    """A value in TOML's inline syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ("-" if value < 0 else "") + ("nan" if math.isnan(value) else "inf")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TypeError(f"cannot write a {type(value).__name__} as TOML")


def _is_array_of_tables(path: tuple[str, ...], value: Any) -> bool:
    return (
        path in _ARRAY_OF_TABLES
        and isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) for item in value)
    )


def _write_table(
    lines: list[str],
    path: tuple[str, ...],
    table: dict[str, Any],
    header: str | None,
    *,
    always_header: bool = False,
) -> None:
    """Write ``table`` (reached by ``path``) with its sub-tables after its own keys."""
    inline_values = bool(path) and path[-1] in _INLINE_PARENTS
    simple: list[tuple[str, Any]] = []
    # Sub-tables and arrays of tables, in their original order, after the plain keys
    # (TOML puts every key of a table before the first header below it).
    nested: list[tuple[str, Any]] = []
    for key, value in table.items():
        if (isinstance(value, dict) and not inline_values) or _is_array_of_tables(
            (*path, key), value
        ):
            nested.append((key, value))
        else:
            simple.append((key, value))
    if header is not None and (always_header or simple or not nested):
        if lines:
            lines.append("")
        lines.append(header)
    lines.extend(f"{_key(key)} = {_inline(value)}" for key, value in simple)
    for key, value in nested:
        sub_path = (*path, key)
        dotted = ".".join(map(_key, sub_path))
        if isinstance(value, dict):
            _write_table(lines, sub_path, value, f"[{dotted}]")
            continue
        for item in value:
            _write_table(lines, sub_path, item, f"[[{dotted}]]", always_header=True)


def dumps(document: dict[str, Any], preamble: str = "") -> str:
    """``document`` as TOML text, tables in the order given, after ``preamble`` lines."""
    lines: list[str] = []
    _write_table(lines, (), document, None)
    text = "\n".join(lines).lstrip("\n")
    return preamble + text + "\n"


# -- pyproject.toml --------------------------------------------------------------------

_PROJECT_KEYS = (
    "name",
    "version",
    "requires-python",
    "dependencies",
    "optional-dependencies",
    "dynamic",
)
_DYNAMIC_KEPT = frozenset({"version", "requires-python", "dependencies", "optional-dependencies"})
_POETRY_KEYS = (
    "name",
    "version",
    "package-mode",
    "dependencies",
    "dev-dependencies",
    "group",
    "extras",
    "source",
)
#: Keys of [tool.poetry] that feed the content-hash (see Poetry's Locker).
_HASHED_POETRY_KEYS = ("dependencies", "source", "extras", "dev-dependencies", "group")
_HASHED_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")


def strip_pyproject(data: dict[str, Any]) -> dict[str, Any]:
    """The parts of a parsed pyproject.toml that Poetry plans an install with."""
    out: dict[str, Any] = {}
    project = data.get("project")
    if isinstance(project, dict):
        kept = {key: project[key] for key in _PROJECT_KEYS if key in project}
        if "dynamic" in kept:
            # The fields dropped here are dropped whatever [project.dynamic] says, so
            # only the ones still provided (through [tool.poetry]) stay dynamic.
            dynamic = [f for f in kept["dynamic"] if f in _DYNAMIC_KEPT]
            if dynamic:
                kept["dynamic"] = dynamic
            else:
                del kept["dynamic"]
        out["project"] = kept
    if "dependency-groups" in data:
        out["dependency-groups"] = data["dependency-groups"]
    poetry = data.get("tool", {}).get("poetry")
    if isinstance(poetry, dict):
        out["tool"] = {"poetry": {k: poetry[k] for k in _POETRY_KEYS if k in poetry}}
    if "build-system" in data:
        out["build-system"] = data["build-system"]
    return out


def hashed_parts(data: dict[str, Any]) -> str:
    """The content-hash inputs of a parsed pyproject.toml, as canonical JSON."""
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    parts = {
        "project": {k: project.get(k) for k in _HASHED_PROJECT_KEYS if k in project},
        "dependency-groups": data.get("dependency-groups"),
        "tool.poetry": {k: poetry.get(k) for k in _HASHED_POETRY_KEYS if k in poetry},
    }
    return json.dumps(parts, sort_keys=True)


# -- poetry.lock -----------------------------------------------------------------------


def strip_lock(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed poetry.lock without descriptions and file hashes."""
    out: dict[str, Any] = {}
    packages = []
    for package in data.get("package", []):
        kept = {k: v for k, v in package.items() if k != "description"}
        if "files" in kept:
            kept["files"] = []
        packages.append(kept)
    if packages or "package" in data:
        out["package"] = packages
    for key, value in data.items():
        if key in ("package", "metadata"):
            continue
        out[key] = value
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        meta = dict(metadata)
        if isinstance(meta.get("files"), dict):
            # Lock files before 2.0 keep the hashes here, one list per package name.
            # Poetry 2 looks every name up, so the names stay with empty lists.
            meta["files"] = {name: [] for name in meta["files"]}
        out["metadata"] = meta
    return out


def lock_header(text: str) -> str:
    """The leading comment lines of a lock file (the '@generated by Poetry X' line)."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    return "".join(f"{line}\n" for line in header) + ("\n" if header else "")


# -- path dependencies -----------------------------------------------------------------


def _dependency_specs(table: Any) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    if not isinstance(table, dict):
        return specs
    for value in table.values():
        for spec in value if isinstance(value, list) else [value]:
            if isinstance(spec, dict):
                specs.append(spec)
    return specs


def _pyproject_paths(data: dict[str, Any]) -> list[str]:
    poetry = data.get("tool", {}).get("poetry", {})
    specs = _dependency_specs(poetry.get("dependencies"))
    specs += _dependency_specs(poetry.get("dev-dependencies"))
    for group in (poetry.get("group") or {}).values():
        if isinstance(group, dict):
            specs += _dependency_specs(group.get("dependencies"))
    paths = [str(spec["path"]) for spec in specs if "path" in spec]
    project = data.get("project", {})
    requirements = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        requirements += list(extra)
    for group in (data.get("dependency-groups") or {}).values():
        requirements += [r for r in group if isinstance(r, str)]
    for requirement in requirements:
        match = re.search(r"@\s*file:(\S+)", str(requirement))
        if match:
            paths.append(match.group(1).removeprefix("//"))
    return paths


def _inside(path: str) -> PurePosixPath:
    """``path`` relative to the project directory; raise if it leaves that directory."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", path):
        raise SkipProjectError(f"path dependency at an absolute path: {path}")
    parts: list[str] = []
    for part in pure.parts:
        if part == "..":
            if not parts:
                raise SkipProjectError(f"path dependency outside the project: {path}")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def stand_ins(pyproject: dict[str, Any], lock: dict[str, Any]) -> dict[str, str]:
    """Files that path dependencies need, as relative path -> content."""
    files: dict[str, str] = {}
    directories: dict[PurePosixPath, tuple[str, str]] = {}
    for package in lock.get("package", []):
        source = package.get("source") or {}
        kind = source.get("type")
        if kind == "file":
            raise SkipProjectError(f"file dependency: {source.get('url')}")
        if kind == "directory":
            where = _inside(str(source.get("url", "")))
            directories[where] = (str(package["name"]), str(package["version"]))
    for path in _pyproject_paths(pyproject):
        where = _inside(path)
        if where.suffix in (".whl", ".gz", ".zip", ".bz2", ".tgz"):
            raise SkipProjectError(f"file dependency: {path}")
        if where not in directories:
            raise SkipProjectError(f"path dependency not in the lock: {path}")
    for where, (name, version) in sorted(directories.items()):
        if str(where) == ".":
            raise SkipProjectError("the project depends on its own directory")
        files[f"{where}/pyproject.toml"] = (
            "[project]\n"
            f"name = {_string(name)}\n"
            f"version = {_string(version)}\n"
            "\n"
            "[build-system]\n"
            'requires = ["poetry-core>=1.0.0"]\n'
            'build-backend = "poetry.core.masonry.api"\n'
        )
    return files


# -- the whole -------------------------------------------------------------------------


def strip(raw: Path, out: Path) -> list[str]:
    """Write the stripped project from ``raw`` into ``out``; return the files written."""
    pyproject_text = (raw / "pyproject.toml").read_text(encoding="utf-8")
    lock_text = (raw / "poetry.lock").read_text(encoding="utf-8")
    pyproject = tomllib.loads(pyproject_text)
    lock = tomllib.loads(lock_text)

    new_pyproject = strip_pyproject(pyproject)
    new_lock = strip_lock(lock)
    extra_files = stand_ins(pyproject, lock)

    pyproject_out = dumps(new_pyproject)
    lock_out = dumps(new_lock, lock_header(lock_text))
    if hashed_parts(tomllib.loads(pyproject_out)) != hashed_parts(pyproject):
        raise AssertionError("the content-hash inputs changed: a bug in the writer")
    if tomllib.loads(lock_out) != new_lock:
        raise AssertionError("the lock does not read back as written: a bug in the writer")

    written = {"pyproject.toml": pyproject_out, "poetry.lock": lock_out, **extra_files}
    out.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(written.items()):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    return sorted(written)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write("usage: strip.py RAW_DIR OUT_DIR\n")
        return 2
    try:
        strip(Path(argv[1]), Path(argv[2]))
    except SkipProjectError as error:
        sys.stderr.write(f"skip: {error}\n")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
