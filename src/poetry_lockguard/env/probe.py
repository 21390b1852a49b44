"""Asking the target interpreter, once, for its marker environment and paths."""

from __future__ import annotations

import marshal
import os
import re
import sys
import time

from pathlib import Path

from poetry_lockguard.errors import EnvironmentInspectionError
from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import read_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

    from typing import Any
    from typing import Final


# Runs inside the target interpreter (Python 3.9+ must parse it): no third-party imports.
# It runs with -S, so no .pth file or sitecustomize of the target executes. What site.py
# would do is done here by hand, in its order (site.main: the venv's site-packages, the
# user site, then the base prefixes'), with site's own path functions, which do not run
# anything when site is imported under -S: a venv's prefix (site.venv sets it on Python
# < 3.11), pyvenv.cfg's include-system-site-packages (absent means true, the last line
# wins), and the user site, which a venv without system site packages turns off.
_PROBE = r"""
import json, os, sys
start_path = list(sys.path)
opts = json.loads(sys.argv[1])
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
venv_cfg = None
for cfg in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg")):
    if os.path.isfile(cfg):
        venv_cfg = cfg
        break
system_site = "true"
if venv_cfg:
    with open(venv_cfg, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    system_site = value.strip().lower()
    sys.prefix = sys.exec_prefix = os.path.dirname(exe_dir)
import platform, site, sysconfig
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
own = [paths["purelib"], paths["platlib"]]
if opts["userbase"]:
    os.environ["PYTHONUSERBASE"] = opts["userbase"]
user = [] if opts["no_user_site"] else [site.getusersitepackages()]
if hasattr(os, "geteuid") and (os.geteuid(), os.getegid()) != (os.getuid(), os.getgid()):
    user = []
if venv_cfg:
    own = site.getsitepackages([sys.prefix]) + own
    system = [sys.base_prefix, sys.base_exec_prefix] if system_site == "true" else []
    visible = [(d, "") for d in own] + [(d, "user") for d in user if system] + [
        (d, "system") for d in site.getsitepackages(system)]
else:
    own += site.getsitepackages([sys.prefix, sys.exec_prefix])
    visible = [(d, "user") for d in user] + [(d, "") for d in own]
tags = []
if opts["packaging"]:
    sys.path.insert(0, opts["packaging"])
    try:
        from packaging.tags import sys_tags
    except (SyntaxError, ImportError):
        tags = None  # that packaging no longer supports this Python: the caller computes them
    else:
        tags = [str(t) for t in sys_tags()]
    del sys.path[0]
json.dump({
    "marker_env": env,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
    "start_path": start_path,
    "executable": sys.executable,
    "site_dirs": [paths["purelib"], paths["platlib"]],
    "visible_dirs": visible,
    "scripts": paths["scripts"],
    "version_info": list(sys.version_info[:3]),
    "tags": tags,
    "abi_flags": [f for f, var in (("d", "Py_DEBUG"), ("t", "Py_GIL_DISABLED")) if sysconfig.get_config_var(var)],
}, sys.stdout)
"""
#: A line of the probe that a program echoing its arguments shows (see the error).
_PROBE_FIRST_LINE = "import json, os, sys"


