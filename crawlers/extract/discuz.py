"""Discuz! X2.5–X3.5: thread lists and thread pages with floors and author sidebars."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time

# Guest prompts and edit notes Discuz puts inside or around post bodies.
_BOILERPLATE = [
    re.compile(r"马上注册，结交更多好友.*?(?:立即注册|$)", re.S),
    re.compile(r"本帖最后由\s*\S+\s*于\s*[\d\-: ]+\s*编辑"),
    re.compile(r"本帖最後由\s*\S+\s*於\s*[\d\-: ]+\s*編輯"),
]


def is_discuz(doc) -> bool:
    generator = " ".join(doc.xpath("//meta[@name='generator']/@content"))
    return "discuz" in generator.lower() or bool(doc.xpath(f"//div[starts-with(@id,'post_')]//td[{has_class('t_f')}]"))


def clean_body(text: str) -> str:
    for pattern in _BOILERPLATE:
        text = pattern.sub("", text)
    return text.strip()


def _sidebar_figure(post, labels: tuple[str, ...]) -> int | None:
    """A sidebar number by label, trying labels in order (帖子 before 主题: threads are not posts)."""
    cells = post.xpath(f".//td[{has_class('pls')}]//th")
    terms = post.xpath(f".//td[{has_class('pls')}]//dt")
    for label in labels:
        for th in cells:
            if label in th.text_content():
                return first_int("".join(th.xpath("./p//text()")) or th.text_content())
        for dt in terms:
            if label in dt.text_content():
                dd = dt.getnext()
                return first_int(dd.text_content() if dd is not None else None)
    return None


def _floor(post) -> int | None:
    label = " ".join(post.xpath(".//a[starts-with(@id,'postnum')]//text()")).strip()
    if "楼主" in label or "樓主" in label:
        return 1
    names = {"沙发": 2, "沙發": 2, "板凳": 3, "地板": 4}
    for name, floor in names.items():
        if name in label:
            return floor
    return first_int(label)


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("discuz")
    title = " ".join(doc.xpath("//span[@id='thread_subject']//text()")).strip() or None
    tid_match = re.search(r"thread-(\d+)-|[?&]tid=(\d+)", url)
    thread_id = next((g for g in tid_match.groups() if g), None) if tid_match else None
    first_pid = None
    for post in doc.xpath(f"//div[starts-with(@id,'post_') and .//td[{has_class('t_f')}]]"):
        pid = post.get("id").split("_", 1)[1]
        body_el = post.xpath(f".//td[{has_class('t_f')}]")[0]
        quotes = [element_text(q) for q in body_el.xpath(f".//div[{has_class('quote')}]")]
        for q in body_el.xpath(f".//div[{has_class('quote')}]"):
            q.drop_tree()
        text = clean_body(element_text(body_el))
        author = post.xpath(f".//td[{has_class('pls')}]//a[{has_class('xw1')}]")
        name = author[0].text_content().strip() if author else "匿名"
        uid = re.search(r"uid=(\d+)", author[0].get("href", "")) if author else None
        floor = _floor(post)
        if floor == 1:
            first_pid = pid
        when = " ".join(post.xpath(".//em[starts-with(@id,'authorposton')]//text()"))
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0]}#pid{pid}",
                "platform_id": pid,
                "thread_id": thread_id,
                "thread_title": title,
                "parent_platform_id": first_pid if floor and floor > 1 else None,
                "floor": floor,
                "author_name": name,
                "author_platform_id": uid.group(1) if uid else None,
                "author_url": author[0].get("href") if author else None,
                "author_followers": _sidebar_figure(post, ("粉丝", "粉絲", "听众", "聽眾")),
                "author_posts": _sidebar_figure(post, ("帖子", "回帖", "主题", "主題")),
                "author_rank": (" ".join(post.xpath(f".//td[{has_class('pls')}]//em//text()")).strip() or None),
                "published_at": parse_time(when, zone),
                "text": text,
                "quoted_text": "\n".join(quotes) or None,
                "likes": first_int(" ".join(post.xpath(f".//div[{has_class('po')}]//text()"))),
                "language_hint": "zh",
            }
        )
    result.follow += doc.xpath(f"//a[{has_class('xst')}]/@href")
    result.follow += doc.xpath(f"//div[{has_class('pg')}]//a[{has_class('nxt')}]/@href")
    return result
