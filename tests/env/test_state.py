"""What lockguard keeps in a virtualenv (the run stamp, the recorded selection) and the
key that signs it: absent, unreadable, unwritable, planted or forged."""

from __future__ import annotations

import json
import os
import stat

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.state import STATE_DIR
from poetry_lockguard.env.state import environment_stamp
from poetry_lockguard.env.state import read_selection
from poetry_lockguard.env.state import rebind_selection
from poetry_lockguard.env.state import recorded_request
from poetry_lockguard.env.state import recorded_sync_options
from poetry_lockguard.env.state import stamp_matches
from poetry_lockguard.env.state import state_home
from poetry_lockguard.env.state import write_selection
from poetry_lockguard.env.state import write_stamp
from poetry_lockguard.lock.project import read_project
from poetry_lockguard.lock.selection import SelectionRequest


if TYPE_CHECKING:
    from pathlib import Path

PYPROJECT = """\
[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.9"

[tool.poetry.group.dev.dependencies]
alpha = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
beta = "*"
"""


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    prefix = tmp_path / "venv"
    prefix.mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return prefix


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "pyproject.toml").write_text(PYPROJECT)
    (directory / "poetry.lock").write_text("# a lock\n")
    return directory


def recorded(venv: Path, project: Path) -> tuple[dict[str, object] | None, tuple[str, ...], str]:
    memory = recorded_request(venv, read_project(project / "pyproject.toml"), project)
    request = None if memory.request is None else memory.request.as_dict()
    return request, memory.notes, memory.ignored


def test_a_selection_that_is_not_json_is_no_selection(venv: Path, project: Path) -> None:
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    assert recorded(venv, project)[0] == SelectionRequest(with_groups=("docs",)).as_dict()
    (venv / STATE_DIR / "selection.json").write_text("{not json")
    assert read_selection(venv) is None
    assert recorded(venv, project) == (
        None,
        (),
        f"{venv / STATE_DIR / 'selection.json'} cannot be read",
    )


def test_a_venv_whose_state_cannot_be_written_remembers_nothing(venv: Path) -> None:
    (venv / STATE_DIR).write_text("a file where the directory would be")
    write_stamp(venv, "abc")
    assert not stamp_matches(venv, "abc")


def test_a_site_directory_that_cannot_be_listed_counts_as_empty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    absent = environment_stamp(tmp_path, [site], {})
    site.mkdir()
    assert environment_stamp(tmp_path, [site], {}) == absent
    (site / "alpha-1.0.dist-info").mkdir()
    assert environment_stamp(tmp_path, [site], {}) != absent


def test_the_stamp_is_keyed_with_a_key_outside_the_venv(venv: Path, tmp_path: Path) -> None:
    stamp = environment_stamp(tmp_path, [], {})
    # What an earlier lockguard wrote, and what anything that reads the venv can
    # recompute: the bare digest. It never counts as a clean check.
    (venv / STATE_DIR).mkdir()
    (venv / STATE_DIR / "run-stamp").write_text(stamp + "\n")
    assert not stamp_matches(venv, stamp)
    write_stamp(venv, stamp)
    written = (venv / STATE_DIR / "run-stamp").read_text().strip()
    assert written != stamp and stamp not in written
    assert stamp_matches(venv, stamp)
    assert not stamp_matches(venv, environment_stamp(tmp_path / "other", [], {}))
    home = state_home()
    assert home is not None
    key = home / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # A key others can read is no key: nothing verifies, so every run checks.
    key.chmod(0o644)
    assert not stamp_matches(venv, stamp)
    key.chmod(0o600)
    assert stamp_matches(venv, stamp)


