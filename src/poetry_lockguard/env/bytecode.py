"""Byte-code in ``__pycache__``: whether Python would run it, and whether it is its source.

Python imports ``pkg/__pycache__/mod.<tag>.pyc`` instead of compiling ``pkg/mod.py``
when the file's header matches the source: a timestamp pyc whose recorded mtime and
size are the source's, a checked hash-based pyc whose recorded hash is the source's,
or any unchecked hash-based pyc. Whoever can write the environment can plant a pyc
with a matching header and other code, so a pyc is verified, never exempt:

- ``header_matches`` (here, cheap): the flags and the timestamp. A pyc whose header
  does not match is never loaded: it runs nothing.
- ``verify_bytecode`` (in the environment's own interpreter, the one that would load
  it): the magic number and the checked hash, then its code object against a fresh
  compile of the source. Each file comes back as one of ``STATES``:
  ``ok`` (it is the source's), ``modified`` (it is loaded and its code is not the
  source's), ``stale`` (the import system would not load it) or ``other`` (written for
  another Python than the environment's, which never loads it).

Compiling costs about a millisecond a module, so the files are shared among processes,
one a core.
"""

from __future__ import annotations

import os
import re

from poetry_lockguard.safe_io import UnsafeFileError
from poetry_lockguard.safe_io import open_regular


TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

    from collections.abc import Sequence
    from pathlib import Path

STATES = ("ok", "modified", "stale", "other")
#: The optimisation level ``cached_source`` gives byte-code pytest wrote with its
#: assertions rewritten: its import hook loads it, and only pytest's rewriter makes it.
PYTEST_REWRITTEN = -1
_PYTEST = re.compile(r"([^.]+)\.([^.]+)-pytest-[0-9][0-9A-Za-z.+!-]*\.pyc")
_FLAG_HASH_BASED = 0b01
_FLAG_CHECK_SOURCE = 0b10
#: Fewer files than this are not worth a second process.
_SPLIT_MIN = 200
#: Seconds the environment's interpreter may take for its share.
_TIMEOUT = 300.0

#: Run by the environment's interpreter (``-I -S``, Python 3.9 and newer): reads
#: [[pyc, source, optimisation], ...] as JSON from stdin, prints one state for each.
_VERIFY = r"""
import importlib.util, json, marshal, os, stat, sys
LIMIT = 64 * 1024 * 1024
FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
def read(path):
    fd = os.open(path, FLAGS)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(path)
        data = f.read(LIMIT + 1)
    if len(data) > LIMIT:
        raise OSError(path)
    return data
CODE = type(read.__code__)
# Fields code equality leaves out (the instructions as loaded, with specialised opcodes
# that == maps back to their base forms, and the stack size the frame is made with).
FIELDS = ("_co_code_adaptive", "co_code", "co_stacksize", "co_nlocals", "co_varnames",
          "co_freevars", "co_cellvars", "co_qualname")
def same(a, b):
    if type(a) is not type(b) or a != b:
        return False
    if type(a) is CODE:
        if any(getattr(a, f, None) != getattr(b, f, None) for f in FIELDS):
            return False
        return all(same(x, y) for x, y in zip(a.co_consts, b.co_consts))
    if type(a) is tuple:
        return all(same(x, y) for x, y in zip(a, b))
    return True
def state(pyc, source, optimization):
    name = os.path.basename(pyc)
    if name.split(".")[1] != sys.implementation.cache_tag:
        return "other"
    try:
        data = read(pyc)
    except OSError:
        return "modified"  # the import system reads a file of any size
    try:
        code = read(source)
    except OSError:
        return "stale"
    if data[:4] != importlib.util.MAGIC_NUMBER:
        return "stale"
    try:
        cached = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return "stale"
    try:
        fresh = compile(code, source, "exec", dont_inherit=True, optimize=optimization)
    except (SyntaxError, ValueError):
        return "modified"
    # A checked pyc with another hash is not loaded by default, but is where hash checks
    # are off: compared all the same.
    return "ok" if same(cached, fresh) else "modified"
items = json.loads(sys.stdin.buffer.read())
sys.stdout.write(json.dumps([state(*item) for item in items]))
"""


