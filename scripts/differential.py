"""Compare lockguard with Poetry's own install plan on real projects.

    python scripts/differential.py                  # the whole corpus in tests/corpus
    python scripts/differential.py PATH [PATH...]   # your own projects (pyproject + lock)

Run it with the Python of a Poetry that has poetry-lockguard installed (for example
``.venvs/poetry-newest/bin/python`` after ``bash scripts/test.sh``). For every project
and selection (default, --all-extras, each extra, --with each optional group,
--all-groups, --only main) it compares ``poetry --no-plugins install --no-root
--dry-run`` into an empty venv with the ``missing`` findings of both entry points, and
``poetry check --lock`` with ``lock-stale``. Nothing reaches the network. The last line
is ``N agree, M differ, K skipped`` (pairs of project and selection); the exit code is 1
when any pair differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.differential import Comparison
from tests.support.differential import Harness
from tests.support.differential import install_and_verify
from tests.support.differential import lock_version
from tests.support.differential import selections


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path)
    parser.add_argument("--poetry", type=Path, default=Path(sys.executable).parent / "poetry")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--no-plugin", action="store_true", help="compare only the stand-alone entry point (faster)"
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="instead: install each project for real (from the index pip"
        " uses) and run `check --integrity` on it",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="where empty venvs and Poetry's cache go (default: a temp dir)",
    )
    args = parser.parse_args()
    projects = args.projects or sorted(
        p for p in (ROOT / "tests" / "corpus" / "projects").iterdir() if p.is_dir()
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="lockguard-differential-"))
    harness = Harness(args.poetry, work)
    if args.install:
        return install(harness, projects)
    started = time.monotonic()
    agree = differ = skipped = 0
    counts: dict[str, int] = {}

    def one(project: Path) -> tuple[Path, list[Comparison] | str]:
        return project, harness.compare(project.resolve(), plugin=not args.no_plugin)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(one, project) for project in projects]
        for future in as_completed(futures):
            project, outcome = future.result()
            if isinstance(outcome, str):
                count = len(selections(project))
                skipped += count
                print(f"SKIP {project.name}: {outcome}", flush=True)
                continue
            version = lock_version(project)
            counts[version] = counts.get(version, 0) + 1
            for comparison in outcome:
                if comparison.agree:
                    agree += 1
                    continue
                differ += 1
                print(f"DIFF {project.name} {' '.join(comparison.selection) or '(default)'}")
                for problem in comparison.problems:
                    print(f"     {problem}", flush=True)
    by_version = ", ".join(f"lock-version {v}: {n}" for v, n in sorted(counts.items()))
    print(f"{len(projects)} projects ({by_version}) in {time.monotonic() - started:.0f} s")
    print(f"{agree} agree, {differ} differ, {skipped} skipped")
    return 1 if differ else 0


def install(harness: Harness, projects: list[Path]) -> int:
    results = {"ok": 0, "failed": 0, "skipped": 0}
    for project in projects:
        status, detail = install_and_verify(harness, project.resolve())
        results[status] += 1
        print(f"{status.upper():7} {project.name}: {detail}", flush=True)
    print(
        f"{results['ok']} installed and verified, {results['failed']} failed,"
        f" {results['skipped']} skipped"
    )
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
