"""Hypothesis strategies for hostile inputs: lock-shaped TOML, PEP 508 markers,
METADATA, RECORD and direct_url.json. Shared by the fuzz tests."""

from __future__ import annotations

import json
import os

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st


#: Small and reproducible for CI: the same examples every run, each bounded.
#: LOCKGUARD_FUZZ_EXAMPLES=5000 runs a deeper search locally (still derandomized).
FUZZ = settings(
    max_examples=int(os.environ.get("LOCKGUARD_FUZZ_EXAMPLES", "60")),
    deadline=5000,
    derandomize=True,
    database=None,
)
#: The differential tests are cheap: four times as many examples.
DIFFERENTIAL = settings(FUZZ, max_examples=FUZZ.max_examples * 4)

# -- text and mutations ------------------------------------------------------------

#: Characters that have tripped line-, string- or header-splitting readers.
TRICKY = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x0c",
    "\x1c",
    "\x1b",
    "\x7f",
    "\u2028",
    "\u202e",
    '"',
    "'",
    "\\",
    "#",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    " ",
    "é",
    "\U0001f600",
]
tricky_text = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=12
).map("".join)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few random edits: a span deleted, duplicated or replaced by
    tricky characters, or two lines swapped."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = draw(st.integers(i, min(len(text), i + 12)))
        edit = draw(st.sampled_from(["delete", "duplicate", "insert", "swap-lines"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif edit == "insert":
            text = text[:i] + draw(tricky_text) + text[i:]
        else:
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


# -- poetry.lock -------------------------------------------------------------------

NAMES = ["alpha", "Alpha_Beta", "alpha.beta", "a", "pip", "setuptools", "x" * 60, "", "é"]
VERSIONS = ["1.0.0", "2.0", "1.0.0rc1", "1!2.0", "1.0+local", "01.0", "not a version", ""]
MARKERS_IN_LOCKS = [
    'python_version >= "3.8"',
    'sys_platform == "win32"',
    'extra == "fast"',
    'python_version < "3.0" or platform_machine == "x86_64"',
    "os.name == 'posix'",
    'python_version ~= "3.9"',
    "python_version >",
    "",
]
HASHES = [
    "sha256:" + "a" * 64,
    "sha256:" + "0" * 63,
    "md5:" + "b" * 32,
    "sha512:" + "c" * 128,
    "sha256:",
    "",
    "blake2b:xx",
]
SOURCE_TYPES = ["legacy", "Legacy", "git", "url", "file", "directory", "hg", "pypi", ""]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for the BMP)."""
    return json.dumps(text, ensure_ascii=False)


@st.composite
def package_entry(draw: st.DrawFn) -> str:
    # Mostly sound entries, so that most cases get past the lock to the environment.
    name = (
        draw(st.sampled_from(NAMES[:5]))
        if draw(st.integers(0, 5))
        else draw(st.sampled_from(NAMES) | tricky_text)
    )
    lines = [
        "[[package]]",
        f"name = {toml_string(name)}",
        f"version = {toml_string(draw(st.sampled_from(VERSIONS[:3] * 4 + VERSIONS)))}",
    ]
    if draw(st.booleans()):
        optional = draw(st.sampled_from(["true", "false", "1", '"x"']))
        lines.append(f"optional = {optional}")
    if draw(st.booleans()):
        groups = draw(st.lists(st.sampled_from(["main", "dev", "docs", ""]), max_size=3))
        lines.append(f"groups = {json.dumps(groups)}")
    if draw(st.booleans()):
        lines.append(f"markers = {toml_string(draw(st.sampled_from(MARKERS_IN_LOCKS)))}")
    files = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [f"{name}-1.0.0-py3-none-any.whl", f"{name}-1.0.0.tar.gz", "x.whl", ""]
                ),
                st.sampled_from(HASHES),
            ),
            max_size=3,
            unique_by=lambda row: row[0],
        )
    )
    rendered = ", ".join(f"{{file = {toml_string(f)}, hash = {toml_string(h)}}}" for f, h in files)
    lines.append(f"files = [{rendered}]")
    if draw(st.booleans()):
        deps = draw(st.lists(st.sampled_from(NAMES[:4]), max_size=3, unique=True))
        lines.append("")
        lines.append("[package.dependencies]")
        for dep in deps:
            if draw(st.booleans()):
                constraint = toml_string(draw(st.sampled_from([">=1.0", "*", "=="])))
                lines.append(f"{toml_string(dep)} = {constraint}")
            else:
                marker = toml_string(draw(st.sampled_from(MARKERS_IN_LOCKS)))
                lines.append(f'{toml_string(dep)} = {{version = ">=1", markers = {marker}}}')
    if draw(st.booleans()):
        kind = toml_string(draw(st.sampled_from(SOURCE_TYPES)))
        url = toml_string(
            draw(
                st.sampled_from(["https://example.invalid/simple", ".", "file:///nonexistent", ""])
            )
        )
        reference = toml_string(draw(st.sampled_from(["", "main", "a" * 40])))
        lines += [
            "",
            "[package.source]",
            f"type = {kind}",
            f"url = {url}",
            f"reference = {reference}",
        ]
        if draw(st.booleans()):
            resolved = toml_string(draw(st.sampled_from(["a" * 40, "abc", ""])))
            lines.append(f"resolved_reference = {resolved}")
    return "\n".join(lines) + "\n\n"


@st.composite
def lock_text(draw: st.DrawFn, content_hash: str = "0" * 64) -> str:
    """A poetry.lock: package entries and a [metadata] table, possibly mutated;
    ``content_hash`` is the project's (so that some locks are fresh)."""
    packages = draw(st.lists(package_entry(), max_size=4))
    version = draw(st.sampled_from(['"2.1"'] * 6 + ['"2.0"', '"1.1"', '"3.0"', "2", '""']))
    content_hash = toml_string(draw(st.sampled_from([content_hash, "0" * 64, "x"])))
    metadata = (
        f'[metadata]\nlock-version = {version}\npython-versions = "*"\n'
        f"content-hash = {content_hash}\n"
    )
    if version == '"1.1"' and draw(st.booleans()):
        metadata += (
            '\n[metadata.files]\nalpha = [{file = "alpha-1.0.0.tar.gz", hash = "sha256:'
            + "a" * 64
            + '"}]\n'
        )
    text = "".join(packages) + metadata
    return draw(mutated(text)) if draw(st.integers(0, 3)) == 0 else text


# -- TOML beyond what Poetry writes ------------------------------------------------

toml_key = st.sampled_from(
    ["name", "a-b", "A_1", '"quoted key"', '"a.b"', "'literal'", "a.b", '""', "files", "1", "x y"]
)
toml_scalar = st.one_of(
    st.text(max_size=8).map(toml_string),
    st.sampled_from(
        [
            '"\\u00e9"',
            '"\\U0001F600"',
            '"\\x41"',
            '"\\ud800"',
            '"tab\there"',
            "'literal'",
            '"""multi\nline"""',
            "'''lit\nml'''",
            "true",
            "false",
            "True",
            "1",
            "-0",
            "1.5",
            "inf",
            "1979-05-27",
            '"unterminated',
            '"a\\"b"',
        ]
    ),
)


def toml_values(depth: int = 2) -> st.SearchStrategy[str]:
    if depth == 0:
        return toml_scalar
    inner = toml_values(depth - 1)
    return st.one_of(
        toml_scalar,
        st.lists(inner, max_size=3).flatmap(
            lambda items: st.sampled_from([", ", ",", " ,\n  ", ", # c\n"]).map(
                lambda sep: "[" + sep.join(items) + st_trailing(items) + "]"
            )
        ),
        st.lists(st.tuples(toml_key, inner), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k} = {v}" for k, v in pairs) + "}"
        ),
    )


