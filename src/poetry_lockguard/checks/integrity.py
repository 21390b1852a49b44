"""``check --integrity``: every installed file against its RECORD, receipts against the lock.

Large files are hashed on a thread pool: hashlib releases the GIL while it hashes a
chunk, so the pool uses every core on them. The many small files cost mostly Python
bytecode per file (which holds the GIL), so on Linux half of them go to a forked
child process when there are enough of them to repay the fork.
"""

from __future__ import annotations

import os
import stat
import sys

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from hashlib import sha256
from typing import TYPE_CHECKING

from poetry_lockguard.checks.anchored import Anchor
from poetry_lockguard.checks.anchored import anchored_files
from poetry_lockguard.checks.anchored import find_anchor
from poetry_lockguard.checks.anchored import find_seed_anchor
from poetry_lockguard.checks.anchored import relative_path
from poetry_lockguard.checks.ownership import Owners
from poetry_lockguard.checks.ownership import unaccounted
from poetry_lockguard.checks.receipts import ReceiptCheck
from poetry_lockguard.env.fence_files import NOT_INSTALLED
from poetry_lockguard.env.fence_files import fence_problems
from poetry_lockguard.env.record import RecordMissingError
from poetry_lockguard.env.record import read_record
from poetry_lockguard.env.record import shorten
from poetry_lockguard.env.safe_files import Locator
from poetry_lockguard.findings import Severity
from poetry_lockguard.findings import codes_where
from poetry_lockguard.findings import finding


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Mapping
    from pathlib import Path

    from poetry_lockguard.config import Policy
    from poetry_lockguard.env.archives import ArchiveSources
    from poetry_lockguard.env.distributions import Distribution
    from poetry_lockguard.env.probe import Interpreter
    from poetry_lockguard.env.record import RecordEntry
    from poetry_lockguard.env.safe_files import FileState
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.model import LockedPackage

#: Files at least this large (by RECORD) are hashed on the thread pool.
_POOL_MIN_SIZE = 128 * 1024
#: Codes about one installed file: sorted by its path.
_FILE_CODES = codes_where(per_file=True)

#: Below this many small files a second process costs more than it saves (a fork and
#: the results sent back take about 5 ms; a small file about 25 us).
_SPLIT_MIN_FILES = 1000


@dataclass(frozen=True)
class IntegrityResult:
    """The integrity findings and how many files were hashed."""

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    #: Per distribution name, what was verified: ``archive=SHA256|-`` and the sha256
    #: of its files' paths and contents as found (the fingerprint's ``--integrity`` part).
    contents: dict[str, str] = field(default_factory=dict)
    #: A receipt was read that there was no key here to verify (it proves its content).
    receipts_unverifiable: bool = False


@dataclass(frozen=True)
class _Job:
    dist: Distribution
    site_dir: str
    entry: RecordEntry
    #: The locked archive the entry comes from ("": the installed RECORD).
    anchor: str = ""


