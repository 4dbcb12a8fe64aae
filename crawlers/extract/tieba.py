"""Baidu Tieba board pages (thread lists): one item per thread, its opening post's abstract,
author and reply count, from the list item's ``data-field`` JSON and markup.

Thread pages (floors) are not parsed yet: we have no saved one to test against, so the
crawler follows only the list's next-page link, not the threads.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time


def is_tieba(doc) -> bool:
    return bool(doc.xpath(f"//li[{has_class('j_thread_list')}][@data-field]"))


def _field(element) -> dict:
    try:
        value = json.loads(element.get("data-field") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(item, cls: str) -> str:
    return " ".join(element_text(e) for e in item.xpath(f".//*[{has_class(cls)}]")).strip()


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("tieba")
    for item in doc.xpath(f"//li[{has_class('j_thread_list')}][@data-field]"):
        field = _field(item)
        thread_id = str(field.get("id") or item.get("data-tid") or "")
        links = item.xpath(f".//a[{has_class('j_th_tit')}]")
        if not thread_id or not links:
            continue
        title = (links[0].get("title") or links[0].text_content()).strip()
        author = item.xpath(f".//a[{has_class('frs-author-name')}]")
        abstract = _text(item, "threadlist_abs")
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": links[0].get("href"),
                "platform_id": str(field.get("first_post_id") or thread_id),
                "thread_id": thread_id,
                "thread_title": title,
                "floor": 1,
                "author_name": field.get("author_name") or (author[0].text_content().strip() if author else "匿名"),
                "author_platform_id": field.get("author_portrait"),
                "author_url": author[0].get("href") if author else None,
                "published_at": parse_time(_text(item, "is_show_create_time"), zone),
                "text": "\n".join(part for part in (title, abstract) if part),
                "replies": field.get("reply_num")
                if isinstance(field.get("reply_num"), int)
                else first_int(_text(item, "threadlist_rep_num")),
                "language_hint": "zh",
            }
        )
    result.follow += [href for href in doc.xpath(f"//a[{has_class('next')}]/@href") if "pn=" in href]
    return result