def st_trailing(items: list[str]) -> str:
    return "," if len(items) % 2 else ""


toml_statement = st.one_of(
    st.tuples(toml_key, st.sampled_from([" = ", "=", " =\t", "  =  "]), toml_values()).map("".join),
    st.sampled_from(
        [
            "[[package]]",
            "[[ package ]]",
            "[package.extras]",
            "[metadata]",
            "[metadata.files]",
            "[a]",
            "[a.b]",
            "[[a.b]]",
            '["a"]',
            "[ a . b ]",
            "# comment",
            "",
            "  ",
            "[[package]] # c",
            "[package]",
        ]
    ),
)


@st.composite
def toml_document(draw: st.DrawFn) -> str:
    lines = draw(st.lists(toml_statement, max_size=10))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", "\n"]))
    return draw(mutated(text)) if draw(st.booleans()) else text


# -- PEP 508 markers ---------------------------------------------------------------

MARKER_VALUES: dict[str, list[str]] = {
    "python_version": [
        "3",
        "3.8",
        "3.9",
        "3.10",
        "3.11",
        "3.12",
        "2.7",
        "3.10.0",
        "3.*",
        "3.1O",
        "",
    ],
    "python_full_version": ["3.11.7", "3.9.18", "3.10.0", "3.13.0rc1", "3.11", "3.11.*", "4"],
    "implementation_version": ["3.11.7", "3.9", "7.3.1"],
    "os_name": ["posix", "nt", "Posix", ""],
    "sys_platform": ["linux", "win32", "darwin", "Linux", "linux2", "cygwin"],
    "platform_system": ["Linux", "Windows", "Darwin", "linux"],
    "platform_machine": ["x86_64", "aarch64", "AMD64", "i686", "x86-64"],
    "platform_python_implementation": ["CPython", "PyPy", "cpython"],
    "implementation_name": ["cpython", "pypy", "CPython"],
    "platform_release": ["6.1.0", "5.15.0-91-generic", "10"],
    "platform_version": ["#1 SMP PREEMPT_DYNAMIC", "10.0.19041", ""],
    "extra": ["fast", "Fast", "fast_path", "fast-path", "fast.path", "", "a b"],
}
#: Old spellings poetry-core still reads.
OLD_VARIABLES = [
    "os.name",
    "sys.platform",
    "platform.version",
    "platform.machine",
    "platform.python_implementation",
    "python_implementation",
]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]
#: PEP 508 whitespace, and what only looks like it (poetry-core refuses a line break).
SPACE = st.sampled_from(["", " ", " ", " ", "  ", "\t", " ", "", "\n", "\x0c"])