def cached_source(pyc: str) -> tuple[str, str, int] | None:
    """For ``D/__pycache__/<stem>.<tag>[.opt-N].pyc``: (``D/<stem>.py``, the cache tag,
    the optimisation level); for pytest's ``<stem>.<tag>-pytest-<version>.pyc`` the
    level is ``PYTEST_REWRITTEN``; None for any other path."""
    directory, name = os.path.split(pyc)
    if os.path.basename(directory) != "__pycache__" or not name.endswith(".pyc"):
        return None
    rewritten = _PYTEST.fullmatch(name)
    if rewritten:
        stem, tag = rewritten.group(1, 2)
        return os.path.join(os.path.dirname(directory), stem + ".py"), tag, PYTEST_REWRITTEN
    parts = name[: -len(".pyc")].split(".")
    optimization = 0
    if (
        len(parts) == 3
        and parts[2].startswith("opt-")
        and parts[2][4:].isascii()
        and parts[2][4:].isdigit()
    ):
        # Python loads opt-<sys.flags.optimize>.pyc for any level (-OOO is 3); compile()
        # knows levels up to 2, and higher ones compile as 2.
        optimization = min(int(parts[2][4:]), 2)
        parts = parts[:2]
    if len(parts) != 2 or not all(parts):
        return None
    return os.path.join(os.path.dirname(directory), parts[0] + ".py"), parts[1], optimization


def header_matches(pyc: str, source: str) -> bool:
    """Whether the import system may load the byte-code file ``pyc`` (a regular file)
    instead of compiling ``source``, as far as its flags and timestamp say (the magic
    number and a checked hash are ``verify_bytecode``'s, which knows the interpreter)."""
    try:
        with open_regular(pyc) as f:
            header = f.read(16)
        source_stat = os.stat(source)
    except (OSError, UnsafeFileError):
        return False  # unreadable to the check is unreadable to the import system
    if len(header) < 16:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & ~(_FLAG_HASH_BASED | _FLAG_CHECK_SOURCE):
        return False  # the import system refuses unknown flags
    if flags & _FLAG_HASH_BASED:
        return True
    mtime = (int(source_stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    size = (source_stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    return header[8:12] == mtime and header[12:16] == size


def verify_bytecode(
    python: Path, items: Sequence[tuple[str, str, int]], *, workers: int = 2
) -> list[str] | None:
    """One of ``STATES`` for each (pyc, source, optimisation level) in ``items``, as the
    interpreter ``python`` sees them; None when it cannot be asked (it does not run).

    A file that makes the interpreter fail or hang while it loads it (found by halving
    the share that failed) is ``modified``: the source's own byte-code loads."""
    if not items:
        return []
    count = min(max(workers, 1), len(items) // _SPLIT_MIN + 1)
    shares = [list(items[i::count]) for i in range(count)]
    answers = _run(python, shares)
    if any(answer is None for answer in answers):
        if _run(python, [[]]) != [[]]:
            return None  # the interpreter does not answer at all
        answers = [a if a is not None else _halving(python, s) for a, s in zip(answers, shares)]
    states: list[str] = [""] * len(items)
    for i, answer in enumerate(answers):
        states[i::count] = answer  # type: ignore[assignment]
    return states


def _halving(python: Path, items: list[tuple[str, str, int]]) -> list[str]:
    if len(items) == 1:
        return ["modified"]
    half = len(items) // 2
    answers = _run(python, [items[:half], items[half:]])
    return [
        state
        for answer, share in zip(answers, (items[:half], items[half:]))
        for state in (answer if answer is not None else _halving(python, share))
    ]


def _run(python: Path, shares: list[list[tuple[str, str, int]]]) -> list[list[str] | None]:
    """Each share's states from a process of its own (all at once), None for a share
    whose process failed, took too long or answered something else."""
    # Imported only here: a check without byte-code to verify starts no process.
    import json
    import subprocess

    processes: list[subprocess.Popen[bytes] | None] = []
    answers: list[list[str] | None] = []
    try:
        for share in shares:
            try:
                process = subprocess.Popen(
                    [str(python), "-I", "-S", "-c", _VERIFY],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
                assert process.stdin is not None
                # The child reads all of its input before it writes: no deadlock.
                process.stdin.write(json.dumps(share).encode())
                process.stdin.close()
                process.stdin = None  # written: communicate() reads only
            except OSError:
                process = None
            processes.append(process)
        for process, share in zip(processes, shares):
            answers.append(_answer(process, len(share)))
    finally:
        for process in processes:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    return answers


def _answer(process: subprocess.Popen[bytes] | None, count: int) -> list[str] | None:
    import json
    import subprocess

    if process is None:
        return None
    try:
        out, _ = process.communicate(timeout=_TIMEOUT)
        answer = json.loads(out) if process.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    if not isinstance(answer, list) or len(answer) != count:
        return None
    return answer if all(state in STATES for state in answer) else None
