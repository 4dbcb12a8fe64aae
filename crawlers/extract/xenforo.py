"""XenForo 2: thread pages (posts with author cells, quotes, floors) and forum thread lists."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from crawlers.extract.common import PageResult, element_text, first_int, has_class, parse_time

# The author cell's post-count label, in the languages XenForo ships most.
_POST_COUNT_LABELS = ("Messages", "Posts", "Beiträge", "Nachrichten", "Messaggi", "Mensajes", "帖子", "消息", "回帖")


def is_xenforo(doc) -> bool:
    return bool(doc.xpath("/html[@id='XF']") or doc.xpath(f"//article[{has_class('message--post')}][@data-author]"))


def _post_count(post) -> int | None:
    for dl in post.xpath(f".//div[{has_class('message-userExtras')}]//dl"):
        label = " ".join(dl.xpath("./dt//text()")).strip()
        if any(label.startswith(name) for name in _POST_COUNT_LABELS):
            return first_int(" ".join(dl.xpath("./dd//text()")).replace(".", ","))  # 2.206 is German for 2,206
    return None


def _quotes(body) -> tuple[list[str], str | None]:
    """Quoted posts' text (taken out of the body) and the id of the first post quoted."""
    texts, source = [], None
    for quote in body.xpath(f".//blockquote[{has_class('bbCodeBlock--quote')}]"):
        match = re.search(r"post:\s*(\d+)", quote.get("data-source") or "")
        source = source or (match.group(1) if match else None)
        content = quote.xpath(f".//div[{has_class('bbCodeBlock-content')}]")
        texts.append(element_text(content[0] if content else quote))
        quote.drop_tree()
    return texts, source


def extract(doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("xenforo")
    # The title without its thread prefix label ("Patch Notes", "Gelöst", ...).
    title_parts = doc.xpath(f"//h1[{has_class('p-title-value')}]//text()[not(ancestor::*[{has_class('label')}])]")
    title = " ".join(" ".join(title_parts).split()) or None
    content_key = " ".join(doc.xpath("/html/@data-content-key"))
    thread_match = re.search(r"thread-(\d+)", content_key) or re.search(r"/threads/[^/]*?\.?(\d+)/", url)
    first_pid = None
    for post in doc.xpath(f"//article[{has_class('message--post')}]"):
        pid = (post.get("data-content") or post.get("id") or "").rsplit("-", 1)[-1]
        bodies = post.xpath(f".//article[{has_class('message-body')}]//div[{has_class('bbWrapper')}]")
        if not pid or not bodies:
            continue
        quotes, quoted_pid = _quotes(bodies[0])
        name_link = post.xpath(f".//h4[{has_class('message-name')}]//*[@data-user-id]")
        floor = first_int(" ".join(post.xpath(f".//*[{has_class('message-attribution-opposite')}]//li[last()]//text()")))
        first_pid = first_pid or (pid if floor == 1 else None)
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0]}#post-{pid}",
                "platform_id": pid,
                "thread_id": thread_match.group(1) if thread_match else None,
                "thread_title": title,
                "parent_platform_id": quoted_pid or (first_pid if floor and floor > 1 else None),
                "floor": floor,
                "author_name": post.get("data-author") or (name_link[0].text_content().strip() if name_link else "Gast"),
                "author_platform_id": name_link[0].get("data-user-id") if name_link else None,
                "author_url": name_link[0].get("href") if name_link else None,
                "author_posts": _post_count(post),
                "author_rank": " ".join(post.xpath(f".//h5[{has_class('userTitle')}]//text()")).strip() or None,
                "published_at": parse_time(" ".join(post.xpath(f".//time[{has_class('u-dt')}]/@datetime")[:1]), zone),
                "text": element_text(bodies[0]),
                "quoted_text": "\n".join(quotes) or None,
            }
        )
    result.follow += doc.xpath(f"//a[{has_class('pageNav-jump--next')}]/@href")
    result.follow += doc.xpath(f"//div[{has_class('structItem-title')}]//a[contains(@href, '/threads/')]/@href")
    return result