@st.composite
def marker_comparison(draw: st.DrawFn) -> str:
    variable = draw(st.sampled_from([*MARKER_VALUES, *OLD_VARIABLES]))
    values = MARKER_VALUES.get(variable, ["posix", "linux", "CPython"])
    value = draw(st.sampled_from(values))
    quote = draw(st.sampled_from(['"', "'"]))
    operator = draw(st.sampled_from(OPERATORS))
    literal = f"{quote}{value}{quote}"
    left, right = (literal, variable) if draw(st.integers(0, 5)) == 0 else (variable, literal)
    before, after = draw(SPACE), draw(SPACE)
    if operator[-1].isalpha() and draw(st.integers(0, 5)):
        before, after = before or " ", after or " "
    return f"{left}{before}{operator}{after}{right}"


#: The fast path's own ground: the variables and operators Poetry writes into locks,
#: with values just inside and just outside what it answers itself.
LOCK_MARKER_VALUES: dict[str, list[str]] = {
    "python_version": [
        "3.9",
        "3.10",
        "3",
        "3.9.0",
        "03.9",
        "3.9.0.0",
        " 3.9",
        "3.9 ",
        "3.9\n",
        "3.9-1",
        "3.1O",
        "",
        "3.10.0rc1",
    ],
    "python_full_version": ["3.11.7", "3.9.0", "3.10", "3.13.0rc1", "3.11.07", "4"],
    "sys_platform": ["linux", "win32", "Linux", "linux ", "", "a b"],
    "platform_machine": ["x86_64", "AMD64", "x86-64", "arm64"],
    "platform_system": ["Linux", "Windows"],
    "os_name": ["posix", "nt"],
    "implementation_name": ["cpython", "pypy"],
    "platform_python_implementation": ["CPython", "PyPy"],
    "extra": ["fast", "Fast_Path", "fast-path", "fast..path", "", "a b", "-x", "x_"],
}


@st.composite
def lock_marker_comparison(draw: st.DrawFn) -> str:
    variable = draw(st.sampled_from(sorted(LOCK_MARKER_VALUES)))
    value = draw(st.sampled_from(LOCK_MARKER_VALUES[variable]))
    quote = draw(st.sampled_from(['"', "'"]))
    operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    return f"{variable}{draw(SPACE)}{operator}{draw(SPACE)}{quote}{value}{quote}"


