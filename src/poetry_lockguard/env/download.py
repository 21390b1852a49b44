"""Locked archives downloaded from the sources poetry.lock names, only when asked.

``check --integrity --download-archives`` (or ``download-archives = true``) fetches the
locked wheel of a package that no local directory holds: from the PEP 503/691 index
the lock names for it (``[package.source] url`` of a legacy source), from the archive
URL of a ``url`` package, or, where the plugin runs, from the source Poetry itself
uses for the lock's default source. Nothing is fetched from a source the lock does not
name. Each request has a timeout, each answer a size cap; an archive counts only when
its sha256 is the one poetry.lock lists, and it is written to a directory of this run
only. Credentials (given by the plugin, from Poetry's configuration) are sent only to
the source's own scheme, host and port, and never along a redirect.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from collections.abc import Iterator
    from collections.abc import Mapping
    from pathlib import Path

    from poetry_lockguard.lock.model import LockedFile
    from poetry_lockguard.lock.model import LockedPackage

#: Seconds a connection or a read may take.
TIMEOUT = 30.0
#: Seconds one whole answer (an index page, an archive) may take.
DEADLINE = 600.0
#: The largest archive fetched, and the largest index page read.
MAX_ARCHIVE = 1024 * 1024 * 1024
MAX_PAGE = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"


class DownloadError(Exception):
    """Why a locked archive could not be downloaded (one line)."""


@dataclass(frozen=True)
class Source:
    """A package index the archives of a lock's source are found on."""

    #: How to name it to a user ("PyPI", the source's name in pyproject.toml).
    name: str
    #: The PEP 503 root, ending in ``/``: project pages are ``<url><name>/``.
    url: str
    username: str = ""
    password: str = field(default="", repr=False)


#: The key of the lock's default source (packages without ``[package.source]``).
DEFAULT = ""


def source_for(package: LockedPackage, sources: Mapping[str, Source]) -> Source | str:
    """The index ``package``'s archives come from, or why there is none: the lock's
    own legacy source (with what ``sources`` knows of it: credentials), or the default
    source when ``sources`` has one (the plugin's Poetry knows it)."""
    kind = package.source.type
    if kind == "legacy":
        url, username, password = _userinfo(package.source.url)
        known = sources.get(url.rstrip("/") + "/")
        name = package.source.reference or _safe(url)
        return known or Source(name, url.rstrip("/") + "/", username, password)
    if kind == "":
        known = sources.get(DEFAULT)
        if known is None:
            return (
                "it comes from the lock's default source, whose address only Poetry knows:"
                " run `poetry lockguard check --integrity --download-archives`, or keep the"
                " archives in a wheelhouse"
            )
        return known
    return f"a {kind} package's archive is not downloaded"


