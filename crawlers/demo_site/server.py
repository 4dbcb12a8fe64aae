"""Serve the rendered demo site on 127.0.0.1 (a free port), in a background thread."""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawlers.demo_site.render import query_file

CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # quiet: the crawl logs what matters
        return

    def _file(self) -> Path | None:
        parts = urlsplit(self.path)
        rel = query_file(unquote(parts.path).lstrip("/") or "index.html", parts.query)
        root = Path(self.directory).resolve()
        target = (root / rel).resolve()
        if root not in target.parents and target != root:
            return None
        return target if target.is_file() else None

    def do_GET(self) -> None:
        target = self._file()
        if target is None:
            self.send_error(404)
            return
        body = target.read_bytes()
        # Validators as real sites send them, so crawls can revalidate (304) instead of refetching.
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", self._type(target))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(target.stat().st_mtime, usegmt=True))
        self.send_header("Cache-Control", "max-age=0")  # always revalidate: forum pages change
        self.end_headers()
        self.wfile.write(body)

    def _type(self, target: Path) -> str:
        if "/bbs/" in target.as_posix():
            return "text/html; charset=gbk"
        return CONTENT_TYPES.get(target.suffix, "text/html; charset=utf-8")


class DemoServer:
    """``with DemoServer(root) as base_url: ...`` serves ``root`` until the block ends."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = partial(_Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> str:
        self.thread.start()
        return self.base_url

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
