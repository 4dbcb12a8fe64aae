"""RSS 2.0 and Atom feeds: one post per entry."""

from __future__ import annotations

from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree

from crawlers.extract.common import PageResult, element_text, parse_time

_NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}


def looks_like_feed(body: bytes) -> bool:
    head = body[:500].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in body[:2000].lower() or b"<feed" in body[:2000].lower())


def _text_of(html_fragment: str) -> str:
    import lxml.html

    try:
        return element_text(lxml.html.fragment_fromstring(html_fragment, create_parent="div"))
    except (etree.ParserError, ValueError):
        return html_fragment.strip()


def extract(body: bytes, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    result = PageResult("feed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        return result
    for entry in root.xpath("//item | //atom:entry", namespaces=_NS):

        def get(*paths: str, entry=entry) -> str | None:
            for path in paths:
                found = entry.xpath(path, namespaces=_NS)
                if found:
                    value = found[0]
                    return value if isinstance(value, str) else (value.text or "")
            return None

        link = get("link/text()", "atom:link/@href")
        body_html = get("description", "atom:content", "atom:summary") or ""
        text = _text_of(body_html) if body_html else (get("title") or "")
        if not text.strip():
            continue
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": urljoin(url, (link or url).strip()),
                "platform_id": get("guid/text()", "atom:id/text()"),
                "thread_title": get("title/text()", "atom:title/text()"),
                "author_name": (get("dc:creator/text()", "author/text()", "atom:author/atom:name/text()") or "feed").strip()[
                    :200
                ],
                "published_at": parse_time(get("pubDate/text()", "atom:published/text()", "atom:updated/text()"), zone),
                "text": text,
            }
        )
    return result