class Interpreter:
    """What the target interpreter reported about itself."""

    __slots__ = (
        "base_exec_prefix",
        "base_prefix",
        "executable",
        "marker_env",
        "prefix",
        "scripts",
        "site_dirs",
        "start_path",
        "tags",
        "version",
        "visible_dirs",
    )

    executable: Final[Path]
    prefix: Final[Path]
    base_prefix: Final[Path]
    site_dirs: Final[tuple[Path, ...]]
    scripts: Final[Path]
    marker_env: Final[dict[str, Any]]
    version: Final[str]
    tags: Final[tuple[str, ...]]
    #: Every site directory on the target's ``sys.path`` (first wins), with where it
    #: comes from: "" (the environment's own), "user" (the user site) or "system"
    #: (the base interpreter's, for a venv with system site packages).
    visible_dirs: Final[tuple[tuple[Path, str], ...]]
    #: ``sys.path`` as the interpreter started (``-I -S``): its standard library.
    start_path: Final[tuple[Path, ...]]
    base_exec_prefix: Final[Path | None]

    def __init__(
        self,
        executable: Path,
        prefix: Path,
        base_prefix: Path,
        site_dirs: tuple[Path, ...],
        scripts: Path,
        marker_env: dict[str, Any],
        version: str,
        tags: tuple[str, ...] = (),
        visible_dirs: tuple[tuple[Path, str], ...] = (),
        start_path: tuple[Path, ...] = (),
        base_exec_prefix: Path | None = None,
    ) -> None:
        self.executable = executable
        self.prefix = prefix
        self.base_prefix = base_prefix
        self.site_dirs = site_dirs
        self.scripts = scripts
        self.marker_env = marker_env
        self.version = version
        self.tags = tags
        self.visible_dirs = visible_dirs
        self.start_path = start_path
        self.base_exec_prefix = base_exec_prefix

    @property
    def search_path(self) -> tuple[Path, ...]:
        """The site directories Python imports distributions from, in ``sys.path``
        order: the environment's own, the user site and the base interpreter's where
        the target enables them (``site_dirs`` alone when that is not known)."""
        if not self.visible_dirs:
            return self.site_dirs
        return tuple(path for path, _ in self.visible_dirs)

    @property
    def origins(self) -> dict[Path, str]:
        """Site directories outside the environment, each with a phrase saying where
        it is ("the user site", "the base interpreter's site-packages")."""
        return {path: _ORIGINS[origin] for path, origin in self.visible_dirs if origin in _ORIGINS}

    def _fields(self) -> tuple[object, ...]:
        return (
            self.executable,
            self.prefix,
            self.base_prefix,
            self.site_dirs,
            self.scripts,
            self.marker_env,
            self.version,
            self.tags,
            self.visible_dirs,
            self.start_path,
            self.base_exec_prefix,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interpreter):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Interpreter(executable={self.executable!r}, prefix={self.prefix!r}, "
            f"base_prefix={self.base_prefix!r}, site_dirs={self.site_dirs!r}, "
            f"scripts={self.scripts!r}, marker_env={self.marker_env!r}, "
            f"version={self.version!r}, tags={self.tags!r}, "
            f"visible_dirs={self.visible_dirs!r}, start_path={self.start_path!r}, "
            f"base_exec_prefix={self.base_exec_prefix!r})"
        )


_ORIGINS = {"user": "the user site", "system": "the base interpreter's site-packages"}


