from __future__ import annotations

import atexit
import os
import sys

from poetry_lockguard.cli import main


code = main()
# The interpreter's teardown (freeing every module and object) was about a sixteenth of
# a small check's instructions and changes nothing for the caller: in a process started
# as `python -m poetry_lockguard` (not run by runpy from other code, which goes on after
# SystemExit) where no thread runs and nothing is registered to run at exit, flush the
# output and leave without it.
argv = getattr(sys, "orig_argv", [])
started_as_main = "-m" in argv and argv[argv.index("-m") + 1 :][:1] == ["poetry_lockguard"]
idle = "threading" not in sys.modules and not getattr(atexit, "_ncallbacks", lambda: 1)()
if started_as_main and idle:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed pipe: let the normal exit report it
        sys.exit(code)
    os._exit(code)
sys.exit(code)
