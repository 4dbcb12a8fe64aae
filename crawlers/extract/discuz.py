"""Discuz! X2.5–X3.5: thread lists and thread pages with floors and author sidebars."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, parse_time

# Guest prompts and edit notes Discuz puts inside or around post bodies.
_BOILERPLATE = [
    re.compile(r"马上注册，结交更多好友.*?(?:立即注册|$)", re.S),
    re.compile(r"本帖最后由\s*\S+\s*于\s*[\d\-: ]+\s*编辑"),
    re.compile(r"本帖最後由\s*\S+\s*於\s*[\d\-: ]+\s*編輯"),
]


def is_discuz(doc) -> bool:
    generator = " ".join(doc.xpath("//meta[@name='generator']/@content"))
    return "discuz" in generator.lower() or bool(doc.xpath("//div[starts-with(@id,'post_')]//td[contains(@class,'t_f')]"))


def clean_body(text: str) -> str:
    for pattern in _BOILERPLATE:
        text = pattern.sub("", text)
    return text.strip()


def _sidebar_figure(post, labels: tuple[str, ...]) -> int | None:
    for th in post.xpath(".//td[contains(@class,'pls')]//th"):
        label = th.text_content()
        if any(lb in label for lb in labels):
            return first_int("".join(th.xpath("./p//text()")) or label)
    for dt in post.xpath(".//td[contains(@class,'pls')]//dt"):
        if any(lb in dt.text_content() for lb in labels):
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
    for post in doc.xpath("//div[starts-with(@id,'post_') and .//td[contains(@class,'t_f')]]"):
        pid = post.get("id").split("_", 1)[1]
        body_el = post.xpath(".//td[contains(@class,'t_f')]")[0]
        quotes = [element_text(q) for q in body_el.xpath(".//div[contains(@class,'quote')]")]
        for q in body_el.xpath(".//div[contains(@class,'quote')]"):
            q.drop_tree()
        text = clean_body(element_text(body_el))
        author = post.xpath(".//td[contains(@class,'pls')]//a[contains(@class,'xw1')]")
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
                "author_posts": _sidebar_figure(post, ("帖子", "主题", "主題")),
                "author_rank": (" ".join(post.xpath(".//td[contains(@class,'pls')]//em//text()")).strip() or None),
                "published_at": parse_time(when, zone),
                "text": text,
                "quoted_text": "\n".join(quotes) or None,
                "likes": first_int(" ".join(post.xpath(".//div[contains(@class,'po')]//text()"))),
                "language_hint": "zh",
            }
        )
    if first_pid is None and result.posts and thread_id:
        # A later page of a thread: replies point at the thread's first post when known.
        for item in result.posts:
            item["parent_platform_id"] = None
    result.follow += doc.xpath("//a[contains(@class,'xst')]/@href")
    result.follow += doc.xpath("//div[contains(@class,'pg')]//a[contains(@class,'nxt')]/@href")
    return result
