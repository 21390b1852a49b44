"""Locked archives downloaded when asked (``--download-archives``): end to end against
the test index on 127.0.0.1 with both entry points, and the downloader's limits against
servers of its own (wrong bytes, too large, too slow, credentials and redirects)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time

from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard.env.download import DEFAULT
from poetry_lockguard.env.download import Downloader
from poetry_lockguard.env.download import DownloadError
from poetry_lockguard.env.download import Source
from poetry_lockguard.env.download import source_for
from poetry_lockguard.lock.model import LockedFile
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource
from tests.integrity.support import LOCKED_WHEELS
from tests.integrity.support import run_both
from tests.integrity.support import site_packages
from tests.integrity.support import without_archives
from tests.integrity.wheels import record_hash


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry import PoetryProject


@pytest.mark.poetry  # the plugin's side runs on every Poetry CI tests
def test_without_a_cache_the_archives_are_downloaded_when_asked(installed: PoetryProject) -> None:
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "-f", "json", env=env):
        assert result.returncode == 0, result.output
        assert result.findings() == [("unanchored", n) for n in LOCKED_WHEELS], result.output
    for result in run_both(installed, "--integrity", "--download-archives", "-f", "json", env=env):
        assert (result.returncode, result.findings()) == (0, []), result.output


@pytest.mark.poetry  # the plugin's side runs on every Poetry CI tests
def test_a_file_edited_with_its_record_row_is_caught_by_the_downloaded_archive(
    installed: PoetryProject,
) -> None:
    module = site_packages(installed) / "alpha" / "__init__.py"
    data = b"print('PWNED')\n"
    module.write_bytes(data)
    [dist_info] = site_packages(installed).glob("alpha-*.dist-info")
    record = dist_info / "RECORD"
    rows = [
        f"alpha/__init__.py,{record_hash(data)},{len(data)}"
        if r.startswith("alpha/__init__.py,")
        else r
        for r in record.read_text().splitlines()
    ]
    record.write_text("\n".join(rows) + "\n")
    env = without_archives(installed)
    for result in run_both(installed, "--integrity", "--download-archives", "-f", "json", env=env):
        assert result.returncode == 1, result.output
        assert result.findings() == [
            ("file-modified", "alpha"),
            ("record-invalid", "alpha"),
        ], result.output


@pytest.mark.poetry  # the plugin's side runs on every Poetry CI tests
def test_the_setting_downloads_too(installed: PoetryProject) -> None:
    pyproject = installed.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.lockguard]\ndownload-archives = true\n")
    for result in run_both(installed, "--integrity", "-f", "json", env=without_archives(installed)):
        assert (result.returncode, result.findings()) == (0, []), result.output


# The downloader against servers of its own.

WHEEL = b"PK\x05\x06" + b"\0" * 18  # the bytes do not matter: only their sha256
NAME = "demo-1.0-py3-none-any.whl"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, tuple[int, dict[str, str], bytes]]
    seen: list[tuple[str, str | None]]
    delay: float
    #: Paths whose body is sent a byte at a time, 0.2 s apart.
    drip: set[str]
    #: Paths answered with these raw bytes instead of HTTP.
    raw: dict[str, bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.server.delay:
            time.sleep(self.server.delay)
        if self.path in self.server.raw:
            self.wfile.write(self.server.raw[self.path])
            return
        status, headers, body = self.server.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path not in self.server.drip:
            self.wfile.write(body)
            return
        for byte in body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.2)


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.seen, httpd.delay, httpd.drip, httpd.raw = {}, [], 0.0, set(), {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _base(server: _Server, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{server.server_address[1]}"


def _page(server: _Server, href: str, *, json: bool = False) -> None:
    if json:
        body = f'{{"meta": {{"api-version": "1.0"}}, "files": [{{"filename": "{NAME}", "url": "{href}"}}]}}'
        server.routes["/simple/demo/"] = (
            200,
            {"Content-Type": "application/vnd.pypi.simple.v1+json"},
            body.encode(),
        )
    else:
        html = f'<html><body><a href="{href}#sha256=x">{NAME}</a></body></html>'
        server.routes["/simple/demo/"] = (200, {"Content-Type": "text/html"}, html.encode())


def _package(server: _Server, content: bytes = WHEEL) -> tuple[LockedPackage, LockedFile]:
    locked = LockedFile(NAME, "sha256:" + hashlib.sha256(content).hexdigest())
    source = LockedSource("legacy", f"{_base(server)}/simple", "private")
    return LockedPackage("demo", "1.0", files=(locked,), source=source), locked


def _source(server: _Server) -> dict[str, Source]:
    url = f"{_base(server)}/simple/"
    return {url: Source("private", url, "user", "secret")}


@pytest.mark.parametrize("as_json", [False, True])
def test_an_archive_is_found_on_the_lock_source_and_verified(
    server: _Server, tmp_path: Path, as_json: bool
) -> None:
    _page(server, "../../files/demo.whl", json=as_json)
    server.routes["/files/demo.whl"] = (200, {}, WHEEL)
    package, locked = _package(server)
    path = Downloader(tmp_path, {}).fetch(package, locked)
    assert path == str(tmp_path / NAME)
    assert (tmp_path / NAME).read_bytes() == WHEEL


def test_other_bytes_are_refused_and_nothing_is_kept(server: _Server, tmp_path: Path) -> None:
    _page(server, "/files/demo.whl")
    server.routes["/files/demo.whl"] = (200, {}, WHEEL + b"x")
    package, locked = _package(server)
    with pytest.raises(DownloadError, match=r"demo.whl has another sha256 than poetry.lock$"):
        Downloader(tmp_path, {}).fetch(package, locked)
    assert list(tmp_path.iterdir()) == []


def test_an_archive_over_the_size_cap_is_refused(server: _Server, tmp_path: Path) -> None:
    _page(server, "/files/demo.whl")
    server.routes["/files/demo.whl"] = (200, {}, WHEEL)
    package, locked = _package(server)
    with pytest.raises(DownloadError, match="is larger than 10 bytes"):
        Downloader(tmp_path, {}, max_bytes=10).fetch(package, locked)
    assert list(tmp_path.iterdir()) == []


def test_a_source_that_does_not_answer_times_out(server: _Server, tmp_path: Path) -> None:
    _page(server, "/files/demo.whl")
    server.delay = 2.0
    package, locked = _package(server)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="timed out"):
        Downloader(tmp_path, {}, timeout=0.3).fetch(package, locked)
    assert time.monotonic() - started < 1.9


def test_a_file_the_source_does_not_list_and_other_schemes(server: _Server, tmp_path: Path) -> None:
    server.routes["/simple/demo/"] = (200, {"Content-Type": "text/html"}, b"<a href='x'>y</a>")
    package, locked = _package(server)
    with pytest.raises(DownloadError, match=f"private .* does not list {NAME}"):
        Downloader(tmp_path, {}).fetch(package, locked)
    _page(server, "file:///etc/passwd")
    with pytest.raises(
        DownloadError, match=re.escape("file:///etc/passwd is not an http or https address")
    ):
        Downloader(tmp_path, {}).fetch(package, locked)


def test_credentials_go_to_the_source_only_never_along_a_redirect(
    server: _Server, tmp_path: Path
) -> None:
    # The page is the source's; the file is on another host name (the same server).
    _page(server, f"{_base(server, 'localhost')}/files/demo.whl")
    server.routes["/files/demo.whl"] = (302, {"Location": f"{_base(server)}/moved/demo.whl"}, b"")
    server.routes["/moved/demo.whl"] = (200, {}, WHEEL)
    package, locked = _package(server)
    Downloader(tmp_path, _source(server)).fetch(package, locked)
    assert [(path, auth is not None) for path, auth in server.seen] == [
        ("/simple/demo/", True),
        ("/files/demo.whl", False),  # another host
        ("/moved/demo.whl", False),  # a redirect, back to the source's host
    ]


def test_a_redirect_to_another_scheme_is_refused(server: _Server, tmp_path: Path) -> None:
    _page(server, "/files/demo.whl")
    server.routes["/files/demo.whl"] = (302, {"Location": "ftp://127.0.0.1/demo.whl"}, b"")
    package, locked = _package(server)
    with pytest.raises(DownloadError, match=re.escape("redirects to ftp://127.0.0.1/demo.whl")):
        Downloader(tmp_path, {}).fetch(package, locked)


def test_the_default_source_is_known_only_where_poetry_runs() -> None:
    package = LockedPackage("demo", "1.0")
    reason = source_for(package, {})
    assert isinstance(reason, str)
    assert "`poetry lockguard check --integrity --download-archives`" in reason
    known = Source("PyPI", "https://index.invalid/simple/")
    assert source_for(package, {DEFAULT: known}) is known
    git = LockedPackage("demo", "1.0", source=LockedSource("git", "https://x.invalid/r.git"))
    assert source_for(git, {DEFAULT: known}) == "a git package's archive is not downloaded"


@pytest.mark.poetry  # the plugin's side runs on every Poetry CI tests
def test_the_plugin_gives_the_lock_sources_with_poetrys_credentials(
    installed: PoetryProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from poetry.factory import Factory

    from poetry_lockguard.plugin.poetry_api import download_sources

    monkeypatch.setenv("POETRY_HTTP_BASIC_LOCAL_USERNAME", "user")
    monkeypatch.setenv("POETRY_HTTP_BASIC_LOCAL_PASSWORD", "secret")
    sources = download_sources(Factory().create_poetry(installed.path))
    url = installed.index_url.rstrip("/") + "/"
    # The only source is primary: Poetry's default source (PyPI) is not in the pool.
    assert sources == {url: Source("local", url, "user", "secret")}
    assert "secret" not in repr(sources)


@pytest.mark.parametrize(
    "name", ["../../escaped-1.0-py3-none-any.whl", "/tmp/abs-1.0-py3-none-any.whl"]
)
def test_a_locked_file_name_that_is_a_path_is_refused(
    server: _Server, tmp_path: Path, name: str
) -> None:
    scratch = tmp_path / "a" / "b" / "scratch"
    scratch.mkdir(parents=True)
    package, _ = _package(server)
    locked = LockedFile(name, "sha256:" + hashlib.sha256(WHEEL).hexdigest())
    _page(server, "/files/demo.whl")
    server.routes["/files/demo.whl"] = (200, {}, WHEEL)
    with pytest.raises(DownloadError, match="is not a plain file name"):
        Downloader(scratch, {}).fetch(package, locked)
    assert server.seen == []
    assert not (tmp_path / "escaped-1.0-py3-none-any.whl").exists()


def test_a_source_that_sends_a_byte_at_a_time_meets_the_deadline(
    server: _Server, tmp_path: Path
) -> None:
    _page(server, "/files/demo.whl")
    server.routes["/files/demo.whl"] = (200, {}, WHEEL)
    server.drip.add("/files/demo.whl")
    package, locked = _package(server)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="took longer than 1 s"):
        Downloader(tmp_path, {}, deadline=1.0).fetch(package, locked)
    assert time.monotonic() - started < 3  # the whole body would take 4.4 s
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"garbage\r\n\r\n", r"not an HTTP answer \(BadStatusLine: garbage\\r\\n\)$"),
        (
            b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
            r"not an HTTP answer \(LineTooLong: got more than 65536 bytes",
        ),
    ],
    ids=["not HTTP", "a header line over 64 KiB"],
)
def test_an_answer_that_is_not_http_is_a_download_error(
    server: _Server, tmp_path: Path, answer: bytes, message: str
) -> None:
    server.raw["/simple/demo/"] = answer
    package, locked = _package(server)
    with pytest.raises(DownloadError, match=message):
        Downloader(tmp_path, {}).fetch(package, locked)


def test_a_page_of_json_nested_too_deep_or_bad_addresses_is_an_error(
    server: _Server, tmp_path: Path
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    json_type = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
    server.routes["/simple/demo/"] = (200, json_type, deep)
    package, locked = _package(server)
    with pytest.raises(DownloadError, match="is not an index page"):
        Downloader(tmp_path, {}).fetch(package, locked)
    bad = f'{{"files": [{{"filename": "{NAME}", "url": "http://[::1/x"}}]}}'.encode()
    server.routes["/simple/demo/"] = (200, json_type, bad)
    with pytest.raises(DownloadError, match=f"does not list {NAME}"):
        Downloader(tmp_path, {}).fetch(package, locked)


def test_a_url_package_with_an_encoded_name_is_fetched_and_its_query_never_shown(
    server: _Server, tmp_path: Path
) -> None:
    name = "demo-1.0+cpu-py3-none-any.whl"
    locked = LockedFile(name, "sha256:" + hashlib.sha256(WHEEL).hexdigest())
    url = f"{_base(server)}/files/demo-1.0%2Bcpu-py3-none-any.whl?Signature=SECRET"
    server.routes["/files/demo-1.0%2Bcpu-py3-none-any.whl?Signature=SECRET"] = (200, {}, WHEEL)
    package = LockedPackage("demo", "1.0+cpu", files=(locked,), source=LockedSource("url", url))
    assert Downloader(tmp_path, {}).fetch(package, locked) == str(tmp_path / name)
    other = LockedFile("other-1.0-py3-none-any.whl", locked.hash)
    with pytest.raises(DownloadError) as refused:
        Downloader(tmp_path, {}).fetch(package, other)
    assert "SECRET" not in str(refused.value)
    assert str(refused.value).endswith("is not the locked file other-1.0-py3-none-any.whl")


def test_credentials_in_a_source_address_are_sent_to_it_and_never_printed(
    server: _Server, tmp_path: Path
) -> None:
    server.routes["/simple/demo/"] = (200, {"Content-Type": "text/html"}, b"<a href='x'>y</a>")
    package, locked = _package(server)
    url = f"http://user:TOKEN@127.0.0.1:{server.server_address[1]}/simple"
    package = LockedPackage("demo", "1.0", files=(locked,), source=LockedSource("legacy", url))
    with pytest.raises(DownloadError) as refused:
        Downloader(tmp_path, {}).fetch(package, locked)
    assert "TOKEN" not in str(refused.value)
    assert str(refused.value).endswith(f"does not list {NAME}")
    [(path, auth)] = server.seen
    assert (path, auth) == ("/simple/demo/", "Basic " + base64.b64encode(b"user:TOKEN").decode())
    bad = LockedPackage(
        "demo", "1.0", files=(locked,), source=LockedSource("url", "https://u:TOKEN@h:x/demo.whl")
    )
    with pytest.raises(DownloadError) as unreadable:
        Downloader(tmp_path, {}).fetch(bad, LockedFile("demo.whl", locked.hash))
    assert "TOKEN" not in str(unreadable.value)


def test_an_address_no_parser_can_read_never_repeats_its_credentials(tmp_path: Path) -> None:
    locked = LockedFile("demo.whl", "sha256:" + "0" * 64)
    for url in ("https://user:s\uff0fecret@host/demo.whl", "https://u:secret@[::1/demo.whl"):
        package = LockedPackage("demo", "1.0", files=(locked,), source=LockedSource("url", url))
        with pytest.raises(DownloadError) as refused:
            Downloader(tmp_path, {}).fetch(package, locked)
        assert "ecret" not in str(refused.value), str(refused.value)
