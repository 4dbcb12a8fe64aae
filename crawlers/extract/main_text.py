"""Pages no extractor knows: their main text (and comment text, when trafilatura finds a
comment section) rather than nothing. One item for the article, one for its comments."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import trafilatura

from crawlers.extract.common import PageResult, parse_time

MIN_COMMENTS_CHARS = 40  # shorter "comments" are headers such as "120 Kommentare", not talk
MIN_MAIN_TEXT_CHARS = 200  # shorter main text is a list or navigation page (an index of links), not a post


def extract(html: str, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("main_text")
    document = trafilatura.bare_extraction(html, url=url, include_comments=True, with_metadata=True)
    if document is None or len((document.text or "").strip()) < MIN_MAIN_TEXT_CHARS:
        return result
    article = {
        "source_id": source_id,
        "kind": "post",
        "url": url,
        "thread_title": document.title,
        "author_name": (document.author or document.sitename or "unknown")[:200],
        "published_at": parse_time(document.date, zone),
        "text": document.text.strip(),
    }
    result.posts.append(article)
    comments = (document.comments or "").strip()
    if len(comments) >= MIN_COMMENTS_CHARS:
        result.posts.append(
            {**article, "kind": "comment", "url": f"{url.split('#')[0]}#comments", "author_name": "comments", "text": comments}
        )
    return result
