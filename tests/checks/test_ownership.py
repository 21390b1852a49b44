"""Every file of an environment accounted for, in-process on real venvs (made by
``python -m venv`` and virtualenv, probed for real): what a venv tool writes is known,
what nothing owns is ``unowned-file``, byte-code is compared with a fresh compile by
the environment's own interpreter."""

from __future__ import annotations

import importlib.util
import marshal
import os
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.checks.integrity import IntegrityCheck
from poetry_lockguard.config import load_policy
from poetry_lockguard.env.bytecode import cached_source
from poetry_lockguard.env.bytecode import verify_bytecode
from poetry_lockguard.env.distributions import Distribution
from poetry_lockguard.env.distributions import scan_distributions
from poetry_lockguard.env.probe import probe_interpreter
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from poetry_lockguard.env.probe import Interpreter

OWNERSHIP_CODES = ("unowned-file", "bytecode-unverified", "site-unverified", "file-modified")
SOURCE = b"VALUE = 1\n\n\ndef answer():\n    return 42\n"


def _venv(path: Path, *args: str) -> Interpreter:
    subprocess.run(
        [sys.executable, "-m", *(args or ("venv", "--without-pip")), str(path)],
        check=True,
        capture_output=True,
    )
    return probe_interpreter(path / "bin" / "python")


def _install(
    interpreter: Interpreter, name: str = "pkg", files: dict[str, bytes] | None = None
) -> Distribution:
    """A distribution of ``name`` 1.0 written into the venv's site-packages by hand,
    its RECORD listing every file it holds."""
    site = interpreter.site_dirs[0]
    files = files or {f"{name}/__init__.py": SOURCE}
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_bytes(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()
    )
    rows = []
    for rel, data in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        rows.append(f"{rel},{record_hash(data)},{len(data)}")
    metadata = (dist_info / "METADATA").read_bytes()
    rows.append(f"{dist_info.name}/METADATA,{record_hash(metadata)},{len(metadata)}")
    rows.append(f"{dist_info.name}/RECORD,,")
    (dist_info / "RECORD").write_text("\n".join(rows) + "\n")
    return Distribution(name, "1.0", dist_info)


def _findings(
    interpreter: Interpreter, *installed: Distribution
) -> list[tuple[str, str | None, str]]:
    result = IntegrityCheck(interpreter, load_policy(None)).run(list(installed), {})
    return [
        (f.code, f.package, f.severity.value) for f in result.findings if f.code in OWNERSHIP_CODES
    ]


def _compile_in(interpreter: Interpreter) -> None:
    subprocess.run(
        [str(interpreter.executable), "-m", "compileall", "-q", str(interpreter.site_dirs[0])],
        check=True,
    )


def _pyc(interpreter: Interpreter, module: str = "pkg/__init__.py") -> Path:
    source = interpreter.site_dirs[0] / module
    return source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"


@pytest.fixture
def venv(tmp_path: Path) -> Interpreter:
    return _venv(tmp_path / "venv")


def test_a_fresh_venv_and_its_compiled_packages_are_all_accounted_for(venv: Interpreter) -> None:
    dist = _install(venv)
    _compile_in(venv)
    assert _pyc(venv).is_file()
    assert _findings(venv, dist) == []


def test_a_virtualenv_venv_is_known_too(tmp_path: Path) -> None:
    virtualenv = pytest.importorskip("virtualenv")
    interpreter = _venv(tmp_path / "venv", "virtualenv", "--no-seed", "--no-periodic-update")
    assert (interpreter.scripts / "activate_this.py").is_file()
    assert _findings(interpreter) == []
    # The _virtualenv.py and .pth virtualenv writes where it patches distutils (and
    # versions before 20.38 always), known by their bytes.
    site = interpreter.site_dirs[0]
    template = Path(virtualenv.__file__).parent / "create" / "via_global_ref" / "_virtualenv.py"
    (site / "_virtualenv.py").write_bytes(template.read_bytes())
    (site / "_virtualenv.pth").write_text("import _virtualenv")
    assert _findings(interpreter) == []
    # One that is not what virtualenv writes runs at every start.
    with open(site / "_virtualenv.py", "a") as f:
        f.write("import os; os.system('id')\n")
    (site / "_virtualenv.pth").write_text("import _virtualenv; import os\n")
    assert _findings(interpreter) == [("unowned-file", None, "error")] * 2


