"""One entry point: bytes of a fetched page in, posts and follow-up links out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from crawlers.encoding import decode_html
from crawlers.extract import discuz, feeds, phpbb, structured
from crawlers.extract.common import PageResult, parse_html


def extract_page(body: bytes, url: str, source_id: str, zone: ZoneInfo, content_type: str | None = None) -> PageResult:
    if feeds.looks_like_feed(body):
        return feeds.extract(body, url, source_id, zone)
    text, _encoding = decode_html(body, content_type)
    doc = parse_html(text, url)
    if discuz.is_discuz(doc):
        return discuz.extract(doc, url, source_id, zone)
    if phpbb.is_phpbb(doc):
        return phpbb.extract(doc, url, source_id, zone)
    return structured.extract(text, doc, url, source_id, zone)
