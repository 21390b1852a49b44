"""Code planted where Python loads it, each case first shown to run (its marker is
printed by the venv's interpreter), then reported as an error by the check: byte-code
through links, of any size, of any optimisation level, with specialised opcodes or a
wrong checked hash; modules inside ``__pycache__``; a seed setuptools' start-up hook."""

from __future__ import annotations

import dis
import importlib.util
import marshal
import opcode
import subprocess

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.environment import is_seed_package
from poetry_lockguard.checks.integrity import IntegrityCheck
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.venv_files import seed_wheel_pth_files
from tests.checks.test_ownership import _install
from tests.checks.test_ownership import _pyc
from tests.checks.test_ownership import _venv


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.env.probe import Interpreter

EVIL = "print('PWNED')\nVALUE = 1\n"


@pytest.fixture
def venv(tmp_path: Path) -> Interpreter:
    return _venv(tmp_path / "venv")


def _errors(interpreter: Interpreter, *installed: Distribution) -> list[tuple[str, str | None]]:
    result = IntegrityCheck(interpreter, load_policy(None)).run(list(installed), {})
    return [(f.code, f.package) for f in result.findings if f.severity.value == "error"]


def _runs(interpreter: Interpreter, code: str = "import pkg", *flags: str) -> str:
    return subprocess.run(
        [str(interpreter.executable), "-B", *flags, "-c", code],  # -B: writes no byte-code
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    ).stdout


def _header(interpreter: Interpreter) -> bytes:
    st = (interpreter.site_dirs[0] / "pkg" / "__init__.py").stat()
    return (
        importlib.util.MAGIC_NUMBER
        + b"\0\0\0\0"
        + (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    )


def _evil_pyc(interpreter: Interpreter, path: Path, pad: int = 0) -> None:
    source = interpreter.site_dirs[0] / "pkg" / "__init__.py"
    path.parent.mkdir(exist_ok=True, parents=True)
    body = marshal.dumps(compile(EVIL, str(source), "exec"))
    with open(path, "wb") as f:
        f.write(_header(interpreter) + body)
        if pad:
            f.truncate(f.tell() + pad)  # sparse: no disk


def test_a_linked_pyc(venv: Interpreter) -> None:
    dist = _install(venv)
    target = venv.prefix / "evil.pyc"  # the venv's root, which is not walked
    _evil_pyc(venv, target)
    _pyc(venv).parent.mkdir()
    _pyc(venv).symlink_to(target)
    assert "PWNED" in _runs(venv)
    assert _errors(venv, dist) == [("unowned-file", None)]


def test_a_linked_pycache_that_the_record_lists(venv: Interpreter, tmp_path: Path) -> None:
    dist = _install(venv)
    elsewhere = tmp_path / "cache"
    _evil_pyc(venv, elsewhere / _pyc(venv).name)
    _pyc(venv).parent.symlink_to(elsewhere)
    with open(dist.path / "RECORD", "a") as f:
        f.write("pkg/__pycache__,,\n")
    assert "PWNED" in _runs(venv)
    assert _errors(venv, dist) == [("unowned-file", None)]


def test_a_pyc_larger_than_any_read(venv: Interpreter) -> None:
    dist = _install(venv)
    _evil_pyc(venv, _pyc(venv), pad=65 * 1024 * 1024)
    assert "PWNED" in _runs(venv)
    assert _errors(venv, dist) == [("file-modified", "pkg")]


def test_a_pyc_of_optimisation_level_three(venv: Interpreter) -> None:
    dist = _install(venv)
    pyc = _pyc(venv)
    _evil_pyc(venv, pyc.with_name(pyc.name.replace(".pyc", ".opt-3.pyc")))
    assert "PWNED" in _runs(venv, "import pkg", "-OOO")
    assert _errors(venv, dist) == [("file-modified", "pkg")]


def test_a_checked_pyc_with_another_hash(venv: Interpreter) -> None:
    dist = _install(venv)
    source = venv.site_dirs[0] / "pkg" / "__init__.py"
    header = importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little") + b"\0" * 8
    _pyc(venv).parent.mkdir()
    _pyc(venv).write_bytes(header + marshal.dumps(compile(EVIL, str(source), "exec")))
    assert "PWNED" in _runs(venv, "import pkg", "--check-hash-based-pycs", "never")
    assert _errors(venv, dist) == [("file-modified", "pkg")]


@pytest.mark.skipif(
    "LOAD_FAST__LOAD_CONST" not in getattr(dis, "_all_opmap", {}),
    reason="specialised opcodes are this interpreter's (3.11)",
)
def test_a_pyc_with_specialised_opcodes_that_equality_ignores(venv: Interpreter) -> None:
    source_text = b"def f(a, b):\n    c = 'PWNED'\n    return (a, b)\nprint(f(1, 2))\n"
    dist = _install(venv, files={"pkg/__init__.py": source_text})
    source = venv.site_dirs[0] / "pkg" / "__init__.py"
    top = compile(source_text, str(source), "exec", dont_inherit=True)
    [f] = [c for c in top.co_consts if hasattr(c, "co_code")]
    load_fast = opcode.opmap["LOAD_FAST"]
    special = dis._all_opmap["LOAD_FAST__LOAD_CONST"]  # type: ignore[attr-defined]
    code = f.co_code.replace(bytes([load_fast, 0, load_fast, 1]), bytes([special, 0, load_fast, 1]))
    assert code != f.co_code
    _pyc(venv).parent.mkdir()
    _pyc(venv).write_bytes(_header(venv) + marshal.dumps(top).replace(f.co_code, code))
    assert "PWNED" in _runs(venv)
    assert _errors(venv, dist) == [("file-modified", "pkg")]


def test_a_module_inside_pycache_named_by_an_entry_point(venv: Interpreter) -> None:
    dist = _install(venv)
    cache = venv.site_dirs[0] / "pkg" / "__pycache__"
    cache.mkdir()
    (cache / "evil.py").write_text("print('PWNED')\ndef hook(*a, **k):\n    pass\n")
    (dist.path / "entry_points.txt").write_text("[pytest11]\nevil = pkg.__pycache__.evil\n")
    load = "from importlib.metadata import entry_points\n[e.load() for e in entry_points(group='pytest11')]"
    assert "PWNED" in _runs(venv, load)
    assert _errors(venv, dist) == [("unowned-file", None)] * 2


def test_a_seed_setuptools_whose_start_up_hook_is_not_the_seed_wheels(venv: Interpreter) -> None:
    pth = sorted(seed_wheel_pth_files(venv).get("distutils-precedence.pth", ()))
    if not pth:
        pytest.skip("no seed wheel of this interpreter ships distutils-precedence.pth")
    hook = b"print('PWNED')\ndef add_shim():\n    pass\n"
    files = {
        "setuptools/__init__.py": b"",
        "_distutils_hack/__init__.py": hook,
        "distutils-precedence.pth": pth[0],
    }
    dist = _install(venv, "setuptools", files)
    (dist.path / "INSTALLER").write_text("pip\n")
    assert is_seed_package(dist, {"setuptools": dist})
    assert "PWNED" in _runs(venv, "pass")
    assert _errors(venv, dist) == [("unowned-file", "setuptools")]