class IntegrityCheck:
    """Verify installed files against RECORD and install receipts against the lock.

    ``workers`` is the size of the hashing thread pool (default: one per CPU, at
    least two).
    """

    def __init__(
        self,
        interpreter: Interpreter,
        policy: Policy,
        *,
        workers: int | None = None,
        archives: ArchiveSources | None = None,
        root: str = "",
        tolerated: frozenset[str] = frozenset(),
    ) -> None:
        self._interpreter = interpreter
        #: The project's own distribution (package mode): its editable ``.pth`` is its own.
        self._root = root
        #: Installed without the lock, and no drift (seed, tool and allowed packages):
        #: one that nothing anchors is ``unanchored``.
        self._tolerated = tolerated
        self._policy = policy
        self._workers = workers or max(2, _cpu_count())
        #: Where locked archives are looked for (None: verify against RECORD only).
        self._archives = archives
        self._anchors: dict[str, Anchor | Finding | None] = {}
        self._locked: frozenset[str] = frozenset()
        self._owners = Owners()

    def run(
        self,
        installed: Iterable[Distribution],
        required: Mapping[str, LockedPackage],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> IntegrityResult:
        """Findings by package: ``record-missing``, ``record-invalid`` and
        ``record-unhashed`` in RECORD order, ``file-modified`` and ``file-missing`` by
        path, then the receipt findings."""
        installed = list(installed)
        locator = Locator(environment_roots(self._interpreter))
        findings: list[Finding] = []
        jobs: list[_Job] = []
        self._locked = frozenset(required)
        if self._archives is not None:
            self._anchors = self._find_anchors(installed, required, self._archives)
        for dist in sorted(installed, key=lambda d: (d.name, str(d.path))):
            findings += self._read(dist, jobs)

        jobs.sort(key=lambda j: j.entry.size or 0, reverse=True)
        states = self._hash(locator, jobs, progress)
        checked = 0
        scripts = os.path.normpath(str(self._interpreter.scripts)) + os.sep
        seen: dict[str, list[str]] = {}
        for job, state in zip(jobs, states):
            if state.status in ("ok", "modified"):
                checked += 1
            if state.status != "ok":
                findings.append(_file_finding(job, state))
            target = os.path.normpath(os.path.join(job.site_dir, job.entry.path))
            if not target.startswith(scripts):  # a script's #! line names where it lives
                found = f"{state.digest}:{state.size}" if state.status == "ok" else state.status
                seen.setdefault(job.dist.name, []).append(
                    f"{relative_path(target, job.site_dir)}\0{found}"
                )

        findings += _fence_findings(self._interpreter.site_dirs)
        seeded = {n for n, a in self._anchors.items() if isinstance(a, Anchor) and a.seed}
        findings += unaccounted(
            self._interpreter,
            self._owners,
            locked=self._locked | seeded | {self._root},
            workers=self._workers,
        )
        # A package's RECORD findings in RECORD order (a stable sort keeps it), then its
        # files by path: never by the absolute paths of RECORD rows, whose order
        # depends on where the environment lives.
        findings.sort(
            key=lambda f: (
                f.package or "",
                f.code in _FILE_CODES,
                f.path or "" if f.code in _FILE_CODES else "",
            )
        )
        receipts = ReceiptCheck(self._policy, self._interpreter.tags)
        tampered = {f.package for f in findings if f.package and f.severity is Severity.ERROR}
        findings += receipts.run(installed, required, tampered)
        contents = {}
        for dist in installed:
            anchor = self._anchors.get(dist.name)
            archive = anchor.sha256 if isinstance(anchor, Anchor) else "-"
            files = sha256("\n".join(sorted(seen.get(dist.name, ()))).encode()).hexdigest()
            contents[dist.name] = f"archive={archive} files={files}"
        return IntegrityResult(
            findings=findings,
            files_checked=checked,
            contents=contents,
            receipts_unverifiable=receipts.unverifiable,
        )

    def _read(self, dist: Distribution, jobs: list[_Job]) -> list[Finding]:
        label = _label(dist)
        # Where there is no RECORD to read, the metadata directory's own files are the
        # finding below, not unowned files; what the distribution installed is unowned.
        site_dir = os.path.realpath(dist.path.parent)
        metadata = os.path.join(site_dir, dist.path.name)
        try:
            mode = os.lstat(dist.path).st_mode
        except OSError:
            return []
        if not dist.is_dist_info or not stat.S_ISDIR(mode):
            self._owners.unrecorded(metadata)
        if not dist.is_dist_info:
            # An egg-info has no RECORD: nothing to verify against, which is a finding.
            return [
                finding(
                    "record-missing",
                    dist.name,
                    f"{label}: {dist.path.name} is an egg-info distribution without a"
                    " RECORD, so its files cannot be verified",
                    path=str(dist.path),
                )
            ]
        if stat.S_ISLNK(mode):
            return [
                finding(
                    "record-invalid",
                    dist.name,
                    f"{label}: {dist.path.name} is a symlink; its RECORD is not trusted",
                    path=str(dist.path),
                )
            ]
        if not stat.S_ISDIR(mode):
            return []  # reported as invalid-distribution by the environment check
        record_path = dist.path / "RECORD"
        try:
            record = read_record(record_path)
        except RecordMissingError:
            self._owners.unrecorded(metadata)
            return [
                finding(
                    "record-missing",
                    dist.name,
                    f"{label}: {dist.path.name} has no RECORD, so its files cannot be verified",
                    path=str(record_path),
                )
            ]
        rows = (
            tuple(e.path for e in record.entries)
            + tuple(p for _, p in record.unhashed)
            + record.exempt
        )
        # A row too malformed to verify still names a file its installer wrote.
        malformed = tuple(p.path for p in record.problems if p.path)
        if rows or malformed or not any(p.line == 0 for p in record.problems):
            self._owners.add(dist.name, site_dir, dist.path.name, rows + malformed)
        else:
            self._owners.unrecorded(metadata)  # the RECORD itself cannot be read
        findings = [
            finding(
                "invalid-distribution",
                dist.name,
                f"{label}: {problem}",
                path=str(dist.path / "provenance_url.json"),
            )
            for problem in (dist.read_json("provenance_url.json")[1],)
            if problem
        ]
        findings += [
            finding(
                "record-invalid",
                dist.name,
                f"{label}: RECORD {problem.message}",
                path=os.path.normpath(os.path.join(site_dir, problem.path))
                if problem.path and not os.path.isabs(problem.path)
                else (problem.path or str(record_path)),
            )
            for problem in record.problems
        ]
        anchor = self._anchors.get(dist.name)
        outside = self._archives is not None and dist.path.parent not in self._site_dirs()
        if dist.name in self._locked and outside:
            # Outside the environment's own site directories (a user site, a base
            # interpreter's site-packages a venv sees) no install scheme says where the
            # archive's files go: they cannot be traced to it.
            findings.append(
                finding(
                    "unanchored",
                    dist.name,
                    f"{label}: verified against its installed RECORD only: it is installed"
                    f" in {dist.path.parent}, outside this environment's site directories,"
                    " where its files cannot be traced to the locked archive",
                    path=str(dist.path),
                    severity=Severity.ERROR if self._policy.require_anchored else None,
                )
            )
            anchor = None
        if anchor is not None and not isinstance(anchor, Anchor):
            findings.append(anchor)  # unanchored or archive-invalid: RECORD is all there is
            anchor = None
        if anchor is None:
            findings += _unhashed_findings(dist, label, site_dir, record.unhashed)
            jobs += (_Job(dist, site_dir, entry) for entry in record.entries)
            return findings
        files = anchored_files(dist, anchor, self._interpreter, site_dir, rows, record.entries)
        findings += files.findings
        where = f"{anchor.file_name}, {anchor.label}"
        jobs += (_Job(dist, site_dir, entry, where) for entry in files.entries)
        return findings

    def _site_dirs(self) -> tuple[Path, ...]:
        return self._interpreter.site_dirs

    def _find_anchors(
        self,
        installed: list[Distribution],
        required: Mapping[str, LockedPackage],
        archives: ArchiveSources,
    ) -> dict[str, Anchor | Finding | None]:
        """The locked archive of each installed distribution poetry.lock pins at its
        installed version, or the finding that says why there is none."""
        from poetry_lockguard.versions import same_version

        anchors: dict[str, Anchor | Finding | None] = {}
        locked: list[tuple[Distribution, LockedPackage]] = []
        for dist in installed:
            package = required.get(dist.name)
            if package is None and dist.name != self._root and dist.name not in anchors:
                anchors[dist.name] = find_seed_anchor(
                    dist, archives, self._interpreter.tags
                ) or self._unlocked(dist, archives)
            if package is None or not same_version(package.version, dist.version):
                continue
            if package.source.type in ("directory", "git") or dist.name in anchors:
                continue  # a git package's commit is anchored by its receipt
            if not package.files:
                continue  # `unhashed` says that nothing anchors it
            anchors[dist.name] = None
            locked.append((dist, package))
        archives.candidates("")  # the directories are indexed once, before the threads

        def anchor(job: tuple[Distribution, LockedPackage]) -> Anchor | Finding | None:
            return find_anchor(job[0], job[1], archives, self._interpreter.tags, self._policy)

        # Hashing an archive releases the GIL: the archives are read side by side.
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            for (dist, _), found in zip(locked, pool.map(anchor, locked)):
                anchors[dist.name] = found
        return anchors

    def _unlocked(self, dist: Distribution, archives: ArchiveSources) -> Finding | None:
        """``unanchored`` for a tolerated distribution no seed wheel anchors."""
        if dist.name not in self._tolerated:
            return None  # drift (extraneous): that finding says it all
        seeds = [d.label for d in archives.directories if d.seed]
        where = f"no seed wheel of it is in {', '.join(seeds)}" if seeds else "no seed wheel here"
        return finding(
            "unanchored",
            dist.name,
            f"{_label(dist)}: verified against its installed RECORD only: poetry.lock does not"
            f" pin it, and {where}",
            path=str(dist.path),
            severity=Severity.ERROR if self._policy.require_anchored else None,
        )

    def _hash(
        self,
        locator: Locator,
        jobs: list[_Job],
        progress: Callable[[int, int], None] | None,
    ) -> list[FileState]:
        # Large files go to the pool, where hashlib works without the GIL; small files
        # are hashed here meanwhile: spread over threads, their many short system calls
        # only fight over the GIL and get slower, not faster.
        total = len(jobs)
        report = progress or (lambda done, total: None)
        report(0, total)
        big = [i for i, j in enumerate(jobs) if (j.entry.size or 0) >= _POOL_MIN_SIZE]
        small = [i for i, j in enumerate(jobs) if (j.entry.size or 0) < _POOL_MIN_SIZE]
        states: list[FileState | None] = [None] * total
        # Forked before the pool starts: a child of a one-thread process is safe.
        share = None
        if len(small) >= _SPLIT_MIN_FILES and self._workers >= 2:
            share = _ForkedShare.start(locator, jobs, small[1::2])
        mine = small[::2] if share is not None else small
        executor = ThreadPoolExecutor(self._workers, thread_name_prefix="lockguard-hash")
        try:
            futures = [
                executor.submit(locator.verify, jobs[i].site_dir, jobs[i].entry) for i in big
            ]
            for n, i in enumerate(mine, 1):
                states[i] = locator.verify(jobs[i].site_dir, jobs[i].entry)
                if n % 256 == 0:
                    report(n + sum(f.done() for f in futures), total)
            if share is not None:
                for i, state in share.collect():
                    states[i] = state
                share = None
            for n, (i, future) in enumerate(zip(big, futures), 1):
                states[i] = future.result()
                report(len(small) + n, total)
        finally:
            if share is not None:
                share.cancel()
            executor.shutdown(wait=True, cancel_futures=True)
        report(total, total)
        return [s for s in states if s is not None]


class _ForkedShare:
    """Some small files verified by a forked child process, on the other core.

    The child verifies them with the same Locator and sends back the FileStates
    (``marshal``); when it fails in any way, ``collect`` verifies them here instead.
    Only on Linux and only from a process with one thread (forking a process with
    other threads can leave their locks held in the child).
    """

    def __init__(
        self, pid: int, fd: int, locator: Locator, jobs: list[_Job], indexes: list[int]
    ) -> None:
        self._pid, self._fd = pid, fd
        self._locator, self._jobs, self._indexes = locator, jobs, indexes

    @classmethod
    def start(cls, locator: Locator, jobs: list[_Job], indexes: list[int]) -> _ForkedShare | None:
        import threading

        if sys.platform != "linux" or threading.active_count() != 1:
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # pragma: no cover - the child; its results are what the tests see
            code = 1
            try:
                os.close(read_fd)
                import marshal

                rows = []
                for i in indexes:
                    s = locator.verify(jobs[i].site_dir, jobs[i].entry)
                    rows.append((i, s.status, s.path, s.digest, s.size, s.problem))
                with open(write_fd, "wb") as f:
                    f.write(marshal.dumps(rows))
                code = 0
            finally:
                # A forked child leaves without the interpreter's shutdown: the atexit
                # handlers and unflushed buffers it inherited are the parent's.
                os._exit(code)
        os.close(write_fd)
        return cls(pid, read_fd, locator, jobs, indexes)

    def collect(self) -> list[tuple[int, FileState]]:
        """The child's results, or these files verified here if it did not deliver."""
        import marshal

        from poetry_lockguard.env.safe_files import FileState

        with open(self._fd, "rb") as f:
            data = f.read()
        _, status = os.waitpid(self._pid, 0)
        try:
            rows = marshal.loads(data) if status == 0 else None
        except (EOFError, ValueError, TypeError):
            rows = None
        if not isinstance(rows, list) or len(rows) != len(self._indexes):
            jobs = self._jobs
            return [
                (i, self._locator.verify(jobs[i].site_dir, jobs[i].entry)) for i in self._indexes
            ]
        return [(row[0], FileState(*row[1:])) for row in rows]

    def cancel(self) -> None:
        """Stop the child (the check failed or was interrupted before collecting)."""
        import signal

        from contextlib import suppress

        with suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        with suppress(OSError):
            os.close(self._fd)  # unless collect() had closed it


def _fence_findings(site_dirs: Iterable[Path]) -> list[Finding]:
    """The pip fence's files that are not the bytes lockguard writes (no RECORD lists
    them; the ``.pth`` runs at every start of the interpreter)."""
    found: list[Finding] = []
    seen: set[str] = set()
    for site in site_dirs:
        if os.path.realpath(site) in seen:
            continue
        seen.add(os.path.realpath(site))
        for path, problem in fence_problems(site):
            found.append(
                finding(
                    "file-missing" if problem == NOT_INSTALLED else "file-modified",
                    None,
                    f"pip fence: {path} {problem} (`poetry lockguard fence` writes it again,"
                    " `--off` removes it)",
                    path=path,
                )
            )
    return found


def environment_roots(interpreter: Interpreter) -> list[Path]:
    """The directories an environment's files may live in.

    The prefix, the scripts directory, and the base of each site directory
    (``<base>/lib/pythonX.Y/site-packages``): on some system Pythons the site
    directory lies under ``/usr/local`` while the prefix is ``/usr``. The user site
    and the base interpreter's site-packages count too where the target sees them.
    """
    roots = [interpreter.prefix, interpreter.scripts]
    for site in interpreter.search_path:
        if site.parent.name.startswith("python") and site.parent.parent.name.startswith("lib"):
            roots.append(site.parent.parent.parent)
        else:
            roots.append(site)
    return roots


def _file_finding(job: _Job, state: FileState) -> Finding:
    dist, entry = job.dist, job.entry
    label = _label(dist)
    expected = entry.hash if entry.size is None else f"{entry.hash} size={entry.size}"
    if state.status == "missing":
        return finding(
            "file-missing",
            dist.name,
            f"{label}: {entry.path} is listed in RECORD but not installed"
            if not job.anchor
            else f"{label}: {entry.path} ships in the locked archive ({job.anchor}) but is"
            " not installed",
            expected=expected,
            path=state.path,
        )
    if state.status == "modified":
        what = []
        if entry.size is not None and entry.size != state.size:
            what.append(f"size {entry.size} -> {state.size}")
        if not state.digest:
            # The size differs: the file was not read, so there is no digest to show.
            found = f"size={state.size}"
        else:
            # Read, so its size was RECORD's when it was opened: the digest differs.
            found = f"{entry.algorithm}={state.digest} size={state.size}"
            what.append(f"{entry.algorithm} digest")
        return finding(
            "file-modified",
            dist.name,
            f"{label}: {entry.path} differs from"
            f" {f'the locked archive ({job.anchor})' if job.anchor else 'RECORD'}"
            f" ({', '.join(what)})",
            expected=expected,
            found=found,
            path=state.path,
        )
    return finding(
        "record-invalid",
        dist.name,
        f"{label}: RECORD line {entry.line}: {shorten(entry.path)!r} {state.problem}",
        path=state.path,
    )


#: The most unhashed paths a ``record-unhashed`` message names.
_MAX_UNHASHED = 5


def _unhashed_findings(
    dist: Distribution, label: str, site_dir: str, rows: tuple[tuple[int, str], ...]
) -> list[Finding]:
    """One warning per distribution whose RECORD lists files without a hash."""
    if not rows:
        return []
    shown = ", ".join(f"{shorten(path, 80)!r} (line {line})" for line, path in rows[:_MAX_UNHASHED])
    more = f" and {len(rows) - _MAX_UNHASHED} more" if len(rows) > _MAX_UNHASHED else ""
    plural = "s" if len(rows) != 1 else ""
    return [
        finding(
            "record-unhashed",
            dist.name,
            f"{label}: RECORD lists {len(rows)} file{plural} without a hash, which cannot"
            f" be verified: {shown}{more}",
            path=os.path.normpath(os.path.join(site_dir, rows[0][1])),
        )
    ]


def _label(dist: Distribution) -> str:
    return f"{dist.display_name or dist.name} {dist.version}".strip()


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
