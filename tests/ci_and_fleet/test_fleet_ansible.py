"""examples/fleet/playbook.yml run by real ansible-playbook over three local hosts, each
with its own project and venv; one drifts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest

from tests.support.poetry import SYNC
from tests.support.poetry import UNMEASURED_TOOL
from tests.support.poetry import installed_project


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject

CHECKOUT = Path(__file__).resolve().parents[2]
PLAYBOOK = CHECKOUT / "examples" / "fleet" / "playbook.yml"
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(
    shutil.which("ansible-playbook", path=str(BIN)) is None,
    reason="ansible-core is in the test extra",
)


def playbook(project: PoetryProject, tmp_path: Path, inventory: Path, pyz: Path) -> Any:
    return project.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            str(PLAYBOOK),
            "-e",
            f"lockguard_pyz={pyz}",
            "-e",
            f"lockguard_reports={tmp_path / 'reports'}",
        ],
        env={
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            **UNMEASURED_TOOL,
        },
        timeout=600,
    )


@pytest.mark.slow
def test_fleet_playbook_finds_the_drifted_host(project_factory: Any, tmp_path: Path) -> None:
    pyz = tmp_path / "lockguard.pyz"
    subprocess.run(
        [sys.executable, "-m", "poetry_lockguard", "zipapp", str(pyz)],
        check=True,
        capture_output=True,
    )
    hosts = {
        name: installed_project(project_factory(name), ["beta>=1.0", "delta"])
        for name in ("web-1", "web-2", "web-3")
    }
    hosts["web-3"].pip("install", "alpha==1.0.0", "stray")
    lines = ["[app]"]
    for name, host in hosts.items():
        remote = tmp_path / "remote" / name  # each host's own ~/.lockguard
        lines.append(
            f"{name} ansible_connection=local lockguard_project={host.path}"
            f" lockguard_python={host.python} lockguard_remote_dir={remote}"
            f" lockguard_runner={sys.executable}"
        )
    lines += ["[app:vars]", f"ansible_python_interpreter={sys.executable}"]
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("\n".join(lines) + "\n")
    web1 = hosts["web-1"]

    drifted = playbook(web1, tmp_path, inventory, pyz)
    assert drifted.returncode == 2, drifted.output  # ansible-playbook: a task failed
    assert "Fail when a host differs from poetry.lock" in drifted.stdout
    assert "3 machines: 2 match poetry.lock (1 fingerprint), 1 differs." in drifted.stdout
    rows = [line.strip().strip('",').split() for line in drifted.stdout.splitlines()]
    assert rows[rows.index(["machine", "status", "package", "expected", "found", "code"]) + 2][
        :3
    ] == ["web-1", "matches", "fingerprint"]
    assert ["web-3", "differs", "alpha", "2.0.0", "1.0.0", "version-mismatch"] in rows
    assert ["web-3", "differs", "stray", "-", "1.0.0", "extraneous"] in rows
    reports = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert reports == ["web-1.json", "web-2.json", "web-3.json"]
    web3 = json.loads((tmp_path / "reports" / "web-3.json").read_text())
    assert sorted((f["code"], f["package"]) for f in web3["findings"]) == [
        ("extraneous", "stray"),
        ("version-mismatch", "alpha"),
    ]
    assert web3["project"] == str(hosts["web-3"].path)
    # Every host's check ran (exit 1 is a result, not a failure); the comparison failed.
    recap = drifted.stdout.split("PLAY RECAP")[1]
    assert [line.split()[0] for line in recap.splitlines() if "failed=1" in line] == ["web-1"]

    hosts["web-3"].poetry(*SYNC, check=True)
    clean = playbook(web1, tmp_path, inventory, pyz)
    assert clean.returncode == 0, clean.output
    assert "3 machines: 3 match poetry.lock (1 fingerprint), 0 differ." in clean.stdout
