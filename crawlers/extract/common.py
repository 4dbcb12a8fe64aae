"""Shared pieces of extraction: the result type, text and number helpers, time parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html
from dateutil import parser as dateparser


@dataclass
class PageResult:
    engine: str
    posts: list[dict] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)


def has_class(name: str) -> str:
    """XPath predicate for an exact class token (contains() would match 'dropdown-contents' for 'content')."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def element_text(el) -> str:
    """Visible text of an element, block elements separated by newlines, whitespace tidied."""
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = el.text_content()
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def first_int(text: str | None) -> int | None:
    if not text:
        return None
    match = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*([万kK])?", text)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    if match.group(2) == "万":
        value *= 10_000
    elif match.group(2) in ("k", "K"):
        value *= 1_000
    return int(value)


def parse_html(text: str, url: str):
    """Parsed page with absolute links; scripts and styles removed (never post text).
    Structured data is read from the raw HTML, so JSON-LD is unaffected."""
    doc = lxml.html.fromstring(text or "<html></html>", base_url=url)
    for element in doc.xpath("//script | //style | //noscript | //template"):
        element.drop_tree()
    doc.make_links_absolute(url, resolve_base_href=True)
    return doc


_RELATIVE = [
    (re.compile(r"(\d+)\s*(?:秒|seconds?|secs?)\s*(?:前|ago)"), "seconds"),
    (re.compile(r"(\d+)\s*(?:分钟|分鐘|minutes?|mins?)\s*(?:前|ago)"), "minutes"),
    (re.compile(r"(\d+)\s*(?:小时|小時|hours?|hrs?)\s*(?:前|ago)"), "hours"),
    (re.compile(r"(\d+)\s*(?:天|days?)\s*(?:前|ago)"), "days"),
]
_DAY_WORDS = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def parse_time(text: str | None, zone: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """Absolute times are read in the source's timezone; relative ones count back from now."""
    if not text:
        return None
    text = text.strip().replace("发表于", "").replace("發表於", "").strip()
    now = (now or datetime.now(zone)).astimezone(zone)
    lowered = text.lower()
    for pattern, unit in _RELATIVE:
        match = pattern.search(lowered)
        if match:
            return now - timedelta(**{unit: int(match.group(1))})
    for word, back in _DAY_WORDS.items():
        if lowered.startswith(word):
            clock = re.search(r"(\d{1,2}):(\d{2})", lowered)
            day = now - timedelta(days=back)
            hour, minute = (int(clock.group(1)), int(clock.group(2))) if clock else (0, 0)
            return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    try:
        # A bare clock ("08:52") means today in the source's zone, not the machine's.
        moment = dateparser.parse(text, fuzzy=True, default=now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
    except (ValueError, OverflowError):
        # Month names in other languages ("26. Januar 2022 13:05", "2019年2月20日"): dateparser
        # knows them; it is slower, so only the fallback.
        import dateparser as multilingual_dates  # slow to import: only when dateutil gives up

        moment = multilingual_dates.parse(text, settings={"TIMEZONE": zone.key, "RETURN_AS_TIMEZONE_AWARE": True})
        if moment is None:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
