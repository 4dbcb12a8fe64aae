"""One entry point: bytes of a fetched page in, posts and follow-up links out."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from crawlers.encoding import decode_html
from crawlers.extract import discourse, discuz, feeds, main_text, phpbb, structured, tieba, vbulletin, xenforo
from crawlers.extract import selectors as selector_source
from crawlers.extract.common import PageResult, parse_html


def extract_page(
    body: bytes,
    url: str,
    source_id: str,
    zone: ZoneInfo,
    content_type: str | None = None,
    selectors: Mapping[str, str | None] | None = None,
) -> PageResult:
    """The source's selectors when it has them; else feeds, then the engine the page shows,
    then schema.org structured data, then the page's main text (trafilatura)."""
    if feeds.looks_like_feed(body):
        return feeds.extract(body, url, source_id, zone)
    api = discourse.parse_json(body)
    if api is not None:
        return discourse.extract(api, url, source_id, zone)
    text, _encoding = decode_html(body, content_type)
    if selectors:
        return selector_source.extract(text, url, source_id, zone, selectors)
    doc = parse_html(text, url)
    if discuz.is_discuz(doc):
        return discuz.extract(doc, url, source_id, zone)
    if phpbb.is_phpbb(doc):
        return phpbb.extract(doc, url, source_id, zone)
    if xenforo.is_xenforo(doc):
        return xenforo.extract(doc, url, source_id, zone)
    if vbulletin.is_vbulletin(doc):
        return vbulletin.extract(doc, url, source_id, zone)
    if tieba.is_tieba(doc):
        return tieba.extract(doc, url, source_id, zone)
    found = structured.extract(text, doc, url, source_id, zone)
    if found.engine == "structured":
        return found
    fallback = main_text.extract(text, url, source_id, zone)
    fallback.follow = found.follow
    return fallback
