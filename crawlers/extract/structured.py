"""schema.org data (JSON-LD, microdata, RDFa via extruct): reviews, ratings, forum posts."""

from __future__ import annotations

from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import extruct

from crawlers.extract.common import PageResult, first_int, parse_time

POST_TYPES = {
    "Review": "review",
    "DiscussionForumPosting": "post",
    "Comment": "comment",
    "SocialMediaPosting": "post",
    "Answer": "comment",
}


def structured_items(html: str, url: str) -> list[dict]:
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata", "rdfa"], uniform=True, errors="ignore")
    items: list[dict] = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for item in data.get(syntax, []) or []:
            items.extend(_flatten(item))
    return items


def _flatten(item) -> list[dict]:
    if isinstance(item, list):
        return [x for i in item for x in _flatten(i)]
    if not isinstance(item, dict):
        return []
    out = [item]
    for key in ("@graph", "mainEntity", "itemListElement"):
        if key in item:
            out.extend(_flatten(item[key]))
    return out


def _types(item: dict) -> list[str]:
    t = item.get("@type", [])
    return [x.rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t])]


def _name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name")
    return value


def _number(value) -> float | None:
    if isinstance(value, dict):
        value = value.get("ratingValue")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _post(
    node: dict, kind: str, url: str, source_id: str, zone: ZoneInfo, item_name: str | None, thread_title: str | None
) -> dict | None:
    text = node.get("reviewBody") or node.get("articleBody") or node.get("text") or node.get("description")
    rating = node.get("reviewRating") or {}
    if not str(text or "").strip():
        if kind != "review" or _number(rating) is None:
            return None
        # A rating without words is still a customer's verdict: keep it, say what it is.
        best = _number(rating.get("bestRating")) if isinstance(rating, dict) else None
        text = f"rating {_number(rating):g}/{best or 5:g}"
    author = node.get("author")
    author = author[0] if isinstance(author, list) and author else author
    author_name = _name(author) or "anonymous"
    author_url = urljoin(url, author["url"]) if isinstance(author, dict) and author.get("url") else None
    stats = {
        s.get("interactionType", "").rsplit("/", 1)[-1]: s.get("userInteractionCount")
        for s in _as_list(node.get("interactionStatistic"))
    }
    return {
        "source_id": source_id,
        "kind": kind,
        "url": urljoin(url, node.get("url") or node.get("@id") or url),
        "platform_id": node.get("@id") or node.get("identifier"),
        "thread_title": thread_title,
        "author_name": str(author_name)[:200],
        "author_url": author_url,
        "published_at": parse_time(node.get("datePublished") or node.get("dateCreated"), zone),
        "text": str(text).strip(),
        "rating": _number(rating),
        "rating_max": _number(rating.get("bestRating")) if isinstance(rating, dict) else None,
        "item_name": item_name,
        "likes": first_int(str(stats.get("LikeAction"))) if stats.get("LikeAction") is not None else None,
    }


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# Rated things: a page about one of these is the item's page even with no review on it yet,
# so it never falls back to main text (the seller's description is not word of mouth).
RATED_TYPES = {
    "Product",
    "Recipe",
    "LocalBusiness",
    "LodgingBusiness",
    "Hotel",
    "Restaurant",
    "Book",
    "Movie",
    "SoftwareApplication",
}


def extract(html: str, doc, url: str, source_id: str, zone: ZoneInfo) -> PageResult:
    """Engine "structured" when the page has schema.org posts or rated items, else "unknown"."""
    result = PageResult("unknown")
    for item in structured_items(html, url):
        types = _types(item)
        if set(types) & (RATED_TYPES | set(POST_TYPES)) or item.get("aggregateRating"):
            result.engine = "structured"
        item_name = item.get("name") if set(types) & {"Product", "LocalBusiness", "Recipe", "CreativeWork", "Book"} else None
        for kind_type, kind in POST_TYPES.items():
            if kind_type in types:
                post = _post(item, kind, url, source_id, zone, _name(item.get("itemReviewed")), item.get("headline"))
                if post:
                    result.posts.append(post)
        for review in _as_list(item.get("review")) + _as_list(item.get("reviews")):  # "reviews": the old property
            if isinstance(review, dict):
                post = _post(review, "review", url, source_id, zone, item_name, None)
                if post:
                    result.posts.append(post)
        for comment in _as_list(item.get("comment")):
            if isinstance(comment, dict):
                post = _post(comment, "comment", url, source_id, zone, None, item.get("headline"))
                if post:
                    result.posts.append(post)
    result.follow += doc.xpath("//a[@rel='next']/@href | //link[@rel='next']/@href | //a[contains(@class,'product')]/@href")
    return result


def aggregate_ratings(html: str, url: str) -> list[dict]:
    """AggregateRating of each rated item on the page (for `koubei extract`)."""
    out = []
    for item in structured_items(html, url):
        agg = item.get("aggregateRating")
        if isinstance(agg, dict):
            out.append(
                {
                    "item_name": item.get("name"),
                    "rating": _number(agg),
                    "count": agg.get("reviewCount") or agg.get("ratingCount"),
                    "rating_max": _number(agg.get("bestRating")),
                }
            )
    return out
