"""phpBB 3 (prosilver and derivatives): topic lists and topic pages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time


def is_phpbb(doc) -> bool:
    body_class = " ".join(doc.xpath("//body/@class"))
    return (
        "section-view" in body_class
        or bool(doc.xpath("//*[contains(text(),'Powered by')]/a[contains(@href,'phpbb')]"))
        or bool(doc.xpath(f"//div[{has_class('post')} and starts-with(@id,'p')]//div[{has_class('postbody')}]"))
    )


def _profile_figure(post, css: str, label: str) -> int | None:
    hits = post.xpath(f".//dd[contains(@class,'{css}')]") or [
        dd for dd in post.xpath(f".//dl[{has_class('postprofile')}]/dd") if label in dd.text_content()
    ]
    return first_int(re.sub(r"^\D*:", "", hits[0].text_content())) if hits else None


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("phpbb")
    query = parse_qs(urlsplit(url).query)
    thread_id = (query.get("t") or [None])[0]
    title = " ".join(doc.xpath(f"//h2[{has_class('topic-title')}]//text()")).strip() or None
    posts = doc.xpath(f"//div[{has_class('post')} and starts-with(@id,'p') and .//div[{has_class('postbody')}]]")
    first_pid = None
    start = int((query.get("start") or ["0"])[0] or 0)
    for index, post in enumerate(posts):
        pid = post.get("id")[1:]
        content = post.xpath(f".//div[{has_class('content')}]")
        if not content:
            continue
        quotes = [element_text(q) for q in content[0].xpath(".//blockquote")]
        for q in content[0].xpath(".//blockquote"):
            q.drop_tree()
        user = post.xpath(f".//dl[{has_class('postprofile')}]//a[{has_class('username')}]")
        uid = re.search(r"[?&]u=(\d+)", user[0].get("href", "")) if user else None
        times = post.xpath(f".//p[{has_class('author')}]//time/@datetime") or post.xpath(f".//p[{has_class('author')}]//text()")
        floor = start + index + 1
        if floor == 1:
            first_pid = pid
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0]}#p{pid}",
                "platform_id": pid,
                "thread_id": thread_id,
                "thread_title": title,
                "parent_platform_id": first_pid if floor > 1 and first_pid else None,
                "floor": floor,
                "author_name": user[0].text_content().strip() if user else "Guest",
                "author_platform_id": uid.group(1) if uid else None,
                "author_url": user[0].get("href") if user else None,
                "author_followers": _profile_figure(post, "profile-followers", "Followers"),
                "author_posts": _profile_figure(post, "profile-posts", "Posts"),
                "author_rank": " ".join(post.xpath(f".//dd[{has_class('profile-rank')}]//text()")).strip() or None,
                "published_at": parse_time(times[-1] if times else None, zone),
                "text": element_text(content[0]),
                "quoted_text": "\n".join(quotes) or None,
                "likes": first_int(" ".join(post.xpath(f".//div[{has_class('likes')}]//text()"))),
                "language_hint": "en",
            }
        )
    result.follow += doc.xpath(f"//a[{has_class('topictitle')}]/@href")
    result.follow += doc.xpath(f"//li[{has_class('next')}]/a/@href | //a[@rel='next']/@href")
    return result