def sees_outside_site(python: Path) -> bool:
    """Whether ``python`` may import from site directories outside its environment:
    False only for a venv whose pyvenv.cfg turns the system site packages off (which
    turns the user site off too), read as site.py reads it; an unreadable pyvenv.cfg
    is True (the probe then asks the interpreter)."""
    bin_dir = Path(python).absolute().parent
    for cfg in (bin_dir / "pyvenv.cfg", bin_dir.parent / "pyvenv.cfg"):
        try:
            text = read_regular(str(cfg), _CFG_LIMIT).decode("utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnsafeFileError, UnicodeDecodeError):
            return True
        value = "true"
        for line in re.split(r"\r\n|\r|\n", text):  # as open() reads lines, not splitlines()
            key, sep, rest = line.partition("=")
            if sep and key.strip().lower() == "include-system-site-packages":
                value = rest.strip().lower()
        return value == "true"
    return True


def probe_interpreter(python: Path, *, with_tags: bool = False) -> Interpreter:
    """Run ``python`` once and return its marker environment and install paths.

    With ``with_tags`` the wheel tags it supports are computed there too, with this
    process's ``packaging``; where that packaging no longer runs on the target's Python
    (packaging 26 needs 3.10), they are computed here from the target's version and ABI
    flags for this machine's platforms (``target_tags``).
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
        self._cached = _read_cache(self._cache, python)
        if self._cached is not None:
            return
        # Imported only here: subprocess costs more start-up than a cached check's work.
        import subprocess

        options = _site_options()
        if with_tags:
            import packaging

            options["packaging"] = str(Path(packaging.__file__).parent.parent)
        import json

        args = [str(python), "-I", "-S", "-c", _PROBE, json.dumps(options)]
        self._deadline = time.monotonic() + _timeout()
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
            return self._cached
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
        import json

        try:
            data = json.loads(stdout)
        except ValueError as e:
            raise EnvironmentInspectionError(
                f"{python}: interpreter printed something that is not its environment"
            ) from e
        try:
            interpreter = _interpreter(data)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise EnvironmentInspectionError(
                f"{python}: interpreter printed something that is not its environment"
            ) from e
        problem = answer_problem(python, interpreter)
        if problem is not None:
            raise EnvironmentInspectionError(f"{python}: {problem}")
        _write_cache(self._cache, data)
        return interpreter


def answer_problem(python: Path, interpreter: Interpreter) -> str | None:
    """What is wrong with ``interpreter`` as the answer of ``python``, or None.

    Checked with the file system only (no other process): the interpreter that
    answered is ``python`` itself (a wrapper that hands the probe's ``-I -S`` call to
    another interpreter names that one); for a venv (a pyvenv.cfg where site.py looks
    for it) the prefix is the venv's directory, its own site directories lie inside it
    and exist, they come first on ``sys.path``, and there are no others when
    pyvenv.cfg turns the system site packages off; the interpreter file is one
    pyvenv.cfg's ``home`` holds (or a copy inside the venv that is not a script).
    """
    executable = os.path.abspath(python)
    answered = str(interpreter.executable)
    if not _same_entry(answered, executable):
        return f"{answered} answered instead (is {python} a wrapper around another interpreter?)"
    venv, cfg = _venv_of(executable)
    values = _cfg_values(cfg) if cfg is not None else {}
    pth = _pth_file(executable, values.get("home"))
    if pth is not None:
        return (
            f"{pth} replaces the interpreter's sys.path at start-up (a ._pth file), so what"
            " it imports cannot be checked"
        )
    if venv is None or cfg is None:
        # Not a venv: its prefix is whatever its own interpreter says.
        return _script_problem(executable, os.path.realpath(executable))
    prefix = str(interpreter.prefix)
    if not _inside(prefix, venv, exactly=True):
        return f"its interpreter answered for {prefix}, not for the environment {venv}"
    schemes = _venv_site_dirs(venv, interpreter)
    for site_dir in interpreter.site_dirs:
        if not _is_scheme_dir(str(site_dir), schemes):
            return f"its interpreter named {site_dir} as a site directory of {venv}"
    # site.py adds a site directory only when it is a directory: Debian's Python names
    # dist-packages directories a venv does not have. One that exists is checked.
    present = [(path, origin) for path, origin in interpreter.visible_dirs if os.path.isdir(path)]
    origins = [origin for _, origin in present]
    own = [path for path, origin in present if not origin]
    if origins[: len(own)] != [""] * len(own) or not all(
        _is_scheme_dir(str(p), schemes) for p in own
    ):
        # site.py puts a venv's own directories first: a copy elsewhere that came first
        # would hide what is installed in the venv.
        return f"its interpreter named site directories of {venv} that are not its own"
    if len(own) != len(origins) and not sees_outside_site(Path(executable)):
        return (
            f"its interpreter named site directories outside {venv}, which its pyvenv.cfg turns off"
        )
    declared = (values.get("version") or values.get("version_info") or "").split(".")[:2]
    actual = interpreter.version.split(".")[:2]
    if len(declared) == 2 and declared != actual:
        return (
            f"its interpreter answered as Python {interpreter.version}, but {cfg} says"
            f" {'.'.join(declared)}"
        )
    problem = _interpreter_file_problem(executable, venv, values)
    if problem is not None:
        return problem
    return _stdlib_answer_problem(_base_interpreter(executable, venv, values), interpreter)


def _venv_site_dirs(venv: str, interpreter: Interpreter) -> set[str]:
    """The site directories site.py can give this venv: ``lib/python3.X/site-packages``
    (``python3.Xt`` for a free-threaded build where that is the only one, ``pypy3.X``
    for PyPy), ``lib64/...`` only as the same directory as ``lib/...`` (venv's link) or
    where there is no ``lib/...``, and ``Lib/site-packages`` on Windows only. An
    answer naming another directory inside the venv (a decoy copy of clean dist-infos,
    a real ``lib64`` beside ``lib``, a path through a link to elsewhere) is not the
    venv's own."""
    x_y = ".".join(interpreter.version.split(".")[:2])
    marker = interpreter.marker_env
    if marker.get("sys_platform") == "win32":
        return {os.path.normpath(os.path.join(venv, "Lib", "site-packages"))}
    name = f"pypy{x_y}" if marker.get("implementation_name") == "pypy" else f"python{x_y}"
    plain = os.path.join(venv, "lib", name, "site-packages")
    if not os.path.isdir(plain) and name.startswith("python"):
        plain = os.path.join(venv, "lib", f"{name}t", "site-packages")
    found = {os.path.normpath(plain)}
    wide = os.path.join(venv, "lib64", os.path.basename(os.path.dirname(plain)), "site-packages")
    if not os.path.isdir(plain) or os.path.realpath(wide) == os.path.realpath(plain):
        found.add(os.path.normpath(wide))
    return found


def _is_scheme_dir(path: str, schemes: set[str]) -> bool:
    """Whether ``path`` is one of ``schemes`` as written and once resolved (a link on
    the way that leads elsewhere makes it another directory), and a directory."""
    normal = os.path.normpath(path)
    if normal not in schemes or not os.path.isdir(path):
        return False
    return os.path.realpath(path) == os.path.realpath(normal)


def _venv_of(executable: str) -> tuple[str | None, str | None]:
    """The venv directory site.py makes the prefix of ``executable`` and its
    pyvenv.cfg, or (None, None) when it is not in a venv."""
    exe_dir = os.path.dirname(executable)
    for cfg in (
        os.path.join(exe_dir, "pyvenv.cfg"),
        os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg"),
    ):
        if os.path.isfile(cfg):
            return os.path.dirname(exe_dir), cfg
    return None, None


def _interpreter_file_problem(executable: str, root: str, values: dict[str, str]) -> str | None:
    """None when ``executable`` is the interpreter pyvenv.cfg describes: one of the
    links it goes through lies in ``home``, or the file it resolves to is the one of
    that name in ``home`` (Homebrew's ``home`` holds links into its framework); or it is
    a copy inside the venv (``--copies``), not a script, of the bytes of an interpreter
    in ``home``. And ``home`` leads to the standard library of that interpreter, not to
    another (``_stdlib_problem``). pyvenv.cfg's other keys (``executable``,
    ``base-executable``) are never taken as proof: whoever writes ``home`` writes them.
    """
    real = os.path.realpath(executable)
    home = values.get("home")
    if _under(real, os.path.realpath(root), False):
        problem = _script_problem(executable, real)
        if problem is not None or not home:
            return problem
        base = _copied_from(real, home, os.path.basename(executable))
        if base is None:
            return (
                f"{executable} is a copy of no interpreter in pyvenv.cfg's home {home}"
                " (after an upgrade of that Python, `python -m venv --upgrade` copies it again)"
            )
        return _stdlib_problem(home, os.path.realpath(base))
    if not home:
        return None  # nothing to compare with (a virtualenv before 20 wrote no home)
    for hop in _chain(executable):  # through /usr/bin/python3 -> /etc/alternatives/...
        if _same_file(os.path.dirname(hop), home):
            return _stdlib_problem(home, real)
    if _same_file(real, os.path.join(home, os.path.basename(real))):
        return _stdlib_problem(home, real)
    return f"{executable} runs {real}, not an interpreter of pyvenv.cfg's home {home}"


def _chain(path: str) -> list[str]:
    """``path`` and every link it goes through, as written, to the file it names."""
    hops = [path]
    for _ in range(_MAX_LINKS):
        try:
            hops.append(os.path.join(os.path.dirname(hops[-1]), os.readlink(hops[-1])))
        except OSError:  # not a link (the end of the chain), or gone meanwhile
            break
    return hops


def _copied_from(copy: str, home: str, name: str) -> str | None:
    """The interpreter in ``home`` that ``copy`` is a copy of (the same bytes), looked
    for under the names getpath tries: the venv's own name, ``python3``, ``python3.X``."""
    import filecmp

    names = [name, os.path.basename(copy), "python3"]
    try:
        names += sorted(n for n in os.listdir(home) if re.fullmatch(r"python3\.[0-9]+", n))
    except OSError:
        return None
    for candidate in dict.fromkeys(os.path.join(home, n) for n in names):
        try:
            if os.path.isfile(candidate) and filecmp.cmp(candidate, copy, shallow=False):
                return candidate
        except OSError:
            continue
    return None


def _stdlib_problem(home: str, real: str) -> str | None:
    """What is wrong with ``home`` as the directory CPython's getpath starts from to find
    the standard library of ``real``, or None.

    getpath looks in ``home`` (not beside the interpreter file) for a build directory
    (``pybuilddir.txt``, ``Modules/Setup.local``) and above it for
    ``lib/pythonXY.zip`` and ``lib/python3.X/os.py``: a ``home`` of another tree makes
    the venv run that tree's standard library (and its ``sitecustomize``), whatever the
    interpreter file is. Every such landmark seen from ``home`` must be the one seen
    from the interpreter file's own directory.
    """
    if os.name != "posix":
        return None
    real_dir = os.path.dirname(real)
    if _same_file(home, real_dir):
        return None
    seen = _stdlib_landmarks(home)
    if not seen:
        return None  # getpath finds nothing there and falls back to the built-in prefix
    own = _stdlib_landmarks(real_dir)
    for key, path in sorted(seen.items()):
        if not _same_file(path, own.get(key, "")):
            return (
                f"pyvenv.cfg's home {home} leads to {path}, which is not the standard"
                f" library of its interpreter {real}"
            )
    return None


#: What getpath takes for a Python's standard library, searched upwards (the first of
#: each found wins): its zip, its ``os`` module.
_STDLIB_LANDMARK = re.compile(r"python[0-9]+\.zip|python[0-9]+\.[0-9]+t?")


def _stdlib_landmarks(directory: str) -> dict[str, str]:
    """The standard-library landmarks getpath can find from ``directory``: a build
    directory's markers there, and above it each version's zip and ``os`` module, the
    nearest first. Keyed by where they lie relative to the prefix found; the value is
    what two interpreters must share to share a standard library: the build directory,
    the zip, the directory holding ``os`` (a tree of links to the real modules beside a
    planted one is another directory)."""
    found: dict[str, str] = {}
    for marker in ("pybuilddir.txt", os.path.join("Modules", "Setup.local")):
        if os.path.isfile(os.path.join(directory, marker)):
            found[marker] = directory
    level = os.path.abspath(directory)
    for _ in range(_MAX_LEVELS):
        for libdir in ("lib", "lib64"):
            try:
                names = os.listdir(os.path.join(level, libdir))
            except OSError:
                continue
            for name in names:
                key = os.path.join(libdir, name)
                path = os.path.join(level, key)
                if key in found or not _STDLIB_LANDMARK.fullmatch(name):
                    continue
                if name.endswith(".zip"):
                    if os.path.isfile(path):
                        found[key] = path
                elif any(os.path.isfile(os.path.join(path, f)) for f in ("os.py", "os.pyc")):
                    found[key] = path
        parent = os.path.dirname(level)
        if parent == level:
            break
        level = parent
    return found


#: Directories climbed from ``home`` looking for a standard library.
_MAX_LEVELS = 64


def _base_interpreter(executable: str, root: str, values: dict[str, str]) -> str:
    """The interpreter file a venv's ``executable`` runs, resolved: for a copy inside
    the venv, the file in ``home`` it is a copy of."""
    real = os.path.realpath(executable)
    home = values.get("home")
    if home and _under(real, os.path.realpath(root), False):
        return os.path.realpath(_copied_from(real, home, os.path.basename(executable)) or real)
    return real


def _stdlib_answer_problem(real: str, interpreter: Interpreter) -> str | None:
    """What the answer says about the standard library that the file system does not
    confirm: ``base_prefix`` is the prefix holding the lib/python3.X/os.py of ``real``
    (where one is found above it), and ``sys.path`` at start-up lies inside
    ``base_prefix`` or ``base_exec_prefix``."""
    x_y = ".".join(interpreter.version.split(".")[:2])
    seen = _stdlib_landmarks(os.path.dirname(real))
    base = str(interpreter.base_prefix)
    for libdir in ("lib", "lib64"):
        stdlib = seen.get(os.path.join(libdir, f"python{x_y}"))
        if stdlib is not None and "pybuilddir.txt" not in seen:
            prefix = os.path.dirname(os.path.dirname(stdlib))
            if not _same_file(base, prefix):
                return f"its interpreter answered with the base prefix {base}, not {prefix}"
            break
    roots = [base, str(interpreter.base_exec_prefix or base)]
    for entry in interpreter.start_path:
        if not any(_inside(str(entry), root) for root in roots):
            return f"its interpreter started with {entry} on sys.path, outside its prefix {base}"
    return None


def _pth_file(executable: str, home: str | None) -> str | None:
    """A ``._pth`` file that replaces sys.path as the interpreter starts (CPython 3.11+
    reads ``<executable>._pth`` beside the file it was started as and beside the one it
    resolves to, and on Windows ``python3X._pth``): beside ``executable`` and every link
    it goes through, beside the file in ``home`` a copy stands for, and any in the
    venv's scripts directory."""
    directory = os.path.dirname(executable)
    try:
        planted = sorted(n for n in os.listdir(directory) if n.endswith("._pth"))
    except OSError:
        planted = []
    if planted:
        return os.path.join(directory, planted[0])
    hops = _chain(executable)
    if home:
        hops += _chain(os.path.join(home, os.path.basename(executable)))
    for hop in hops:
        for path in (hop, os.path.realpath(hop)):
            if os.path.lexists(path + "._pth"):
                return path + "._pth"
    return None


#: Links followed from a venv's interpreter towards pyvenv.cfg's ``home`` (as ELOOP).
_MAX_LINKS = 40


def _script_problem(executable: str, real: str) -> str | None:
    """A script in place of an interpreter (its ``#!`` line runs another program)."""
    try:
        with open(real, "rb") as f:
            script = f.read(2) == b"#!"
    except OSError:
        return None  # the probe ran it: what cannot be read here is not a script
    return f"{executable} is a script, not an interpreter" if script else None


def _cfg_values(cfg: str) -> dict[str, str]:
    """pyvenv.cfg's keys (lower case) and values, the last line of a key winning; {}
    when unreadable."""
    try:
        text = read_regular(cfg, _CFG_LIMIT).decode("utf-8")
    except (OSError, UnsafeFileError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in re.split(r"\r\n|\r|\n", text):
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _cached_facts_problem(data: dict[str, Any]) -> str | None:
    """What a cached answer says about this machine and Python that this process knows
    otherwise: the kernel and platform (the same machine runs both), and a Python
    version whose parts agree; None when all agree."""
    env = data["marker_env"]
    uname = os.uname()
    machine = {
        "os_name": os.name,
        "sys_platform": sys.platform,
        "platform_system": uname.sysname,
        "platform_release": uname.release,
        "platform_version": uname.version,
        "platform_machine": uname.machine,
    }
    for key, value in machine.items():
        if env.get(key) != value:
            return key
    version = [int(v) for v in data["version_info"]]
    if env.get("python_version") != f"{version[0]}.{version[1]}" or not str(
        env.get("python_full_version", "")
    ).startswith(".".join(map(str, version))):
        return "python_version"
    return None


def _inside(path: str, root: str, *, exactly: bool = False) -> bool:
    """Whether ``path`` is ``root`` or (unless ``exactly``) lies under it, as written
    or once both are resolved. As written is enough: a link inside the venv that
    leads out of it can only be made by whoever can rewrite the venv anyway."""
    if _under(os.path.normpath(path), os.path.normpath(root), exactly):
        return True
    return _under(os.path.realpath(path), os.path.realpath(root), exactly)


def _under(path: str, root: str, exactly: bool) -> bool:
    return path == root or (not exactly and path.startswith(root.rstrip(os.sep) + os.sep))


def _same_entry(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name one directory entry: a venv's ``bin/python`` is a
    link to the base interpreter, like every other venv's of that Python."""
    try:
        first, second = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def target_tags(data: dict[str, Any]) -> list[str]:
    """The wheel tags of the interpreter a probe described, in priority order, computed
    in this process with packaging's public API, as ``sys_tags()`` computes them there:
    the target's implementation, version and ABI flags, this machine's platforms. For
    another implementation than CPython only its wheels without an ABI are known."""
    from packaging import tags

    major, minor = data["version_info"][:2]
    platforms = list(tags.platform_tags())
    implementation = data["marker_env"]["implementation_name"]
    short = tags.INTERPRETER_SHORT_NAMES.get(implementation, implementation)
    interpreter = f"{short}{major}{minor}"
    compatible = interpreter
    if implementation == "cpython":
        # As packaging's _cpython_abis: "t" (free-threaded) before "d" (debug), and a
        # debug build also takes the release ABI's wheels.
        flags = set(data.get("abi_flags", []))
        base = f"{interpreter}{'t' if 't' in flags else ''}"
        abis = [f"{base}d", base] if "d" in flags else [base]
        found = [*tags.cpython_tags((major, minor), abis, platforms)]
    elif implementation == "pypy":
        # PyPy's ABI is its EXT_SUFFIX's: pypy39_pp73 for PyPy 7.3 on Python 3.9.
        release = data["marker_env"].get("implementation_version", "").split(".")
        abis = [f"pypy{major}{minor}_pp{''.join(release[:2])}"] if len(release) >= 2 else []
        found = [*tags.generic_tags(interpreter, abis, platforms)]
        compatible = "pp3"  # as sys_tags() names PyPy's pure wheels
    else:  # its own ABI is not known here: only its pure (abi "none") wheels
        found = [*tags.generic_tags(interpreter, [], platforms)]
    found += tags.compatible_tags((major, minor), compatible, platforms)
    return [str(tag) for tag in found]


def _site_options() -> dict[str, Any]:
    """What of this process's environment decides the target's user site: the probe
    runs without the ``PYTHON*`` variables (and with ``-I``), the target will not."""
    return {
        "userbase": os.environ.get("PYTHONUSERBASE", ""),
        "no_user_site": bool(os.environ.get("PYTHONNOUSERSITE")),
        "packaging": "",
    }


def _interpreter(data: dict[str, Any]) -> Interpreter:
    site_dirs = tuple(dict.fromkeys(Path(p) for p in data["site_dirs"]))
    visible: dict[Path, str] = {}
    for path, origin in data["visible_dirs"]:
        visible.setdefault(Path(path), str(origin))
    return Interpreter(
        executable=Path(data["executable"]),
        prefix=Path(data["prefix"]),
        base_prefix=Path(data["base_prefix"]),
        site_dirs=site_dirs,
        visible_dirs=tuple(visible.items()),
        start_path=tuple(Path(p) for p in data["start_path"]),
        base_exec_prefix=Path(data["base_exec_prefix"]),
        scripts=Path(data["scripts"]),
        marker_env=data["marker_env"],
        version=".".join(str(v) for v in data["version_info"]),
        tags=tuple(data["tags"] if data["tags"] is not None else target_tags(data)),
    )


def _cache_path(python: Path, with_tags: bool) -> Path | None:
    """Where the answer of this exact interpreter is kept, or None (no caching).

    The key covers everything the answer depends on: the interpreter file (path,
    inode, size, mtime, and those of what it links to), the venv's pyvenv.cfg, the
    running kernel (``platform_release``/``platform_version``) and lockguard's
    version. A recreated venv or an upgraded Python gets a new key. Only a venv without
    system site packages is cached, and not with ``with_tags``: those answers are
    always the interpreter's own.
    """
    if with_tags or os.name != "posix" or os.environ.get("POETRY_LOCKGUARD_NO_CACHE"):
        # The tags are asked for by --integrity (and the SBOM) only: whether the lock
        # has a wheel for the environment rests on them, the file system cannot confirm
        # them, and next to hashing every installed file one probe costs nothing.
        return None
    if sees_outside_site(python):
        # Only a venv that sees nothing but its own site directories is cached: any
        # other answer (an interpreter outside a venv, the base interpreter's or the
        # user's site-packages) names directories the file system cannot confirm, and
        # the key of a long-lived interpreter is easy to work out for whoever can write
        # the cache.
        return None
    from hashlib import sha256

    from poetry_lockguard import __version__

    parts: list[object] = [
        __version__,
        sha256(_PROBE.encode()).hexdigest(),
        with_tags,
        str(Path(python).absolute()),
        os.uname(),
        _site_options(),
        os.environ.get("HOME"),  # the default user site is under it
        (os.getuid(), os.geteuid(), os.getgid(), os.getegid()),
    ]
    bin_dir = Path(python).absolute().parent
    try:
        for path, follow in ((python, False), (python, True)):
            st = os.stat(path, follow_symlinks=follow)
            parts.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
        # Both places site.py looks for pyvenv.cfg, by content too: an edit within the
        # file system's timestamp granularity, at the same size, still changes the key.
        for cfg in (bin_dir / "pyvenv.cfg", bin_dir.parent / "pyvenv.cfg"):
            try:
                content = sha256(read_regular(str(cfg), _CFG_LIMIT)).hexdigest()
                st = os.stat(cfg)
            except FileNotFoundError:
                parts.append(None)
                continue
            parts.append((content, st.st_dev, st.st_ino, st.st_mtime_ns))
    except (OSError, UnsafeFileError):
        return None
    key = sha256(repr(parts).encode()).hexdigest()[:32]
    explicit = os.environ.get("POETRY_LOCKGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit, "probe", f"{key}.marshal")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "poetry-lockguard", "probe", f"{key}.marshal")


def _read_cache(path: Path | None, python: Path) -> Interpreter | None:
    """The cached answer for ``python``, or None: "probe again".

    The cache directory is writable by whoever shares the account (the next job on a
    persistent CI runner), so an entry is believed only when it agrees with what the
    file system says about ``python`` (``answer_problem``) and with what this process
    knows about the machine (``_cached_facts_problem``). A damaged entry, one of an
    older format and one that disagrees are all discarded the same way.
    """
    if path is None:
        return None
    try:
        # marshal, not json: it is built in, so reading the cache imports nothing. Only
        # a regular file is opened (a FIFO planted there would block the read).
        data = marshal.loads(read_regular(str(path), _CACHE_LIMIT))
        interpreter = _interpreter(data)
        if _cached_facts_problem(data) or answer_problem(python, interpreter):
            return None
    except Exception:  # noqa: BLE001 - any unreadable entry means "probe again"
        return None
    return interpreter


def _write_cache(path: Path | None, data: dict[str, Any]) -> None:
    """Keep the answer for next time; a read-only home just means no cache."""
    if path is None:
        return
    from poetry_lockguard.env.state import private_directory
    from poetry_lockguard.env.state import write_replacing

    try:
        directory = private_directory(path.parent)
        if directory is not None:
            # A new temporary, never a name planted beforehand (a symlink to a file the
            # next job wants overwritten).
            write_replacing(directory, path.name, marshal.dumps(data))
    except OSError:
        pass


#: The most bytes of a cache entry read (an answer is a few KB).
_CACHE_LIMIT = 1024 * 1024

#: The largest pyvenv.cfg read for the cache key (a larger one is not cached).
_CFG_LIMIT = 64 * 1024

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
