"""Real crawls against a hostile local server on 127.0.0.1: redirects to private addresses,
a 50 MB page, a page that never ends, broken markup. Each is cut off or refused, counted,
and the rest of the crawl goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawlers.runner import run_crawl
from tests.crawlers.test_crawl_demo import CRAWL, _source, _staged

FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"<p>" + b"x" * 65_530 + b"</p>"
BROKEN = (
    "<html><head><meta name='generator' content='Discuz! X3.4'><title>t</title><body>"
    "<div id='post_1'><table><tr><td class='pls'><a class='xw1' href='space-uid-1.html'>老王</a>"
    "<td class='t_f'>鲁莫的客服<b>太慢<i>了</div></td>&#xD800;<<<>>> <script>unterminated"
)


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        return

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        routes = {
            "/robots.txt": lambda: self._send(200, b"User-agent: *\nDisallow: /private/\n", Content_Type="text/plain"),
            "/index.html": lambda: self._send(
                200,
                "".join(
                    f"<a rel='next' href='{path}'>x</a>"
                    for path in (
                        "/to-metadata",
                        "/to-other-host",
                        "/huge",
                        "/huge-unannounced",
                        "/endless",
                        "/broken.html",
                        "/private/x",
                    )
                ).encode(),
            ),
            "/to-metadata": lambda: self._send(302, Location="http://169.254.169.254/latest/meta-data/"),
            "/to-other-host": lambda: self._send(302, Location=f"http://localhost:{port}/broken.html"),
            "/broken.html": lambda: self._send(200, BROKEN.encode("utf-8", "surrogatepass")),
            "/huge": self._huge,
            "/huge-unannounced": self._huge_unannounced,
            "/endless": self._endless,
        }
        routes.get(self.path, lambda: self._send(404))()

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(FIFTY_MB))
        self.end_headers()
        self._stream(FIFTY_MB // len(CHUNK), pause=0)

    def _huge_unannounced(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()  # no length: the size limit must count the bytes as they come
        self._stream(FIFTY_MB // len(CHUNK), pause=0)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()  # no length: the body never says it is done
        self._stream(600, pause=0.1)  # bounded: at most a minute, normally cut by the crawler long before

    def _stream(self, chunks: int, pause: float) -> None:
        try:
            for _ in range(chunks):
                self.wfile.write(CHUNK)
                time.sleep(pause)
        except OSError:  # the crawler hung up: that is the point
            return


@pytest.fixture(scope="module")
def hostile_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_hostile_pages_are_refused_or_cut_off_and_the_crawl_goes_on(hostile_url, tmp_path):
    out = tmp_path / "hostile.jsonl"
    started = time.monotonic()
    stats = run_crawl(
        _source("hostile", hostile_url + "/index.html"), {**CRAWL, "timeout_seconds": 3, "max_response_mb": 10}, out, timeout=120
    )
    assert stats.ok, stats.errors  # nothing crashed the crawl
    assert time.monotonic() - started < 60  # the endless page did not hold it
    assert stats.errors.get("UnsafeAddress", 0) == 2  # the metadata address and another loopback host
    assert stats.errors.get("robots_forbidden", 0) == 1
    assert stats.errors.get("IgnoreRequest", 0) == 1  # the request robots.txt forbade, as its errback sees it
    assert stats.errors.get("DownloadCancelledError", 0) == 2  # 50 MB, announced or not: cut at max_response_mb
    assert stats.errors.get("DownloadTimeoutError", 0) == 3  # the endless page, tried once and retried twice
    staged = _staged(out)
    assert [item["author_name"] for item in staged] == ["老王"]  # the broken page still gave its post
    assert staged[0]["text"].startswith("鲁莫的客服太慢了")
