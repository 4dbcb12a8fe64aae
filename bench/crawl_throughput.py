"""Crawl throughput: a real Scrapy crawl (subprocess, robots.txt, safety middleware,
validation, staging) of a GBK Discuz! forum with at least 2,000 thread pages served on
127.0.0.1, next to parsing the same pages with the extractor alone (lxml, no Scrapy, no
network) in the same run: the difference is what crawling costs beyond parsing.

    python bench/crawl_throughput.py [--pages 2000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from crawlers.demo_site.render import PER_PAGE, render_site
from crawlers.demo_site.server import DemoServer
from crawlers.demo_site.story import Author, DemoPost
from crawlers.extract.page import extract_page
from crawlers.runner import run_crawl

PAGES_PER_THREAD = 10
CRAWL = {
    "user_agent": "koubei-bench/0.1 (+{contact})",
    "contact": "bench@koubei.local",
    "concurrency_per_domain": 16,
    "delay_seconds": 0,
    "max_response_mb": 10,
    "timeout_seconds": 30,
    "http_cache": False,
}


def synthetic_forum(thread_pages: int) -> list[DemoPost]:
    """Posts grouped by the renderer into threads of PAGES_PER_THREAD pages (one thread per
    brand and week), PER_PAGE floors a page, from 500 authors."""
    threads = -(-thread_pages // PAGES_PER_THREAD)
    brands = ["lumo", "qingshan", "fastbee"]
    posts = []
    for thread in range(threads):
        brand, week = brands[thread % 3], thread // 3
        for n in range(PAGES_PER_THREAD * PER_PAGE):
            author = Author(f"用户{(thread * 7 + n) % 500}", 10_000 + (thread * 7 + n) % 500, n * 3, 100 + n, "中级会员", -400)
            text = f"第{n + 1}楼：鲁莫外卖{'配送很快，推荐' if n % 3 else '配送太慢了，客服也不回'}。" * 3
            posts.append(DemoPost(week * 7 + n % 7, n % 24, n % 60, "discuz", author, text, brand, likes=n % 9))
    return posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000, help="thread pages (list pages come on top)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        render_site(tmp / "site", date(2026, 1, 1), synthetic_forum(args.pages))
        thread_files = sorted((tmp / "site" / "bbs").glob("thread-*.html"))
        all_files = sorted((tmp / "site" / "bbs").glob("*.html"))
        print(f"site: {len(thread_files)} thread pages, {len(all_files) - len(thread_files)} list pages")

        with DemoServer(tmp / "site") as base_url:
            source = {
                "id": "bench",
                "kind": "discuz",
                "start_urls": [f"{base_url}/bbs/forum-2-1.html"],
                "allow_private_network": True,
                "timezone": "Asia/Shanghai",
                "max_pages": 100_000,
                "max_depth": 1_000,
                "language": "zh",
            }
            started = time.perf_counter()
            stats = run_crawl(source, CRAWL, tmp / "staged.jsonl", timeout=1800)
            crawl_s = time.perf_counter() - started
        assert stats.ok, stats.errors

        zone = ZoneInfo("Asia/Shanghai")
        started = time.perf_counter()
        parsed_items = sum(
            len(extract_page(f.read_bytes(), f"http://127.0.0.1/bbs/{f.name}", "bench", zone).posts) for f in all_files
        )
        parse_s = time.perf_counter() - started
        staged = sum(1 for _ in (tmp / "staged.jsonl").open(encoding="utf-8"))

    print(json.dumps({"pages": stats.pages, "items": stats.items, "staged": staged, "errors": stats.errors}))
    print(
        f"scrapy crawl : {stats.pages / crawl_s:7.1f} pages/s {stats.items / crawl_s:8.1f} items/s  ({crawl_s:.1f}s, incl. process start)"
    )
    print(
        f"lxml parse   : {len(all_files) / parse_s:7.1f} pages/s {parsed_items / parse_s:8.1f} items/s  ({parse_s:.1f}s, same pages)"
    )
    print(f"crawling costs {crawl_s / parse_s:.1f}x the parse time alone")


if __name__ == "__main__":
    main()
