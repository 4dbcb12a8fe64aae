"""Baidu Tieba: board pages (thread lists) and thread pages (floors).

A board page gives one item per thread (title + abstract, author, reply count) from each
list item's ``data-field`` JSON; the crawl follows its threads and next page. A thread
page gives its floors (``div.l_post`` with ``data-field``: author, post id, floor number)
and their text. The board parser is tested on a saved Tieba page; the thread parser on a
fixture in Tieba's thread markup (../shared/data has no saved thread page). A thread's
first floor and the board item for that thread share a platform id (the first post's id),
so the load keeps one row for it.
"""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time


def is_tieba(doc) -> bool:
    return bool(doc.xpath(f"//li[{has_class('j_thread_list')}][@data-field] | //div[{has_class('l_post')}][@data-field]"))


def _field(element) -> dict:
    try:
        value = json.loads(element.get("data-field") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(item, cls: str) -> str:
    return " ".join(element_text(e) for e in item.xpath(f".//*[{has_class(cls)}]")).strip()


def _thread_page(doc, url: str, source_id: str, zone: ZoneInfo, result: PageResult) -> None:
    title = " ".join(doc.xpath(f"//*[{has_class('core_title_txt')}]/@title")) or _text(doc, "core_title_txt") or None
    first_pid = None
    for floor_el in doc.xpath(f"//div[{has_class('l_post')}][@data-field]"):
        field = _field(floor_el)
        author, content = field.get("author") or {}, field.get("content") or {}
        pid = str(content.get("post_id") or "")
        bodies = floor_el.xpath(f".//div[{has_class('d_post_content')}]")
        if not pid or not bodies:
            continue
        floor = content.get("post_no")
        first_pid = first_pid or (pid if floor == 1 else None)
        name_link = floor_el.xpath(f".//a[{has_class('p_author_name')}]")
        tails = [element_text(t) for t in floor_el.xpath(f".//span[{has_class('tail-info')}]")]
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0].split('?')[0]}?pid={pid}#{pid}",
                "platform_id": pid,
                "thread_id": str(content.get("thread_id") or "") or None,
                "thread_title": title,
                "parent_platform_id": first_pid if floor and floor > 1 else None,
                "floor": floor,
                "author_name": author.get("user_name") or (name_link[0].text_content().strip() if name_link else "匿名"),
                "author_platform_id": str(author["user_id"]) if author.get("user_id") else None,
                "author_url": name_link[0].get("href") if name_link else None,
                "author_rank": _text(floor_el, "d_badge_title") or None,
                "published_at": parse_time(next((t for t in tails if re.match(r"\d{4}-\d{2}-\d{2}", t)), None), zone),
                "text": element_text(bodies[0]),
                "replies": content.get("comment_num") if isinstance(content.get("comment_num"), int) else None,
                "language_hint": "zh",
            }
        )
    result.follow += [href for href in doc.xpath(f"//li[{has_class('l_pager')}]//a[contains(., '下一页')]/@href")]


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("tieba")
    if doc.xpath(f"//div[{has_class('l_post')}][@data-field]"):
        _thread_page(doc, url, source_id, zone, result)
        return result
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
    result.follow += [post["url"] for post in result.posts]  # the threads themselves: their floors
    return result
