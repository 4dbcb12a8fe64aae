"""One spider for every configured source: the page decides which extractor runs."""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy

from crawlers.extract.page import extract_page


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, source_json: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = json.loads(source_json)
        self.start_urls = self.source["start_urls"]
        self.allow_private_network = bool(self.source.get("allow_private_network"))
        self.zone = ZoneInfo(self.source.get("timezone", "UTC"))
        self.hosts = {urlsplit(u).hostname for u in self.start_urls}

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed)

    def parse(self, response):
        self.crawler.stats.inc_value("koubei/pages")
        try:
            result = extract_page(
                response.body,
                response.url,
                self.source["id"],
                self.zone,
                response.headers.get("Content-Type", b"").decode("latin-1"),
                self.source.get("selectors"),
            )
        except Exception as exc:  # a malformed page is counted and logged, never fatal
            self.crawler.stats.inc_value(f"koubei/errors/extract_{type(exc).__name__}")
            self.logger.warning("extraction failed for %s: %s", response.url, exc)
            return
        self.crawler.stats.inc_value(f"koubei/engine/{result.engine}")
        language = self.source.get("language")
        for post in result.posts:
            if language and language != "auto" and not post.get("language_hint"):
                post["language_hint"] = language
            yield post
        for link in result.follow:
            if urlsplit(link).hostname in self.hosts:
                yield response.follow(link, callback=self.parse, errback=self.failed)

    def failed(self, failure):
        self.crawler.stats.inc_value(f"koubei/errors/{failure.type.__name__}")
        self.logger.warning("request failed: %s", failure.getErrorMessage())
