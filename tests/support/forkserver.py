"""A fork server for ``poetry``: the tests' Poetry commands without Poetry's start-up.

Every ``poetry`` command of the tests used to be a new process that spent about half a
second importing Poetry before doing anything; the suite ran some seven hundred of them.
A server started once per test worker (and per set of the variables Poetry reads at
import) imports Poetry and the plugins it would load, then forks one child per command.
The child is a real, separate ``poetry`` process in all that matters: it gets the
command's argv, environment, working directory, stdin from /dev/null and the test's own
stdout and stderr files, runs the ``poetry`` script's ``main()`` and exits with its exit
code. Nothing is shared with the tests' process, and no state with another command: each
child starts from the same freshly imported, never-run Poetry.

Run as a script, this file is the server: ``python forkserver.py SOCKET POETRY_SCRIPT``.
It prints ``ready`` when it accepts commands, and ends when its stdin closes (its test
worker ended or closed it).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import locale
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading

from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn


if TYPE_CHECKING:
    from collections.abc import Iterator


#: Variables read while Poetry is imported, or before Python runs any code: a command
#: whose values differ from the server's gets a server of its own.
IMPORT_TIME = (
    "PYTHON",
    "COVERAGE",
    "XDG_",
    "LC_",
    "LANG",
    "HOME",
    "POETRY_CONFIG_DIR",
    "POETRY_HOME",
)

_HEADER = struct.Struct("!I")

#: Set to "1" in a command's environment: the command is not measured by coverage (a
#: test's preparation, whose code paths the tests themselves measure).
UNMEASURED = "LOCKGUARD_TEST_UNMEASURED"
#: Poetry commands run as forks unless LOCKGUARD_TEST_FORK=0 (then each is a process).
ENABLED = os.environ.get("LOCKGUARD_TEST_FORK", "1") != "0"
#: The Poetry script of the interpreter running the tests: the one the servers fork.
POETRY = Path(sys.executable).parent / "poetry"
_SERVERS: dict[tuple[object, ...], ForkServer] = {}


def run_command(
    args: list[str], *, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(args, text=True)`` with output captured and stdin from /dev/null;
    a ``poetry`` command of :data:`POETRY` runs as a fork of a warm Poetry instead."""
    if ENABLED and args and args[0] == str(POETRY):
        # One server per thread too: a server runs one command at a time.
        key = (threading.get_ident(), *import_time_key(env))
        if key not in _SERVERS:
            _SERVERS[key] = ForkServer(sys.executable, POETRY, env)
        return _SERVERS[key].run(args, cwd=cwd, env=env, timeout=timeout)
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def close_servers() -> None:
    """End the fork servers (they save their coverage data as they end)."""
    while _SERVERS:
        _SERVERS.popitem()[1].close()


def import_time_key(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The part of ``env`` a server is started with and cannot change for a command."""
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith(IMPORT_TIME)))


class ForkServer:
    """One server process, running ``poetry`` commands as forks of itself."""

    def __init__(self, python: str, poetry_script: Path, env: dict[str, str]) -> None:
        self._dir = tempfile.mkdtemp(prefix="poetry-fork-")
        self._socket = os.path.join(self._dir, "s")
        self._proc = subprocess.Popen(
            [python, __file__, self._socket, str(poetry_script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=self._dir,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if line.strip() != b"ready":
            self.close()
            raise RuntimeError(f"the poetry fork server did not start: {line!r}")

    def run(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` (``poetry ...``) as a fork, like ``subprocess.run(text=True)``."""
        request = json.dumps({"argv": argv, "cwd": str(cwd), "env": env}).encode()
        with (
            tempfile.TemporaryFile() as out,
            tempfile.TemporaryFile() as err,
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn,
        ):
            conn.connect(self._socket)
            socket.send_fds(
                conn, [_HEADER.pack(len(request)) + request], [out.fileno(), err.fileno()]
            )
            conn.settimeout(timeout)
            pid = _read_int(conn)
            try:
                code = _read_int(conn, signed=True)
            except socket.timeout:
                os.kill(pid, signal.SIGKILL)
                _read_int(conn, signed=True)
                raise subprocess.TimeoutExpired(argv, timeout) from None
            return subprocess.CompletedProcess(argv, code, _text(out), _text(err))

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        with contextlib.suppress(OSError):
            os.unlink(self._socket)
            os.rmdir(self._dir)


def _text(f: IO[bytes]) -> str:
    """What ``subprocess.run(text=True)`` makes of the bytes: universal newlines."""
    f.seek(0)
    data = f.read()
    return io.TextIOWrapper(
        io.BytesIO(data), encoding=locale.getpreferredencoding(False), newline=None
    ).read()


def _read_int(conn: socket.socket, *, signed: bool = False) -> int:
    data = b""
    while len(data) < 8:
        chunk = conn.recv(8 - len(data))
        if not chunk:
            raise RuntimeError("the poetry fork server closed the connection")
        data += chunk
    return int.from_bytes(data, "big", signed=signed)


# -- the server ------------------------------------------------------------------------


def _serve(socket_path: str, poetry_script: str) -> None:
    # The `poetry` script's own sys.path: its directory first, not this file's.
    sys.path[0] = os.path.dirname(poetry_script)
    _warm_up()
    gc.freeze()  # what the server built stays shared: no child's collection touches it
    coverage = _ForkedCoverage(os.path.dirname(socket_path))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(4)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([server, sys.stdin], [], [])
        if sys.stdin in readable:
            return  # the test worker is gone, or closed us
        conn, _ = server.accept()
        with conn:
            header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 2)
            (size,) = _HEADER.unpack(header)
            data = b""
            while len(data) < size:
                data += conn.recv(size - len(data))
            request = json.loads(data)
            with coverage.forking():
                pid = os.fork()
            if pid == 0:
                coverage.in_child()
                server.close()
                conn.close()
                _child(request, fds)  # never returns
            for fd in fds:
                os.close(fd)
            conn.sendall(pid.to_bytes(8, "big"))
            _, status = os.waitpid(pid, 0)
            coverage.take_home(pid)
            conn.sendall(os.waitstatus_to_exitcode(status).to_bytes(8, "big", signed=True))


