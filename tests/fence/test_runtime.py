"""The fence's runtime module, run from source by this interpreter's own pip.

In a fenced venv runtime.py runs as a copy (``_lockguard_fence``), which coverage does
not measure; here a subprocess of the test interpreter imports the source module, then
runs pip. No case may change the test venv: every install asks for a distribution that
does not exist, with ``--no-index``, so an install let through ends in pip's own error.
"""

from __future__ import annotations

import os
import subprocess
import sys

from pathlib import Path

import pytest

from poetry_lockguard.fence import runtime


#: No index holds it: an install the fence lets through fails in pip's resolver.
NOWHERE = ["--disable-pip-version-check", "--no-index", "lockguard-no-such-dist"]
PIP_ERROR = "No matching distribution found for lockguard-no-such-dist"
RUN_PIP = (
    "import sys, poetry_lockguard.fence.runtime;"
    "from pip._internal.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def pip(*args: str, fence: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "POETRY_"))}
    env["PIP_CONFIG_FILE"] = os.devnull  # no find-links or index of this machine's config
    if fence is not None:
        env[runtime.VARIABLE] = fence
    return subprocess.run(
        [sys.executable, "-c", RUN_PIP, "install", *args, *NOWHERE],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("where", "fence", "refused"),
    [
        ([], None, True),
        (["--dry-run"], None, False),
        ([], "off", False),
        (["--target", "{tmp}"], None, False),
        (["--prefix", "{prefix}/inside"], None, True),
        # A root above the venv contains it: the install would land in the venv.
        (["--root", "{above}"], None, True),
    ],
)
def test_pip_install_is_refused_unless_it_leaves_the_venv_alone(
    tmp_path: Path, where: list[str], fence: str | None, refused: bool
) -> None:
    places = {"tmp": str(tmp_path), "prefix": sys.prefix, "above": str(Path(sys.prefix).parent)}
    result = pip(*(arg.format(**places) for arg in where), fence=fence)
    assert result.returncode == 1, result.stderr
    if refused:
        assert result.stderr == runtime.MESSAGE
    else:
        assert PIP_ERROR in result.stderr and "fenced" not in result.stderr, result.stderr
    assert not Path(sys.prefix, "inside").exists()


def test_a_module_without_install_command_is_left_as_it_is(tmp_path: Path) -> None:
    # The finder sees the module by name only: one that defines no InstallCommand (an
    # unknown pip layout) is loaded unchanged, and the fence is put in place once.
    package = tmp_path / "pip" / "_internal" / "commands"
    package.mkdir(parents=True)
    for directory in (package, package.parent, package.parent.parent):
        directory.joinpath("__init__.py").write_text("")
    package.joinpath("install.py").write_text("LOADED = True\n")
    code = (
        "import importlib, sys, poetry_lockguard.fence.runtime as r;"
        "importlib.reload(r);"
        "import pip._internal.commands.install as m;"
        "print(m.LOADED, hasattr(m, 'InstallCommand'),"
        " sum(type(f).__name__ == '_Fence' for f in sys.meta_path))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "True False 1\n"), done.stderr
