"""Discourse through its JSON API: a real crawl of a local server that answers as Discourse
does (topic lists with more_topics_url, topics 20 posts a page, cooked HTML with quotes)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawlers.runner import run_crawl
from tests.crawlers.test_crawl_demo import CRAWL, _source, _staged


def _post(topic: int, number: int, reply_to: int | None = None) -> dict:
    cooked = f"<p>Lumo delivery #{number} took <strong>forever</strong>.</p>"
    if reply_to:
        cooked = (
            f'<aside class="quote" data-username="user{reply_to}" data-post="{reply_to}" data-topic="{topic}">'
            f"<div class='title'>user{reply_to}:</div><blockquote><p>the words of post {reply_to}</p></blockquote></aside>"
            + cooked
        )
    return {
        "id": topic * 1000 + number,
        "username": f"user{number % 7}",
        "user_id": number % 7 + 1,
        "created_at": f"2026-11-{10 + number % 10:02d}T08:{number:02d}:00.000Z",
        "cooked": cooked,
        "post_number": number,
        "reply_to_post_number": reply_to,
        "reply_count": 1 if number == 1 else 0,
        "reads": 40 + number,
        "actions_summary": [{"id": 2, "count": number % 4}] if number % 4 else [],
    }


def _topic(topic: int, slug: str, count: int, page: int) -> dict:
    numbers = range((page - 1) * 20 + 1, min(page * 20, count) + 1)
    posts = [_post(topic, n, reply_to=n - 1 if n % 5 == 0 else None) for n in numbers]
    return {"id": topic, "slug": slug, "title": f"Topic {slug}", "posts_count": count, "post_stream": {"posts": posts}}


ROUTES = {
    "/latest.json": {
        "topic_list": {"topics": [{"id": 11, "slug": "late"}, {"id": 12, "slug": "refund"}], "more_topics_url": "/latest?page=1"}
    },
    "/latest.json?page=1": {"topic_list": {"topics": [{"id": 13, "slug": "praise"}]}},
    "/t/late/11.json": _topic(11, "late", 22, 1),
    "/t/late/11.json?page=2": _topic(11, "late", 22, 2),
    "/t/refund/12.json": _topic(12, "refund", 3, 1),
    "/t/praise/13.json": _topic(13, "praise", 1, 1),
}


class FakeDiscourse(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        return

    def do_GET(self) -> None:
        data = ROUTES.get(self.path)
        body = json.dumps(data).encode() if data else b"not found"
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def discourse_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDiscourse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_discourse_lists_topics_pages_quotes_and_parents(discourse_url, tmp_path):
    out = tmp_path / "discourse.jsonl"
    stats = run_crawl(_source("disc", discourse_url + "/latest.json", kind="discourse"), CRAWL, out)
    items = _staged(out)
    assert stats.ok and stats.errors == {} and stats.rejected == 0
    assert stats.pages == 6  # two list pages, three topics, the second page of the long one
    assert len(items) == 22 + 3 + 1
    by_id = {item["platform_id"]: item for item in items}
    late = sorted((i for i in items if i["thread_id"] == "11"), key=lambda i: i["floor"])
    assert [i["floor"] for i in late] == list(range(1, 23))  # page 2 was followed
    fifth = late[4]
    assert fifth["parent_platform_id"] == "11004"  # replies to post 4, which it quotes
    assert fifth["quoted_text"] == "the words of post 4" and "the words of post" not in fifth["text"]
    assert fifth["text"] == "Lumo delivery #5 took forever."
    assert late[1]["parent_platform_id"] == "11001"  # no reply-to: a reply to the thread starter
    assert by_id["11003"]["likes"] == 3 and by_id["11004"]["likes"] is None and by_id["11003"]["views"] == 43
    assert by_id["11003"]["author_url"] == discourse_url + "/u/user3"
    assert by_id["11003"]["published_at"] == "2026-11-13T08:03:00Z"
    assert by_id["11003"]["url"] == discourse_url + "/t/late/11/3"
