"""The bundled demo: a pass and a drift, with a real Poetry, fully offline.

Run by scripts/demo.sh with the isolated Poetry's interpreter. It builds a few small
wheels, serves them as a PEP 503 index on 127.0.0.1, locks and installs a demo
project, then runs `poetry lockguard check` on a clean environment (pass) and after
the kind of drift that makes "works on my machine" (an old version, a stray package,
forced past the pip fence the guarded install leaves in the venv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.artifacts import Dist
from tests.support.index import PackageIndex


WORK = ROOT / "demo" / ".work"
POETRY = Path(sys.executable).parent / "poetry"
PACKAGES = (
    Dist("demo-web", "2.0.1", requires=("demo-templates>=1.0",)),
    Dist("demo-web", "2.2.3", requires=("demo-templates>=1.0",)),
    Dist("demo-templates", "1.1.0"),
    Dist("demo-cli", "8.1.7"),
    Dist("leftover-tool", "0.3.0"),
)


def step(title: str) -> None:
    print(f"\n\033[1m==> {title}\033[0m", flush=True)


def run(args: list[str], env: dict[str, str], cwd: Path, expect: int | None = 0) -> int:
    shown = " ".join(str(a) for a in args).replace(str(WORK) + "/", "")
    print(f"$ {shown}", flush=True)
    code = subprocess.run(args, cwd=cwd, env=env, check=False).returncode
    if expect is not None and code != expect:
        print(f"demo: expected exit {expect}, got {code}", file=sys.stderr)
        sys.exit(1)
    return code


def write_project(app: Path, index_url: str) -> None:
    """The demo project's pyproject.toml (tests/test_readme.py builds the same one)."""
    app.mkdir(parents=True, exist_ok=True)
    (app / "pyproject.toml").write_text(
        f"""[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["demo-web==2.2.3", "demo-cli>=8"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "local"
url = "{index_url}"
priority = "primary"
"""
    )


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    index = PackageIndex(WORK / "index")
    index.add(*PACKAGES)
    app = WORK / "app"
    write_project(app, index.url)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POETRY_", "VIRTUAL_ENV", "PIP_", "CONDA_"))
    }
    env.update(
        POETRY_CONFIG_DIR=str(WORK / "poetry-config"),
        POETRY_CACHE_DIR=str(WORK / "poetry-cache"),
        POETRY_VIRTUALENVS_IN_PROJECT="true",
        POETRY_NO_INTERACTION="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    try:
        step("Lock and install the demo project from the local index")
        run([str(POETRY), "lock"], env, app)
        run([str(POETRY), "install"], env, app)

        step("A clean environment: the check passes (exit 0)")
        run([str(POETRY), "lockguard", "check"], env, app, expect=0)

        step("Drift: someone installs an old demo-web and a stray tool by hand")
        pip = [
            str(app / ".venv" / "bin" / "python"),
            "-m",
            "pip",
            "--isolated",
            "--disable-pip-version-check",
            "-q",
        ]
        drift = [*pip, "install", "--index-url", index.url, "demo-web==2.0.1", "leftover-tool"]
        print("The pip fence the guarded install left in the venv refuses (exit 1):")
        run(drift, env, app, expect=1)
        print("... so they force their way past it:")
        run(["env", "POETRY_LOCKGUARD_FENCE=off", *drift], env, app)

        step("The same check now names every difference (exit 1)")
        run([str(POETRY), "lockguard", "check"], env, app, expect=1)

        step("The stand-alone checker (no Poetry import), as a production image would run it")
        run(
            [
                sys.executable,
                "-m",
                "poetry_lockguard",
                "check",
                "-C",
                str(app),
                "--format",
                "github",
            ],
            env,
            app,
            expect=1,
        )

        step("`poetry sync` repairs the environment; the check passes again")
        run([str(POETRY), "sync"], env, app)
        run([str(POETRY), "lockguard", "check"], env, app, expect=0)
    finally:
        index.close()
    print("\n\033[1;32mdemo finished: a pass, a drift, a repair.\033[0m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