def _joined(parts: tuple[str, str, str, str, str]) -> str:
    return "".join(parts)


def _combined(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, SPACE, st.sampled_from(["and", "or", "AND", "Or"]), SPACE, inner).map(
                _joined
            ),
            st.tuples(SPACE, inner, SPACE).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        ),
        max_leaves=5,
    )


markers = st.one_of(_combined(marker_comparison()), _combined(lock_marker_comparison()))


@st.composite
def marker_environment(draw: st.DrawFn) -> dict[str, Any]:
    short = draw(st.sampled_from(["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]))
    env: dict[str, Any] = {
        variable: draw(st.sampled_from(values))
        for variable, values in MARKER_VALUES.items()
        if variable != "extra"
    }
    env["python_version"] = short
    env["python_full_version"] = draw(
        st.sampled_from([f"{short}.0", f"{short}.7", f"{short}.0rc1"])
    )
    env["extra"] = set(draw(st.lists(st.sampled_from(LOCK_MARKER_VALUES["extra"]), max_size=2)))
    for variable in draw(st.lists(st.sampled_from(sorted(LOCK_MARKER_VALUES)), max_size=2)):
        if variable != "extra":  # values the fast path must not trust either
            env[variable] = draw(st.sampled_from(LOCK_MARKER_VALUES[variable]))
    return env


# -- installed metadata --------------------------------------------------------------


@st.composite
def metadata_bytes(draw: st.DrawFn, name: str, version: str) -> bytes:
    lines = [
        f"Metadata-Version: {draw(st.sampled_from(['2.1', '1.0', '']))}",
        f"Name: {name}",
        f"Version: {version}",
    ]
    lines += draw(
        st.lists(
            st.sampled_from(
                [
                    "Summary: x\x0cName: pip",
                    "Name: other",
                    " continued",
                    "Version: 9",
                    "Requires-Dist: a",
                    "",
                    "no colon here",
                    "Name:",
                    "\rName: evil",
                ]
            ),
            max_size=3,
        )
    )
    text = draw(mutated(draw(st.sampled_from(["\n", "\r\n"])).join(lines) + "\n\nbody\n"))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data += b"\xff\xfe"
    return data


@st.composite
def record_bytes(draw: st.DrawFn, dist_info: str, files: dict[str, bytes]) -> bytes:
    from tests.integrity.wheels import record_hash

    rows = [f"{path},{record_hash(data)},{len(data)}" for path, data in files.items()]
    rows += draw(
        st.lists(
            st.sampled_from(
                [
                    f"{dist_info}/RECORD,,",
                    "../../../etc/passwd,sha256=AAAA,1",
                    "/etc/hostname,,",
                    "pkg/missing.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0",
                    "pkg/__init__.py,md5=xyz,3",
                    "pkg/__init__.py,sha256=bad,notanumber",
                    'pkg/"quoted".py,,',
                    "pkg/a.py",
                    ",,,",
                    "pkg/a.py,sha256=,999999999999",
                ]
            ),
            max_size=4,
        )
    )
    text = "\n".join(rows) + "\n"
    return (
        draw(mutated(text)).encode("utf-8", "surrogatepass")
        if draw(st.booleans())
        else text.encode()
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "url",
                    "vcs_info",
                    "archive_info",
                    "dir_info",
                    "commit_id",
                    "vcs",
                    "hashes",
                    "sha256",
                    "editable",
                    "hash",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)


@st.composite
def direct_url_bytes(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["random", "vcs", "archive", "dir", "text"]))
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    if kind == "text":
        return draw(tricky_text).encode("utf-8", "surrogatepass")
    doc: dict[str, Any] = {
        "url": draw(
            st.sampled_from(
                ["file:///nonexistent", "https://example.invalid/x.whl", "", "git+ssh://x"]
            )
        )
    }
    if kind == "vcs":
        doc["vcs_info"] = {"vcs": "git", "commit_id": draw(st.sampled_from(["a" * 40, "", "x"]))}
    elif kind == "archive":
        doc["archive_info"] = {"hashes": {"sha256": draw(st.sampled_from(["a" * 64, ""]))}}
    else:
        doc["dir_info"] = {"editable": draw(json_values)}
    return json.dumps(doc).encode()
