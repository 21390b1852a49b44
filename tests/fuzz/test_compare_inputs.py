"""``compare`` on hostile report files: well-formed reports with any field replaced by
any JSON value, JSON of any shape and depth, and bytes that are not JSON. Whatever the
input: exit 0, 1 or 2; with 2 one line naming the file on stderr and nothing else; the
text table free of control characters and writable to a UTF-8 terminal; never a
traceback.
"""

from __future__ import annotations

import json

from typing import TYPE_CHECKING
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from poetry_lockguard.commands.compare import compare_reports
from tests.fuzz.strategies import FUZZ
from tests.fuzz.strategies import tricky_text


if TYPE_CHECKING:
    from pathlib import Path


#: Any JSON value, strings included that a terminal would act on.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | tricky_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(tricky_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _finding(package: str) -> dict[str, Any]:
    return {
        "code": "version-mismatch",
        "severity": "error",
        "package": package,
        "message": f"{package} is installed at 2.0.0, poetry.lock has 1.0.0",
        "expected": "1.0.0",
        "found": "2.0.0",
        "line": 3,
        "path": None,
    }


def _report(package: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "ok": False,
        "host": "web-1",
        "generated_at": "2025-01-01T00:00:00Z",
        "lock": {"path": "/srv/poetry.lock", "content_hash": "c" * 64},
        "environment": {"fingerprint": "sha256:" + "a" * 64},
        "findings": [_finding(package)],
    }


#: Where a value may be replaced: a top-level key, a sub-object's key or a finding's.
PLACES = [
    (),
    ("schema_version",),
    ("ok",),
    ("host",),
    ("generated_at",),
    ("lock",),
    ("lock", "content_hash"),
    ("environment",),
    ("environment", "fingerprint"),
    ("error",),
    ("error", "message"),
    ("findings",),
    ("findings", 0),
    ("findings", 0, "code"),
    ("findings", 0, "severity"),
    ("findings", 0, "package"),
    ("findings", 0, "expected"),
    ("findings", 0, "found"),
    ("findings", 0, "message"),
]


@st.composite
def mutated_report(draw: st.DrawFn) -> bytes:
    document: Any = _report(draw(tricky_text))
    for _ in range(draw(st.integers(1, 3))):
        place = draw(st.sampled_from(PLACES))
        value = draw(json_values)
        if not place:
            document = value
            continue
        target = document
        for key in place[:-1]:
            if isinstance(target, dict) and isinstance(key, str):
                target.setdefault(key, {})
                target = target[key]
            elif isinstance(target, list) and isinstance(key, int) and len(target) > key:
                target = target[key]
            else:
                target = None
                break
        key = place[-1]
        dict_key = isinstance(target, dict) and isinstance(key, str)
        list_index = isinstance(target, list) and isinstance(key, int) and len(target) > key
        if dict_key or list_index:
            target[key] = value
    return json.dumps(document).encode()


@st.composite
def deep_json(draw: st.DrawFn) -> bytes:
    depth = draw(st.sampled_from([10, 999, 5_000, 200_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    inner = "1" if opener == "[" else "null"
    return (opener * depth + inner + closer * depth).encode()


report_bytes = st.one_of(
    mutated_report(),
    json_values.map(lambda v: json.dumps(v).encode()),
    deep_json(),
    st.binary(max_size=64),
)


def _check_outcome(path: Path, stdout: str, stderr: str, code: int, fmt: str) -> None:
    assert code in (0, 1, 2)
    if code == 2:
        [line] = stderr.splitlines()
        assert line.startswith(f"lockguard: {path}: "), line
        if fmt == "text":
            assert stdout == ""
        else:
            assert json.loads(stdout)["error"]["message"]
        return
    assert stderr == ""
    if fmt == "json":
        assert isinstance(json.loads(stdout)["ok"], bool)
        return
    stdout.encode("utf-8")
    controls = [c for c in stdout if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert not controls, stdout


@FUZZ
@given(content=report_bytes, fmt=st.sampled_from(["text", "json"]))
def test_compare_of_any_report_file_is_a_table_or_one_line(
    tmp_path_factory: Any, content: bytes, fmt: str
) -> None:
    path = tmp_path_factory.mktemp("reports") / "web-1.json"
    path.write_bytes(content)
    stdout, stderr, code = compare_reports([path], fmt)
    _check_outcome(path, stdout, stderr, code, fmt)


@FUZZ
@given(content=mutated_report())
def test_a_bad_report_among_good_ones_is_named(tmp_path_factory: Any, content: bytes) -> None:
    reports = tmp_path_factory.mktemp("reports")
    (reports / "a.json").write_text(json.dumps(_report("alpha")))
    (reports / "b.json").write_bytes(content)
    stdout, stderr, code = compare_reports([reports], "text")
    if code == 2:
        assert stderr.startswith(f"lockguard: {reports / 'b.json'}: ")
    _check_outcome(reports / "b.json", stdout, stderr, code, "text")