def test_another_accounts_key_verifies_nothing(
    venv: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = environment_stamp(tmp_path, [], {})
    write_stamp(venv, stamp)
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    monkeypatch.setenv("POETRY_LOCKGUARD_STATE_DIR", str(tmp_path / "another-key"))
    assert not stamp_matches(venv, stamp)
    request, notes, ignored = recorded(venv, project)
    assert request is None
    assert ignored == f"it is not signed with the lockguard key in {state_home()}"
    assert notes == (f"{venv / STATE_DIR / 'selection.json'}: {ignored}: ignored",)


@pytest.mark.parametrize("name", ["selection.json", "run-stamp"])
@pytest.mark.parametrize(
    "planted",
    [".{name}.tmp", "{name}"],
    ids=["at the temporary name", "at the name"],
)
def test_state_is_not_written_through_a_planted_symlink(
    venv: Path, project: Path, tmp_path: Path, name: str, planted: str
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not lockguard's\n")
    (venv / STATE_DIR).mkdir()
    (venv / STATE_DIR / planted.format(name=name)).symlink_to(outside)
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    write_stamp(venv, "abc")
    assert outside.read_text() == "not lockguard's\n"
    assert stamp_matches(venv, "abc")
    assert recorded(venv, project)[0] == SelectionRequest(with_groups=("docs",)).as_dict()
    assert not (venv / STATE_DIR / name).is_symlink()


def test_a_state_directory_that_is_a_symlink_is_not_written(
    venv: Path, project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (venv / STATE_DIR).symlink_to(outside)
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    write_stamp(venv, "abc")
    assert list(outside.iterdir()) == []
    assert not stamp_matches(venv, "abc")


def test_an_unsigned_selection_is_ignored(venv: Path, project: Path) -> None:
    # What an earlier lockguard wrote, or a package's data files: {"without": ["main"]}.
    (venv / STATE_DIR).mkdir()
    path = venv / STATE_DIR / "selection.json"
    path.write_text(json.dumps({"without": ["main"]}))
    request, notes, ignored = recorded(venv, project)
    assert (request, ignored) == (None, "written by an earlier lockguard")
    assert notes == (
        (
            f"{path} was written by an earlier lockguard and is not tied to a project or a"
            " lock: ignored (the next guarded `poetry install` or `poetry sync` records"
            " the selection again)"
        ),
    )
    # The same in this version's layout, without the key's signature or with another.
    write_selection(venv, project, SelectionRequest().as_dict())
    document = json.loads(path.read_text())
    document["selection"]["without"] = ["main"]
    path.write_text(json.dumps(document))
    request, notes, ignored = recorded(venv, project)
    assert (request, ignored) == (
        None,
        f"its signature is not that of the lockguard key in {state_home()}",
    )
    del document["mac"]
    path.write_text(json.dumps(document))
    assert (
        recorded(venv, project)[2] == f"it is not signed with the lockguard key in {state_home()}"
    )


def test_a_selection_is_tied_to_its_project_and_lock(
    venv: Path, project: Path, tmp_path: Path
) -> None:
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    other = tmp_path / "other"
    other.mkdir()
    for name in ("pyproject.toml", "poetry.lock"):
        (other / name).write_bytes((project / name).read_bytes())
    assert recorded(venv, other) == (
        None,
        (),
        f"it was recorded for another project ({os.path.realpath(project)})",
    )
    # The same project through a symlink is the same project.
    (tmp_path / "link").symlink_to(project)
    assert recorded(venv, tmp_path / "link")[0] == SelectionRequest(with_groups=("docs",)).as_dict()
    (project / "poetry.lock").write_text("# another lock\n")
    assert recorded(venv, project) == (None, (), "it was recorded for another poetry.lock")
    assert recorded_sync_options(venv, project) == ""
    # poetry add/update/remove keep the selection: the guard ties it to the new lock.
    assert rebind_selection(venv, project) == SelectionRequest(with_groups=("docs",))
    assert recorded(venv, project)[0] == SelectionRequest(with_groups=("docs",)).as_dict()
    assert recorded_sync_options(venv, project) == " --with docs"
    assert recorded_sync_options(venv, other) == ""
    # A record for another project is not rebound to this one: it goes.
    assert rebind_selection(venv, other) is None
    assert read_selection(venv) is None


def test_the_stamp_sees_a_distribution_directory_in_any_case(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "Alpha-1.0.DIST-INFO").mkdir(parents=True)
    metadata = site / "Alpha-1.0.DIST-INFO" / "METADATA"
    metadata.write_text("Name: alpha\nVersion: 1.0\n")
    before = environment_stamp(tmp_path, [site], {})
    metadata.write_text("Name: alpha\nVersion: 2.0 (a longer file)\n")
    assert environment_stamp(tmp_path, [site], {}) != before


def test_a_selection_leaving_out_a_default_group_is_named(venv: Path, project: Path) -> None:
    typed = SelectionRequest(without_groups=("dev",))
    write_selection(venv, project, typed.as_dict())
    request, notes, ignored = recorded(venv, project)
    assert (request, ignored) == (typed.as_dict(), "")
    assert notes == (
        (
            "the selection the last guarded install recorded (--without dev) leaves out"
            " the default group dev: their packages are not required; pass group options"
            " to check them"
        ),
    )
    write_selection(venv, project, SelectionRequest(only_groups=("docs",)).as_dict())
    assert recorded(venv, project)[1][0].startswith(
        "the selection the last guarded install recorded (--only docs) leaves out the"
        " default groups dev, main:"
    )
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    assert recorded(venv, project)[1] == ()


#: A variable each CI service that does not set ``CI`` sets, with a value it gives it.
CI_SERVICES = {
    "JENKINS_URL": "http://ci/",
    "HUDSON_URL": "http://ci/",
    "TF_BUILD": "True",
    "TEAMCITY_VERSION": "2024.1",
    "CODEBUILD_BUILD_ID": "project:1",
    "bamboo_buildKey": "PROJ-PLAN-JOB1",
    "GO_SERVER_URL": "https://gocd:8154/go",
}


def test_in_a_ci_job_the_home_directorys_key_signs_nothing(
    venv: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A persistent runner's next job shares the home directory: it can read a key kept
    # there and sign a stamp or a selection of its own.
    monkeypatch.delenv("POETRY_LOCKGUARD_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home-state"))
    for variable in ("CI", *CI_SERVICES):
        monkeypatch.delenv(variable, raising=False)
    write_selection(venv, project, SelectionRequest(only_groups=("dev",)).as_dict())
    stamp = environment_stamp(project, [], {})
    write_stamp(venv, stamp)
    assert recorded(venv, project)[0] == SelectionRequest(only_groups=("dev",)).as_dict()
    assert stamp_matches(venv, stamp)
    for variable, value in CI_SERVICES.items():
        with monkeypatch.context() as service:
            service.setenv(variable, value)
            assert not stamp_matches(venv, stamp), variable
    monkeypatch.setenv("CI", "true")
    assert not stamp_matches(venv, stamp)
    request, notes, ignored = recorded(venv, project)
    assert request is None and ignored.startswith("in a CI job, a recorded selection is used")
    assert len(notes) == 1
    # A state directory the job names (inside its workspace) is used as on a desktop.
    monkeypatch.setenv("POETRY_LOCKGUARD_STATE_DIR", str(tmp_path / "workspace-state"))
    write_selection(venv, project, SelectionRequest(with_groups=("docs",)).as_dict())
    assert recorded(venv, project)[0] == SelectionRequest(with_groups=("docs",)).as_dict()
    assert not stamp_matches(venv, stamp)  # signed with the home directory's key
    monkeypatch.setenv("CI", "false")
    monkeypatch.delenv("POETRY_LOCKGUARD_STATE_DIR")
    assert stamp_matches(venv, stamp)