#: Modules Poetry imports while it runs a command (its commands, installer, solver,
#: virtualenv and its seeders, the PEP 508 parser); imported once by the server, so that
#: no command pays for them. A name missing from some version is skipped.
WARM = (
    "poetry.factory",
    "poetry.plugins.plugin_manager",
    "poetry.installation.installer",
    "poetry.installation.executor",
    "poetry.puzzle.solver",
    "poetry.utils.env",
    "poetry.repositories.legacy_repository",
    "poetry.repositories.pypi_repository",
    "poetry.inspection.info",
    "poetry.layouts",
    "poetry.packages.locker",
    "poetry.mixology",
    "poetry.utils.authenticator",
    "poetry.core.vcs.git",
    "poetry.console.logging.io_formatter",
    "poetry.core.masonry.api",
    "lark",
    "distlib.scripts",
    "pickle",
    "virtualenv",
    "virtualenv.run",
    "virtualenv.discovery.builtin",
    "virtualenv.seed.embed.via_app_data.via_app_data",
    "virtualenv.seed.embed.via_app_data.pip_install.copy",
    "virtualenv.seed.embed.via_app_data.pip_install.symlink",
)

#: PEP 508 strings whose parsing builds the lark grammars (requirements, markers).
PARSED = ('name[extra]>=1.0; python_version >= "3.9" and extra == "x"',)


def _warm_up() -> None:
    """Import Poetry's application, its commands, the plugins it would load and the
    modules they load on first use; build what Poetry builds once per process."""
    import importlib
    import pkgutil

    from importlib.metadata import entry_points

    import poetry.console.commands

    for module in pkgutil.walk_packages(
        poetry.console.commands.__path__, "poetry.console.commands."
    ):
        importlib.import_module(module.name)
    for name in WARM:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for group in ("poetry.application.plugin", "poetry.plugin"):
        if sys.version_info >= (3, 10):
            group_entry_points = entry_points(group=group)
        else:
            group_entry_points = entry_points().get(group, ())
        for entry_point in group_entry_points:
            entry_point.load()
    _import_lockguard()
    from poetry.core.packages.dependency import Dependency
    from poetry.core.version.markers import parse_marker

    for text in PARSED:  # the PEP 508 grammar, and the markers grammar, each its own
        Dependency.create_from_pep_508(text)
        parse_marker(text.partition(";")[2])
    _memoize_schema_compiler()


def _import_lockguard() -> None:
    """Every module of poetry_lockguard a ``poetry`` command may import: not
    ``__main__`` (it runs the stand-alone) nor the pip fence's runtime (importing it
    fences the importing interpreter)."""
    import importlib
    import pkgutil

    import poetry_lockguard

    for module in pkgutil.walk_packages(poetry_lockguard.__path__, "poetry_lockguard."):
        if module.name not in (
            "poetry_lockguard.__main__",
            "poetry_lockguard.env.fence_runtime",
        ):
            importlib.import_module(module.name)


