"""What the tools that make virtual environments (venv, virtualenv, uv) write into them
beside what installers list in RECORD: known files, not unowned ones.

- The scripts directory: the activation scripts and the interpreter's links. The
  scripts' content names the environment's own path, so it is not compared; a name of
  the interpreter must be a link to it or a copy of it (``checks/ownership``).
- The site directory: virtualenv and uv write ``_virtualenv.pth`` (one line,
  ``import _virtualenv``) and ``_virtualenv.py`` on the Python versions that need its
  distutils patch. The ``.pth`` runs the module at every start of the interpreter, so
  both are compared: the line exactly, the module with the copies those tools have
  written (the digests below, read off every virtualenv release from 20.0 and uv's
  releases from 0.4) or the copy in an importable virtualenv (the one Poetry makes
  environments with).
- The seed packages' ``.pth`` files (setuptools' ``distutils-precedence.pth``), known
  by the bytes of the seed wheels they come from.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re

from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    from poetry_lockguard.env.probe import Interpreter

#: Names of the scripts directory that venv, virtualenv and uv write.
SCRIPTS = frozenset(
    {
        "activate",
        "activate.bat",
        "activate.csh",
        "activate.fish",
        "activate.nu",
        "activate.ps1",
        "Activate.ps1",
        "activate.xsh",
        "activate_this.py",
        "deactivate.bat",
        "deactivate.csh",
        "pydoc.bat",
    }
)
_INTERPRETER = re.compile(r"(python|pypy|graalpy)(\d+(\.\d+)?)?(w|t)?(\.exe)?")

MODULE_NAME = "_virtualenv.py"
PTH_NAME = "_virtualenv.pth"
_PTH_LINE = b"import _virtualenv"
_LIMIT = 1024 * 1024

#: sha256 of every ``_virtualenv.py`` virtualenv and uv have written.
MODULE_DIGESTS = frozenset(
    {
        "af1ae62e3579835f64841e86423c82eedeb96cde06c8ffa14e49a80b9acad090",  # virtualenv 20.0.6 to 20.0.7
        "095a1099733d28c837bca584f5fb3eb3724e357f8846c015083dc6e9a7b985f3",  # virtualenv 20.0.8
        "96245d9e9c0b16fdcd99b470abe101863858120c9bf57752278ec4d7f9b09a94",  # virtualenv 20.0.9
        "82944bb74841efbcfdc3539e7d60df63f43cc023041eb183abbd56f44e071b45",  # virtualenv 20.0.10
        "e3db5fe06ab41ca9b95dd6463b83836787028a1b55562cc383803bb83001a45c",  # virtualenv 20.0.11 to 20.0.26
        "bd9633de3d8122488d66fcfa0c7f0c9cd0b58e9147938ddf1f8fa76ca12b6ad5",  # virtualenv 20.0.27
        "684b8c07932ba4a84ac2e5ae9afe49ef04e92bac3d8d4191d455cf09d093e5fc",  # virtualenv 20.0.28 to 20.13.3
        "ce57d5e0d9b5d7356cb42da7450ba8f9359bdf693e335f4c921626943c77e64d",  # virtualenv 20.13.4 to 20.16.2
        "c9199315871b11b12df226f890a38e66e63191e1adbfb11a66e6861151b33fca",  # virtualenv 20.16.3 to 20.21.1
        "f4dfaeb9efc1614890cfa94ed15bbe9b2ee15fbe76d569ef5e435e93e4987dc7",  # virtualenv 20.22.0 to 20.23.0
        "119e4eb9c1a39e6ffd220840844bd326fa1bd3acf2f1c9fa0612949aedc228a5",  # virtualenv 20.23.1
        "0aeb86546345c1d0fada097536e35525714d5cdbcc2d8eb3f9912a955044fcff",  # virtualenv 20.24.0 to 20.25.0
        "0f20351ea7e90039c46d3fabdef991f28b1e3ff33eb13ee6f0d5cd21ea0e8b14",  # virtualenv 20.25.1 to 20.35.3
        "bec6155ff7bfc88f8e79e481f27fd7ee0a3b40eeca9bfeb41f4c4b997b2f8100",  # virtualenv 20.35.4 to 20.36.1
        "02943e192823d75212f206e1f2991ac572119882683a95dfbb7a1b913d7b14b5",  # virtualenv 20.38.0 to 21.0.0
        "e8c426ce260f866254ff35cefedc8b3efbd6d1446d99d7a4cdeb0095f98a8b8f",  # virtualenv 21.1.0 to 21.3.3
        "460589e83387d4dfe5fd84d41c5f6979599f5cd080983d73c832549161c80435",  # virtualenv 21.4.0 to 21.6.1
        "0278334cdcfab4c746b4416fbd5c2b6e7da937c81e132397d62c361d404ebe0e",  # virtualenv 21.7.0 to 21.15.0
        "dd8e633ed8b9f4741a52379f6d95cb2bf71cdf7d48aa43858935335efdd273ed",  # virtualenv 21.15.1 to 21.15.6
        "07584d2a5d13e0811eb567d78ed2aca0fb60e7defff59a01ca7a48d907bdea51",  # virtualenv 21.15.7 to 21.15.8
        "d762c207d745129f173766ffd8b96144bef46f5f87c174a7f684d9fa4248c2d5",  # virtualenv 21.15.9
        "cfe56cafbd68fd31a0e87100f111d7d2f6b7157241096500013c07e88d80a22f",  # virtualenv 21.15.10 to 21.15.14
        "6cf30c56faf2a55228914dbbd17f8088ed371ebb08f5e7fa6fd931f913fcaf1d",  # uv 0.4 to 0.11
        "cfb3db86aaa53bb62b5ff764970bec2d71c9228590a0ebec57f6ec926cc0bf1a",  # uv 0.12 to 0.13
    }
)


def is_interpreter_name(name: str) -> bool:
    """Whether ``name`` is one of the interpreter's names in a scripts directory
    (``python``, ``python3``, ``python3.12``, ``pypy3``, ``python3.13t``...)."""
    return _INTERPRETER.fullmatch(name) is not None


def site_file_problem(path: str) -> str | None:
    """For a file of a site directory that no RECORD lists: None when it is not one a
    venv tool writes, "" when it is and holds what that tool writes, else what is wrong
    with it."""
    name = os.path.basename(path)
    if name not in (MODULE_NAME, PTH_NAME):
        return None
    try:
        data = read_regular(path, _LIMIT)
    except UnsafeFileError:
        return "is not a regular file"
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if name == PTH_NAME:
        return "" if data.rstrip(b"\r\n") == _PTH_LINE else "is not the line virtualenv writes"
    digest = hashlib.sha256(data).hexdigest()
    if digest in MODULE_DIGESTS or digest == _importable_template_digest():
        return ""
    return f"is not a copy virtualenv or uv writes (sha256={digest})"


def _virtualenv_dir(interpreter: Interpreter | None = None) -> str | None:
    """The package directory of an importable virtualenv (found without importing it),
    unless it is installed in ``interpreter``'s own site directories: there it is one
    of the files being checked, and would vouch for itself."""
    try:
        spec = importlib.util.find_spec("virtualenv")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    directory = os.path.dirname(spec.origin)
    if interpreter is not None:
        real = os.path.realpath(directory)
        for site in interpreter.site_dirs:
            if os.path.dirname(real) == os.path.realpath(site):
                return None
    return directory


def _importable_template_digest() -> str:
    """The sha256 of the ``_virtualenv.py`` of an importable virtualenv, "" without one."""
    virtualenv = _virtualenv_dir()
    if virtualenv is None:
        return ""
    template = os.path.join(virtualenv, "create", "via_global_ref", MODULE_NAME)
    try:
        return hashlib.sha256(read_regular(template, _LIMIT)).hexdigest()
    except (OSError, UnsafeFileError):
        return ""


#: Debian's seed wheels (python3-venv and python3-pip-whl), which its ``ensurepip`` uses.
_DEBIAN_WHEELS = "/usr/share/python-wheels"


#: The packages the seed wheels' ``.pth`` files import at every start.
SEED_PTH_MODULES = ("_distutils_hack",)


def seed_wheel_dirs(interpreter: Interpreter) -> list[tuple[str, str]]:
    """The directories of the wheels a venv tool seeds ``interpreter``'s environments
    from, with how to name each: its standard library's ``ensurepip/_bundled``,
    Debian's, and the embedded wheels of an importable virtualenv (the one Poetry
    creates environments with) that is not itself installed in the environment. Each
    belongs to the interpreter or the tool that made the environment, not to it."""
    found = [
        (str(p / "ensurepip" / "_bundled"), "the standard library's ensurepip wheels")
        for p in interpreter.start_path
    ]
    found.append((_DEBIAN_WHEELS, "Debian's python-wheels"))
    virtualenv = _virtualenv_dir(interpreter)
    if virtualenv is not None:
        embed = os.path.join(virtualenv, "seed", "wheels", "embed")
        found.append((embed, "virtualenv's embedded wheels"))
    seen: set[str] = set()
    unique = []
    for directory, label in found:
        real = os.path.realpath(directory)
        if real not in seen and os.path.isdir(real):
            seen.add(real)
            unique.append((directory, label))
    return unique


def seed_wheel_pth_files(interpreter: Interpreter) -> dict[str, set[bytes]]:
    """The ``.pth`` files the seed wheels a venv tool installs from ship (setuptools'
    ``distutils-precedence.pth``) and the files of the packages they import
    (``SEED_PTH_MODULES``), by member name, from ``seed_wheel_dirs``."""
    import zipfile

    found: dict[str, set[bytes]] = {}
    for directory, _ in seed_wheel_dirs(interpreter):
        try:
            names = [n for n in os.listdir(directory) if n.startswith("setuptools-")]
        except OSError:
            continue
        for name in names:
            if not name.endswith(".whl"):
                continue
            try:
                with zipfile.ZipFile(os.path.join(directory, name)) as wheel:
                    for member in wheel.namelist():
                        top = member.split("/", 1)[0]
                        if (top == member and member.endswith(".pth")) or top in SEED_PTH_MODULES:
                            found.setdefault(member, set()).add(wheel.read(member))
            except (OSError, zipfile.BadZipFile, ValueError):
                continue
    return found