class Downloader:
    """Fetches locked archives into ``directory`` (which the caller owns)."""

    def __init__(
        self,
        directory: Path,
        sources: Mapping[str, Source],
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_ARCHIVE,
        deadline: float = DEADLINE,
    ) -> None:
        self._directory = directory
        self._sources = sources
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._opener = urllib.request.build_opener(_RedirectHandler())

    def fetch(self, package: LockedPackage, locked: LockedFile) -> str:
        """The path of ``locked`` downloaded and verified by its sha256 in poetry.lock.
        Raises DownloadError saying why not (whatever the source answered)."""
        name = locked.name
        if (
            not name
            or name != os.path.basename(name)
            or any(c in name for c in "/\\\0")
            or name in (".", "..")
            or name.startswith(".")
        ):
            raise DownloadError(f"the locked file name {name!r} is not a plain file name")
        try:
            return self._fetch(package, locked)
        except DownloadError as e:
            raise DownloadError(_one_line(str(e))) from e
        except (http.client.HTTPException, OSError, RecursionError) as e:
            # A source that answers in a way HTTP or JSON readers give up on.
            raise DownloadError(_one_line(f"{type(e).__name__}: {e}")) from e
        except ValueError as e:  # its text may repeat an address, credentials included
            raise DownloadError(
                f"an address or an answer that cannot be read ({type(e).__name__})"
            ) from e

    def _fetch(self, package: LockedPackage, locked: LockedFile) -> str:
        if package.source.type == "url":
            url, username, password = _userinfo(package.source.url)
            last = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            if last != locked.name:
                raise DownloadError(f"{_safe(url)} is not the locked file {locked.name}")
            origin = Source(_safe(url), url, username, password) if username else None
            return self._archive(url, locked, origin)
        source = source_for(package, self._sources)
        if isinstance(source, str):
            raise DownloadError(source)
        page = urllib.parse.urljoin(source.url, urllib.parse.quote(package.name) + "/")
        url = self._find(page, locked.name, source)
        return self._archive(url, locked, source)

    def _find(self, page: str, file_name: str, source: Source) -> str:
        data, content_type, final = self._get(page, source, MAX_PAGE, accept=_ACCEPT)
        links = _links(data, content_type, final)
        if links is None:
            raise DownloadError(f"{_safe(page)} is not an index page ({content_type or 'no type'})")
        url = links.get(file_name)
        if url is None:
            raise DownloadError(f"{source.name} ({_safe(page)}) does not list {file_name}")
        return url

    def _archive(self, url: str, locked: LockedFile, source: Source | None) -> str:
        target = os.path.join(str(self._directory), locked.name)
        if os.path.dirname(os.path.normpath(target)) != os.path.normpath(str(self._directory)):
            raise DownloadError(f"the locked file name {locked.name!r} is not a plain file name")
        partial = target + ".part"
        digest = hashlib.sha256()
        try:
            with self._open(url, source) as response, open(partial, "xb") as out:
                for chunk in self._chunks(response, url, self._max_bytes):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != locked.digest.lower():
                raise DownloadError(f"{_safe(url)} has another sha256 than poetry.lock")
            os.replace(partial, target)
        finally:
            if os.path.lexists(partial):
                os.unlink(partial)
        return target

    def _get(self, url: str, source: Source, limit: int, *, accept: str) -> tuple[bytes, str, str]:
        with self._open(url, source, accept=accept) as response:
            data = b"".join(self._chunks(response, url, limit))
            return data, response.headers.get_content_type(), response.geturl()

    def _chunks(self, response: _Response, url: str, limit: int) -> Iterator[bytes]:
        """The body of ``response`` chunk by chunk, at most ``limit`` bytes, within the
        deadline (a source that sends a byte at a time cannot hold the check)."""
        started = time.monotonic()
        total = 0
        while True:
            try:
                # read1: what has arrived (a byte at a time if so), so that the deadline
                # is looked at between any two arrivals.
                chunk = response.read1(_CHUNK)
            except (OSError, http.client.HTTPException) as e:
                raise DownloadError(f"{_safe(url)}: {e}") from e
            if not chunk:
                return
            total += len(chunk)
            if total > limit:
                raise DownloadError(f"{_safe(url)} is larger than {limit} bytes")
            if time.monotonic() - started > self._deadline:
                raise DownloadError(f"{_safe(url)} took longer than {self._deadline:.0f} s")
            yield chunk

    def _open(self, url: str, source: Source | None, *, accept: str = "") -> _Response:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise DownloadError(f"{_safe(url)} is not an http or https address")
        request = urllib.request.Request(url)
        if accept:
            request.add_header("Accept", accept)
        if source is not None and source.username and _same_origin(url, source.url):
            token = base64.b64encode(f"{source.username}:{source.password}".encode()).decode()
            # Unredirected: never sent along a redirect, to this host or another.
            request.add_unredirected_header("Authorization", f"Basic {token}")
        try:
            return self._opener.open(request, timeout=self._timeout)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as e:
            raise DownloadError(f"{_safe(url)}: HTTP {e.code} {e.reason}") from e
        except http.client.InvalidURL as e:  # its text holds the address as given
            raise DownloadError(f"{_safe(url)} is not an address urllib can open") from e
        except http.client.HTTPException as e:
            raise DownloadError(
                f"{_safe(url)}: not an HTTP answer ({type(e).__name__}: {e})"
            ) from e
        except ValueError as e:  # an address urllib cannot read: its text may hold it
            raise DownloadError(f"{_safe(url)} is not an address urllib can open") from e
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise DownloadError(f"{_safe(url)}: {reason}") from e


if TYPE_CHECKING:
    from http.client import HTTPResponse as _Response
else:
    _Response = object


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Redirects only to http and https addresses, at most 10 of them."""

    max_redirections = 10

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise DownloadError(f"{_safe(req.full_url)} redirects to {_safe(newurl)}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _userinfo(url: str) -> tuple[str, str, str]:
    """``url`` without the ``user:password@`` it may carry, and those credentials
    (sent as a header to that origin only, never printed)."""
    # Split by hand before any parser sees it: a parser's error repeats the address.
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, "", ""
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    if "@" not in netloc:
        return url, "", ""
    userinfo, _, host = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    bare = f"{scheme}://{host}{tail}"
    return bare, urllib.parse.unquote(user), urllib.parse.unquote(password)


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` as one printable line of at most ``limit`` characters (what a source
    answers may hold anything)."""
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _safe(url: str) -> str:
    """``url`` without credentials, query or fragment, to print."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"  # IPv6
        if parts.port:
            host += f":{parts.port}"
    except ValueError:  # a port that is not a number, a bracket left open
        return "(an address that cannot be read)"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _links(data: bytes, content_type: str, base: str) -> dict[str, str] | None:
    """File name -> absolute URL (without fragment) of an index page: PEP 691 JSON or
    PEP 503 HTML; None when it is neither."""
    if content_type == "application/vnd.pypi.simple.v1+json":
        try:
            files = json.loads(data).get("files", [])
            pairs = [(f["filename"], f["url"]) for f in files if isinstance(f, dict)]
        except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
            return None
    elif content_type in ("text/html", "application/vnd.pypi.simple.v1+html"):
        parser = _Anchors()
        try:
            parser.feed(data.decode("utf-8", "replace"))
        except (ValueError, AssertionError):
            return None
        pairs = parser.links
    else:
        return None
    links: dict[str, str] = {}
    for name, href in pairs:
        if isinstance(name, str) and isinstance(href, str):
            try:
                url = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))[0]
            except ValueError:  # an address urllib cannot read ("http://[::1/x")
                continue
            links.setdefault(name, url)
    return links


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            name = "".join(self._text).strip()
            path_name = urllib.parse.unquote(
                urllib.parse.urlsplit(self._href).path.rsplit("/", 1)[-1]
            )
            self.links.append((name or path_name, self._href))
            if path_name and path_name != name:
                self.links.append((path_name, self._href))
            self._href = None
