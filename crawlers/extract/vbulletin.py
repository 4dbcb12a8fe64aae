"""vBulletin 4 (``li.postcontainer`` posts) and vBulletin 5 (``li.b-post`` nodes) thread pages.

Written from the engines' stock templates (postbit_legacy in vB4, the display_Topic
conversation view in vB5); tested on fixtures in that markup, as ../shared/data has no
saved vBulletin page. Quotes (``bbcode_quote`` / ``bbcode_container``) are taken out of
the author's words and, where they link the quoted post, name it as the parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time

_POSTS_LABELS = ("Posts", "Beiträge", "Messages", "帖子", "发帖", "文章")


def is_vbulletin(doc) -> bool:
    generator = " ".join(doc.xpath("//meta[@name='generator']/@content")).lower()
    return "vbulletin" in generator or bool(doc.xpath(f"//li[{has_class('postcontainer')}] | //li[{has_class('b-post')}]"))


def _text(scope, xpath: str) -> str:
    return " ".join(" ".join(scope.xpath(xpath)).split())


def _quotes(body) -> tuple[list[str], str | None]:
    texts, parent = [], None
    for quote in body.xpath(
        f".//div[{has_class('bbcode_container')}] | .//div[{has_class('bbcode_quote')}][not(ancestor::div[{has_class('bbcode_container')}])]"
    ):
        link = " ".join(quote.xpath(".//a/@href"))
        match = re.search(r"[?&#]p(?:ost)?=?(\d+)|post(\d+)", link)
        parent = parent or (next(g for g in match.groups() if g) if match else None)
        message = quote.xpath(f".//div[{has_class('message')}]")
        texts.append(element_text(message[0] if message else quote))
        quote.drop_tree()
    return texts, parent


def _post_count(post) -> int | None:
    for dt in post.xpath(".//dl//dt"):
        if any(label in dt.text_content() for label in _POSTS_LABELS):
            dd = dt.getnext()
            return first_int(dd.text_content() if dd is not None else None)
    return None


@dataclass(frozen=True)
class _Layout:
    """Where one vBulletin generation keeps a post's parts; ``extras`` reads what differs."""

    post: str
    post_id: Callable[[Any], str]
    bodies: tuple[str, ...]  # tried in order
    author: str
    floor: str
    extras: Callable[[Any, ZoneInfo], dict]


def _vb4_extras(post, zone: ZoneInfo) -> dict:
    author = post.xpath(f".//a[{has_class('username')}]")
    uid = re.search(r"[?&]u=(\d+)|/member/(\d+)", author[0].get("href", "")) if author else None
    return {
        "author_platform_id": next((g for g in uid.groups() if g), None) if uid else None,
        "author_posts": _post_count(post),
        "author_rank": _text(post, f".//span[{has_class('usertitle')}]//text()") or None,
        "published_at": parse_time(_text(post, f".//span[{has_class('date')}]//text()"), zone),
    }


def _vb5_extras(node, zone: ZoneInfo) -> dict:
    posts = _text(node, f".//li[{has_class('b-userinfo__additional-info')}][contains(., 'Posts')]//text()")
    return {
        "author_platform_id": node.get("data-userid"),
        "author_posts": first_int(posts),
        "author_rank": _text(node, f".//div[{has_class('usertitle')}]//text()") or None,
        "published_at": parse_time(" ".join(node.xpath(".//time/@datetime")[:1]), zone),
    }


LAYOUTS = (
    _Layout(  # vBulletin 4: postbit_legacy
        post=f"//li[{has_class('postcontainer')}]",
        post_id=lambda post: (post.get("id") or "").removeprefix("post_"),
        bodies=(
            f".//*[starts-with(@id, 'post_message_')]//blockquote[{has_class('postcontent')}]",
            ".//*[starts-with(@id, 'post_message_')]",
        ),
        author=f".//a[{has_class('username')}]",
        floor=f".//a[{has_class('postcounter')}]//text()",
        extras=_vb4_extras,
    ),
    _Layout(  # vBulletin 5: display_Topic conversation
        post=f"//li[{has_class('b-post')}]",
        post_id=lambda node: node.get("data-node-id") or "",
        bodies=(f".//div[{has_class('js-post__content-text')}]",),
        author=f".//div[{has_class('b-userinfo__details')}]//div[{has_class('author')}]//a",
        floor=f".//a[{has_class('b-post__count')}]//text()",
        extras=_vb5_extras,
    ),
)


def _posts(
    doc, layout: _Layout, url: str, source_id: str, title: str | None, thread_id: str | None, zone: ZoneInfo
) -> list[dict]:
    items, first_pid = [], None
    for post in doc.xpath(layout.post):
        pid = layout.post_id(post)
        bodies = next((found for xpath in layout.bodies if (found := post.xpath(xpath))), [])
        if not pid or not bodies:
            continue
        quotes, quoted = _quotes(bodies[0])
        author = post.xpath(layout.author)
        floor = first_int(_text(post, layout.floor))
        first_pid = first_pid or (pid if floor == 1 else None)
        items.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0]}#post{pid}",
                "platform_id": pid,
                "thread_id": thread_id,
                "thread_title": title,
                # the quoted post, else the thread starter when it is on this page
                "parent_platform_id": quoted or (first_pid if first_pid and first_pid != pid else None),
                "floor": floor,
                "author_name": author[0].text_content().strip() if author else "Guest",
                "author_url": author[0].get("href") if author else None,
                "text": element_text(bodies[0]),
                "quoted_text": "\n".join(quotes) or None,
                **layout.extras(post, zone),
            }
        )
    return items


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("vbulletin")
    title = _text(doc, f"//span[{has_class('threadtitle')}]//text()") or _text(doc, "//h1//text()") or None
    match = re.search(r"[?&]t=(\d+)|/(\d+)-[^/]*$|/(\d+)-", url)
    thread_id = next((g for g in match.groups() if g), None) if match else None
    for layout in LAYOUTS:
        result.posts += _posts(doc, layout, url, source_id, title, thread_id, zone)
    result.follow += doc.xpath("//a[@rel='next']/@href")
    result.follow += doc.xpath(f"//a[{has_class('title')}][contains(@href, 'showthread')]/@href")
    result.follow += doc.xpath(f"//a[{has_class('topic-title')}]/@href")
    return result