def _memoize_schema_compiler() -> None:
    """``fastjsonschema.compile`` made to remember each schema's validator.

    Poetry validates pyproject.toml against its JSON schemas in every command, and
    compiling them is a quarter of a short command's time. Newer Poetry caches the
    compiled validators for its process, which the server's children would not share;
    2.0.0 compiles them on every call. Compiling is a pure function of the schema, so
    a validator compiled once serves every later call with an equal schema.
    """
    import fastjsonschema

    compile_schema = fastjsonschema.compile
    compiled: dict[str, Any] = {}

    def compile_once(definition: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return compile_schema(definition, *args, **kwargs)
        key = json.dumps(definition, sort_keys=True)
        if key not in compiled:
            compiled[key] = compile_schema(definition)
        return compiled[key]

    fastjsonschema.compile = compile_once
    # Compiled now, in the server: Poetry's own and poetry-core's schemas.
    import poetry.core.json
    import poetry.json

    with contextlib.suppress(Exception):
        poetry.json.validate_object({})
    schemas = Path(poetry.core.json.__file__).parent / "schemas"
    for schema in sorted(schemas.glob("*.json")):
        with contextlib.suppress(Exception):
            poetry.core.json.validate_object({}, schema.stem)


class _ForkedCoverage:
    """Coverage of the server's children: each goes on measuring with the server's
    tracer, and its data comes home to the server, which saves it with its own.

    Coverage's ``patch = ["fork"]`` would stop the server's measurement in the child
    and start a new one; its cold cache of which files to trace made every ``poetry``
    command cost some 60 ms more under coverage. Hidden from that handler while the
    server forks (no current Coverage, no COVERAGE_PROCESS_* variable), the child keeps
    the server's tracer. At its exit the child leaves the lines and branches it ran in
    a file (``marshal``: what the tracer recorded, as it recorded it), and the server,
    once the child has ended, adds them to what its own tracer recorded; saving a data
    file of its own took each child some 15 ms. A child that saves before its exit
    (coverage's ``execv`` and ``_exit`` patches) saves into a data file of its own.
    """

    def __init__(self, directory: str) -> None:
        self._directory = directory
        try:
            from coverage import Coverage
        except ImportError:
            self._current = self._collector = None
            return
        self._current = Coverage.current()
        self._collector = None if self._current is None else self._current._collector
        if self._collector is None:
            self._current = None

    def _arcs(self, pid: int) -> str:
        return os.path.join(self._directory, f"arcs.{pid}")

    @contextlib.contextmanager
    def forking(self) -> Iterator[None]:
        """Around ``os.fork()``: hidden from coverage's own fork handler."""
        if self._current is None:
            yield
            return
        from coverage import Coverage

        started = list(Coverage._instances)
        variables = {
            k: os.environ.pop(k)
            for k in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")
            if k in os.environ
        }
        Coverage._instances.clear()
        try:
            yield
        finally:
            Coverage._instances[:] = started
            os.environ.update(variables)

    def in_child(self) -> None:
        """In the child, first: record from now on, and send it home at exit."""
        current, collector = self._current, self._collector
        if current is None or collector is None:
            return
        import atexit
        import marshal

        from coverage import CoverageData

        data = CoverageData(basename=current.config.data_file, suffix=True)
        current._data = data
        current._data_to_close.append(data)
        collector.use_data(data, current.config.context)
        for found in collector.data.values():  # the server's own, which it saves itself;
            found.clear()  # emptied in place: a tracer may hold on to a file's set
        current._auto_save = False
        arcs = self._arcs(os.getpid())

        def send_home() -> None:
            if not current._started:
                return  # stopped (_stop_coverage): nothing to save
            if collector.file_tracers:  # never so here; a plugin's data is not in .data
                current.save()
                return
            recorded = {name: found for name, found in collector.data.items() if found}
            with open(f"{arcs}.part", "wb") as f:
                marshal.dump(recorded, f)
            os.replace(f"{arcs}.part", arcs)  # whole or not at all (a killed child)

        atexit.register(send_home)

    def take_home(self, pid: int) -> None:
        """In the server, once the child ``pid`` has ended: add what it sent home."""
        if self._collector is None:
            return
        import marshal

        arcs = self._arcs(pid)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{arcs}.part")  # a child killed while writing
        try:
            with open(arcs, "rb") as f:
                recorded = marshal.load(f)
        except FileNotFoundError:
            return  # a child that was not measured, or killed
        os.unlink(arcs)
        data = self._collector.data
        for name, found in recorded.items():
            data.setdefault(name, set()).update(found)


def _runs_plugin_code(args: list[str]) -> bool:
    """False for a command in which none of lockguard's code runs beyond loading the
    plugin (which every other command measures): ``--no-plugins`` (the differential
    harness's oracle) and ``lock``, which the guard leaves alone."""
    words = [a for a in args if not a.startswith("-")]
    return "--no-plugins" not in args and words[:1] != ["lock"]


def _stop_coverage() -> None:
    """Stop measuring this process, when it is measured: tracing costs Poetry's resolver
    about half as much time again, and nothing would be learnt here."""
    try:
        from coverage import Coverage
    except ImportError:
        return
    current = Coverage.current()
    if current is not None:
        current.stop()
        current._auto_save = False  # and nothing to save at exit


def _child(request: dict[str, Any], fds: list[int]) -> NoReturn:
    """Become ``poetry ARGV``: its streams, directory and environment, then its main()."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in (devnull, *fds):
        os.close(fd)
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])
    if not _runs_plugin_code(sys.argv[1:]) or os.environ.get(UNMEASURED) == "1":
        _stop_coverage()
    from poetry.console.application import main

    # As the `poetry` script, sys.exit(main()), but without tearing down a thousand
    # modules one by one (a tenth of a second): exit handlers (coverage saving its data
    # among them) and flushing, then the end of the process. posix._exit, not os._exit:
    # coverage's _exit patch would save this child's data a second time, and the
    # server's pre-fork data once more.
    try:
        code = main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001  (printed, as Python would, and exit 1)
        import traceback

        traceback.print_exc()
        code = 1
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    import posix

    posix._exit(code)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2])
