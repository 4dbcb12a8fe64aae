"""Discourse forums through their JSON API: topic lists (``/latest.json``) lead to topics
(``/t/{slug}/{id}.json``, 20 posts a page, ``?page=N`` for the rest).

Each post keeps its number as the floor, the post it replies to as its parent, quotes
(``aside.quote``) apart from the author's words, likes, reads and the author's username.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html

from crawlers.extract.common import PageResult, element_text, has_class, parse_time

POSTS_PER_PAGE = 20
LIKE_ACTION = 2  # actions_summary id of a like


def parse_json(body: bytes) -> dict | None:
    """The document if the body is Discourse JSON (a topic or a topic list), else None."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and ("post_stream" in data or "topic_list" in data) else None


def _cooked(html: str) -> tuple[str, list[str]]:
    """(author's text, quoted texts) from a post's rendered HTML."""
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    quotes = []
    for aside in root.xpath(f".//aside[{has_class('quote')}]"):
        quotes.append(" ".join(element_text(b) for b in aside.xpath(".//blockquote")))
        aside.drop_tree()
    return element_text(root), quotes


def _likes(post: dict) -> int | None:
    for action in post.get("actions_summary") or []:
        if action.get("id") == LIKE_ACTION:
            return action.get("count")
    return None


def _topic(data: dict, url: str, source_id: str, zone: ZoneInfo, result: PageResult) -> None:
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    topic_id, slug, title = data.get("id"), data.get("slug"), data.get("title")
    numbers = {p.get("post_number"): str(p.get("id")) for p in data["post_stream"].get("posts", [])}
    for post in data["post_stream"].get("posts", []):
        text, quotes = _cooked(post.get("cooked", ""))
        if not text:
            continue
        username = post.get("username") or "anonymous"
        reply_to = post.get("reply_to_post_number")
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{base}/t/{slug}/{topic_id}/{post.get('post_number')}",
                "platform_id": str(post.get("id")),
                "thread_id": str(topic_id),
                "thread_title": title,
                # a reply to a post on another page has no id here; the thread starter is #1
                "parent_platform_id": numbers.get(reply_to) or (numbers.get(1) if post.get("post_number", 1) > 1 else None),
                "floor": post.get("post_number"),
                "author_name": username,
                "author_platform_id": str(post["user_id"]) if post.get("user_id") is not None else None,
                "author_url": f"{base}/u/{username}",
                "published_at": parse_time(post.get("created_at"), zone),
                "text": text,
                "quoted_text": "\n".join(quotes) or None,
                "likes": _likes(post),
                "replies": post.get("reply_count"),
                "views": post.get("reads"),
            }
        )
    page = int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])
    if (data.get("posts_count") or 0) > page * POSTS_PER_PAGE:
        result.follow.append(f"{base}/t/{slug}/{topic_id}.json?page={page + 1}")


def extract(data: dict, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("discourse")
    if "post_stream" in data:
        _topic(data, url, source_id, zone, result)
        return result
    topic_list = data["topic_list"]
    for topic in topic_list.get("topics", []):
        result.follow.append(urljoin(url, f"/t/{topic.get('slug')}/{topic.get('id')}.json"))
    more = topic_list.get("more_topics_url")
    if more:  # "/latest?page=1": the JSON of the next list page
        path, _, query = more.partition("?")
        result.follow.append(urljoin(url, f"{path}.json" + (f"?{query}" if query else "")))
    return result
