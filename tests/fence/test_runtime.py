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

from poetry_lockguard.env import fence_runtime as runtime


#: No index holds it: an install the fence lets through fails in pip's resolver.
NOWHERE = ["--disable-pip-version-check", "--no-index", "lockguard-no-such-dist"]
PIP_ERROR = "No matching distribution found for lockguard-no-such-dist"
RUN_PIP = (
    "import sys, poetry_lockguard.env.fence_runtime;"
    "from pip._internal.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def pip(
    *args: str, fence: str | None = None, config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "POETRY_"))}
    # No find-links or index of this machine's config.
    env["PIP_CONFIG_FILE"] = str(config) if config else os.devnull
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
        (["--prefix", "{tmp}/elsewhere"], None, False),
        (["--prefix", "{prefix}/inside"], None, True),
        # A prefix above the venv contains it: a wheel's data files could land in it.
        (["--prefix", "{above}"], None, True),
        (["--root", "/"], None, True),
        # pip writes below the root the venv's own path: not into the venv.
        (["--root", "{above}"], None, False),
        (["--user"], None, True),
        # Where pip writes, not what the option says: a prefix whose lib/ is a symlink
        # into the venv, a root in which the venv's path leads back to the venv.
        (["--prefix", "{linked_prefix}"], None, True),
        (["--root", "{linked_root}"], None, True),
    ],
)
def test_pip_install_is_refused_unless_it_leaves_the_venv_alone(
    tmp_path: Path, where: list[str], fence: str | None, refused: bool
) -> None:
    places = {
        "tmp": str(tmp_path),
        "prefix": sys.prefix,
        "above": str(Path(sys.prefix).parent),
        "linked_prefix": str(linked_prefix(tmp_path)),
        "linked_root": str(linked_root(tmp_path)),
    }
    result = pip(*(arg.format(**places) for arg in where), fence=fence)
    assert result.returncode == 1, result.stderr
    if refused:
        assert result.stderr == runtime.message()
    else:
        assert PIP_ERROR in result.stderr and "fenced" not in result.stderr, result.stderr
    assert not Path(sys.prefix, "inside").exists()


def linked_prefix(tmp_path: Path) -> Path:
    """A prefix outside the venv whose ``lib`` is the venv's."""
    prefix = tmp_path / "linked-prefix"
    prefix.mkdir()
    (prefix / "lib").symlink_to(Path(sys.prefix, "lib"))
    return prefix


def linked_root(tmp_path: Path) -> Path:
    """A root outside the venv in which the venv's path leads back to the venv."""
    root = tmp_path / "linked-root"
    root.mkdir()
    first = Path(sys.prefix).parts[1]
    (root / first).symlink_to(Path("/", first))
    return root


@pytest.mark.parametrize("option", ["prefix", "root"])
def test_a_destination_from_a_pip_config_file_is_where_pip_writes(
    tmp_path: Path, option: str
) -> None:
    config = tmp_path / "pip.conf"
    place = linked_prefix(tmp_path) if option == "prefix" else linked_root(tmp_path)
    config.write_text(f"[install]\n{option} = {place}\n")
    result = pip(config=config)
    assert (result.returncode, result.stderr) == (1, runtime.message())


def test_the_refusal_names_how_to_remove_the_fence_without_the_plugin() -> None:
    here = Path(runtime.__file__).parent
    text = runtime.message()
    assert "POETRY_LOCKGUARD_FENCE=off pip install" in text
    assert f"rm {here / '_lockguard_fence.pth'} {here / '_lockguard_fence.py'}" in text


def test_a_module_without_install_command_is_left_as_it_is(tmp_path: Path) -> None:
    # The finder sees the module by name only: one that defines no InstallCommand (an
    # unknown pip layout) is loaded unchanged, and the fence is put in place once.
    package = tmp_path / "pip" / "_internal" / "commands"
    package.mkdir(parents=True)
    for directory in (package, package.parent, package.parent.parent):
        directory.joinpath("__init__.py").write_text("")
    package.joinpath("install.py").write_text("LOADED = True\n")
    code = (
        "import importlib, sys, poetry_lockguard.env.fence_runtime as r;"
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