def test_an_unowned_pth_module_or_extension_is_an_error(venv: Interpreter) -> None:
    dist = _install(venv)
    site = venv.site_dirs[0]
    (site / "evil.pth").write_text("import os\n")
    (site / "sitecustomize.py").write_text("print('hi')\n")
    (site / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    assert _findings(venv, dist) == [("unowned-file", None, "error")] * 3


def test_an_unowned_package_directory_is_one_finding(venv: Interpreter) -> None:
    dist = _install(venv)
    planted = venv.site_dirs[0] / "planted"
    (planted / "sub").mkdir(parents=True)
    for name in ("__init__.py", "a.py", "sub/b.py", "sub/c.py"):
        (planted / name).write_text("")
    result = IntegrityCheck(venv, load_policy(None)).run([dist], {})
    [f] = [f for f in result.findings if f.code == "unowned-file"]
    assert (f.severity.value, f.path) == ("error", str(planted))
    assert "holds 4 files (__init__.py, a.py, sub/b.py and 1 more)" in f.message


def test_unowned_data_is_a_warning(venv: Interpreter) -> None:
    dist = _install(venv)
    (venv.site_dirs[0] / "notes.txt").write_text("")
    (venv.site_dirs[0] / "docs").mkdir()
    (venv.site_dirs[0] / "docs" / "index.html").write_text("")
    (venv.prefix / "share").mkdir()
    (venv.prefix / "share" / "planted.py").write_text("")
    assert _findings(venv, dist) == [("unowned-file", None, "warning")] * 3


def test_a_file_in_a_distributions_directory_that_its_record_omits(venv: Interpreter) -> None:
    dist = _install(venv)
    (venv.site_dirs[0] / "pkg" / "extra.py").write_text("import os\n")
    (dist.path / "entry_points.txt").write_text("")
    (dist.path / "LICENSE").write_text("")
    assert sorted(_findings(venv, dist)) == [
        ("unowned-file", None, "error"),  # pkg-1.0.dist-info/entry_points.txt: names code
        ("unowned-file", None, "error"),  # pkg/extra.py
        ("unowned-file", None, "warning"),  # pkg-1.0.dist-info/LICENSE
    ]


def test_scripts_a_venv_tool_writes_are_known_and_others_are_not(venv: Interpreter) -> None:
    dist = _install(venv)
    assert (venv.scripts / "activate").is_file()
    assert _findings(venv, dist) == []
    planted = venv.scripts / "python3.11w"
    planted.write_text('#!/bin/sh\nexec python3 "$@"\n')
    (venv.scripts / "tool").write_text("#!/bin/sh\n")
    result = IntegrityCheck(venv, load_policy(None)).run([dist], {})
    found = sorted(
        (f.path or "", f.severity.value) for f in result.findings if f.code == "unowned-file"
    )
    assert found == [(str(planted), "error"), (str(venv.scripts / "tool"), "error")]


def test_a_copied_interpreter_is_known(tmp_path: Path) -> None:
    interpreter = _venv(tmp_path / "venv", "venv", "--without-pip", "--copies")
    assert not os.path.islink(interpreter.scripts / "python")
    assert _findings(interpreter) == []


def _planted_pyc(interpreter: Interpreter, code: str) -> Path:
    """A pyc whose header matches pkg/__init__.py (its mtime and size) but whose code is
    ``code``: what Python loads instead of the verified source."""
    source = interpreter.site_dirs[0] / "pkg" / "__init__.py"
    st = source.stat()
    header = importlib.util.MAGIC_NUMBER + b"\0\0\0\0"
    header += (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    header += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    pyc = _pyc(interpreter)
    pyc.parent.mkdir(exist_ok=True)
    pyc.write_bytes(header + marshal.dumps(compile(code, str(source), "exec")))
    return pyc


def test_byte_code_that_is_not_its_sources_is_file_modified(venv: Interpreter) -> None:
    dist = _install(venv)
    pyc = _planted_pyc(venv, "import os\nVALUE = os.getpid()\n")
    site = str(venv.site_dirs[0])
    ran = subprocess.run(
        [
            str(venv.executable),
            "-c",
            f"import sys; sys.path.insert(0, {site!r}); import pkg; print(pkg.VALUE)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() != "1"  # Python runs the planted byte-code
    result = IntegrityCheck(venv, load_policy(None)).run([dist], {})
    modified = [(f.code, f.package, f.path) for f in result.findings if f.code == "file-modified"]
    assert modified == [("file-modified", "pkg", str(pyc))]


def test_byte_code_python_would_not_load_is_not_a_finding(venv: Interpreter) -> None:
    dist = _install(venv)
    pyc = _planted_pyc(venv, "VALUE = 2\n")
    data = bytearray(pyc.read_bytes())
    data[8:12] = b"\0\0\0\0"  # another timestamp: stale, the source is compiled instead
    pyc.write_bytes(bytes(data))
    other = pyc.with_name("__init__.cpython-99.pyc")  # no interpreter of this venv loads it
    other.write_bytes(bytes(data))
    assert _findings(venv, dist) == []


def test_pytests_rewritten_byte_code_is_unverified(venv: Interpreter) -> None:
    dist = _install(venv)
    pyc = _planted_pyc(venv, "VALUE = 1\n")
    pyc.rename(pyc.with_name(f"__init__.{sys.implementation.cache_tag}-pytest-9.2.0.pyc"))
    assert cached_source(
        str(pyc.with_name(f"__init__.{sys.implementation.cache_tag}-pytest-9.2.0.pyc"))
    )
    assert _findings(venv, dist) == [("bytecode-unverified", None, "warning")]


def test_byte_code_is_unverified_when_the_interpreter_cannot_run(
    venv: Interpreter, mocker: pytest_mock.MockerFixture
) -> None:
    dist = _install(venv)
    _compile_in(venv)
    mocker.patch("subprocess.Popen", side_effect=OSError("exec format error"))
    assert _findings(venv, dist) == [("bytecode-unverified", None, "warning")]


def test_byte_code_that_breaks_the_interpreter_is_found_by_halving(
    tmp_path: Path, venv: Interpreter
) -> None:
    _install(venv)
    _compile_in(venv)
    good = str(_pyc(venv))
    source = str(venv.site_dirs[0] / "pkg" / "__init__.py")
    # An interpreter that dies whenever it is given the file named "poison".
    python = tmp_path / "python"
    python.write_text(
        f'#!/bin/sh\ninput=$(cat)\ncase "$input" in *poison*) kill -SEGV $$;; esac\n'
        f'printf %s "$input" | exec {venv.executable} "$@"\n'
    )
    python.chmod(0o755)
    items = (
        [(good, source, 0)] * 5 + [(str(tmp_path / "poison"), source, 0)] + [(good, source, 0)] * 2
    )
    assert verify_bytecode(python, items) == ["ok"] * 5 + ["modified"] + ["ok"] * 2


def test_a_user_site_on_the_path_is_unverified(tmp_path: Path) -> None:
    interpreter = _venv(tmp_path / "venv", "venv", "--without-pip", "--system-site-packages")
    outside = [path for path in interpreter.origins if not str(path).startswith(str(tmp_path))]
    result = IntegrityCheck(interpreter, load_policy(None)).run([], {})
    unverified = [f.path for f in result.findings if f.code == "site-unverified"]
    assert unverified and set(unverified) <= {str(p) for p in outside}


if TYPE_CHECKING:
    import pytest_mock


def _fake_pip(interpreter: Interpreter, *claims: str) -> Distribution:
    """A `pip` (tolerated extraneous, never locked) whose RECORD also lists ``claims``."""
    site = interpreter.site_dirs[0]
    for claim in claims:
        (site / claim).write_text("import os\n")
    dist = _install(interpreter, "pip", {"pip/__init__.py": b""})
    with open(dist.path / "RECORD", "a") as f:
        for claim in claims:
            f.write(f"{claim},{record_hash(b'import os' + bytes([10]))},10\n")
    return dist


def test_a_tolerated_distribution_owns_no_file_of_another_package(venv: Interpreter) -> None:
    dist = _install(venv)
    pip = _fake_pip(venv, "pkg/evil.py", "zz-pip.pth")
    result = IntegrityCheck(venv, load_policy(None)).run([dist, pip], {})
    found = sorted(
        (f.code, f.package, f.path) for f in result.findings if f.code in OWNERSHIP_CODES
    )
    site = venv.site_dirs[0]
    assert found == [
        ("unowned-file", "pip", str(site / "pkg" / "evil.py")),
        ("unowned-file", "pip", str(site / "zz-pip.pth")),
    ]


def test_the_pth_of_a_seeded_setuptools_is_its_seed_wheels(tmp_path: Path) -> None:
    interpreter = _venv(tmp_path / "venv", "venv")  # with ensurepip's pip (and setuptools)
    installed = scan_distributions(interpreter.site_dirs)
    pth = interpreter.site_dirs[0] / "distutils-precedence.pth"
    if not pth.exists():
        pytest.skip("this Python's ensurepip seeds no setuptools")
    assert _findings(interpreter, *installed) == []
    pth.write_text(pth.read_text() + "import os\n")
    setuptools = [d for d in installed if d.name == "setuptools"]
    result = IntegrityCheck(interpreter, load_policy(None)).run(setuptools, {})
    assert ("unowned-file", "setuptools") in [(f.code, f.package) for f in result.findings]
