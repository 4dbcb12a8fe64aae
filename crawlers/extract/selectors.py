"""Sources no extractor knows, described by CSS or XPath selectors in the config.

A selector that picks text or an attribute (``::text``, ``::attr(href)``, ``/@href``,
``/text()``) gives that value; one that picks an element gives the element's visible text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawlers.extract.common import PageResult, element_text, first_int, parse_time

_XPATH_START = re.compile(r"^\s*(?:\.?/|\.\.|\()")  # /x, ./x, ../x, (x)[1]; ".cls" stays CSS


def is_xpath(expression: str) -> bool:
    """XPath when it starts with / ./ .. or ( (inside a post, start with ./ to stay in it); else CSS."""
    return bool(_XPATH_START.match(expression))


def compile_check(expression: str) -> None:
    """Raise ValueError when the selector does not compile (used when the config is loaded)."""
    try:
        etree.XPath(expression if is_xpath(expression) else css2xpath(expression))
    except Exception as exc:  # cssselect and lxml raise several types; all mean "does not compile"
        raise ValueError(f"invalid selector {expression!r} ({exc})") from None


def _select(scope: Selector, expression: str):
    return scope.xpath(expression) if is_xpath(expression) else scope.css(expression)


def _values(scope: Selector, expression: str | None) -> list[str]:
    if not expression:
        return []
    values = []
    for found in _select(scope, expression):
        root = found.root
        text = element_text(root) if hasattr(root, "tag") else str(root)
        if text.strip():
            values.append(text.strip())
    return values


def _first(scope: Selector, expression: str | None) -> str | None:
    values = _values(scope, expression)
    return values[0] if values else None


def extract(html: str, url: str, source_id: str, zone: ZoneInfo, selectors: Mapping[str, str | None]) -> PageResult:
    result = PageResult("selectors")
    page = Selector(text=html, base_url=url)
    title = _first(page, selectors.get("title"))
    for index, post in enumerate(_select(page, selectors["post"])):
        bodies = _select(post, selectors["body"])
        if not bodies or not hasattr(bodies[0].root, "tag"):
            continue
        body = bodies[0].root
        quotes = []
        if selectors.get("quote"):
            for quote in _select(bodies[0], selectors["quote"]):
                quotes.append(element_text(quote.root))
                quote.root.drop_tree()
        text = element_text(body)
        if not text:
            continue
        author_url = _first(post, selectors.get("author_url"))
        post_id = _first(post, selectors.get("post_id"))
        result.posts.append(
            {
                "source_id": source_id,
                "kind": "post",
                "url": f"{url.split('#')[0]}#{post_id or index + 1}",
                "platform_id": post_id,
                "thread_title": title,
                "author_name": _first(post, selectors.get("author")) or "anonymous",
                "author_url": urljoin(url, author_url) if author_url else None,
                "published_at": parse_time(_first(post, selectors.get("time")), zone),
                "text": text,
                "quoted_text": "\n".join(quotes) or None,
                "likes": first_int(_first(post, selectors.get("likes"))),
            }
        )
    for key in ("next_page", "thread_links"):
        result.follow += [urljoin(url, link) for link in _values(page, selectors.get(key))]
    return result
