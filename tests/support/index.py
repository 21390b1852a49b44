"""A PEP 503 simple index served on 127.0.0.1 by the test session."""

from __future__ import annotations

import hashlib
import html
import threading

from functools import partial
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING
from typing import Any

from tests.support.artifacts import Dist
from tests.support.artifacts import publish


if TYPE_CHECKING:
    from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    server: _IndexServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in ("/simple", "/simple/"):
            names = sorted(p.name for p in self.server.root.iterdir() if p.is_dir())
            body = "".join(f'<a href="/simple/{n}/">{n}</a>\n' for n in names)
            return self._html(body)
        if path.startswith("/simple/"):
            name = path[len("/simple/") :].strip("/")
            folder = self.server.root / name
            if not folder.is_dir():
                self.send_error(404)
                return None
            links = []
            for f in sorted(folder.iterdir()):
                digest = hashlib.sha256(f.read_bytes()).hexdigest()
                fragment = "" if name in self.server.unhashed else f"#sha256={digest}"
                links.append(
                    f'<a href="/files/{name}/{html.escape(f.name)}{fragment}">{f.name}</a>'
                )
            return self._html("\n".join(links))
        if path.startswith("/files/"):
            self.path = path[len("/files") :]
            return super().do_GET()
        self.send_error(404)
        return None

    def _html(self, body: str) -> None:
        data = f"<!DOCTYPE html><html><body>\n{body}\n</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _IndexServer(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    unhashed: set[str]


class PackageIndex:
    """Serves the distributions written under ``root`` at ``url`` until closed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._server = _IndexServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self._server.root = root
        self._server.unhashed = set()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/simple/"

    def add(self, *dists: Dist) -> list[Path]:
        """Publish ``dists``; return the artifact paths."""
        written: list[Path] = []
        for dist in dists:
            written += publish(dist, self.root)
        return written

    def serve_without_hashes(self, name: str) -> None:
        """Leave ``#sha256=`` off the links of ``name`` (a source that serves no hashes)."""
        self._server.unhashed.add(name)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
