"""Run one source's crawl; ``run_crawl`` starts it in its own subprocess.

Twisted's reactor cannot be restarted inside one process, so every crawl gets a
fresh Python process (``python -m crawlers.runner``); its stats come back as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass
class CrawlStats:
    pages: int = 0
    items: int = 0
    rejected: int = 0
    skipped_old: int = 0  # posts older than the crawl's "since": already stored
    not_modified: int = 0  # responses (robots.txt too) answered from the HTTP cache: fresh, or revalidated by a 304
    errors: dict[str, int] = field(default_factory=dict)
    returncode: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _stats_from(raw: dict) -> CrawlStats:
    errors = {k.split("/", 2)[2]: v for k, v in raw.items() if k.startswith("koubei/errors/")}
    for key, value in raw.items():
        if key.startswith("downloader/exception_type_count/"):
            errors[key.rsplit(".", 1)[-1]] = value
        if key == "robotstxt/forbidden":
            errors["robots_forbidden"] = value
    return CrawlStats(
        pages=raw.get("koubei/pages", 0),
        items=raw.get("koubei/items", 0),
        rejected=raw.get("koubei/rejected", 0),
        skipped_old=raw.get("koubei/skipped_old", 0),
        not_modified=raw.get("httpcache/hit", 0) + raw.get("httpcache/revalidate", 0),
        errors=errors,
    )


def run_crawl(
    source: dict,
    crawl: dict,
    staging_file: Path,
    timeout: float = 3600,
    state_dir: Path | None = None,
    since: datetime | None = None,
) -> CrawlStats:
    """Crawl one source in a subprocess; stats are read from ``<staging>.stats.json``.

    ``state_dir`` keeps the source's HTTP cache between crawls (when the crawl config enables
    it); posts published before ``since`` are not staged (they are stored already).
    """
    stats_file = staging_file.with_suffix(".stats.json")
    stats_file.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "crawlers.runner",
        "--source",
        json.dumps(source),
        "--crawl",
        json.dumps(crawl),
        "--out",
        str(staging_file),
    ]
    if state_dir is not None:
        cmd += ["--state-dir", str(state_dir)]
    if since is not None:
        cmd += ["--since", since.isoformat()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        code, tail = proc.returncode, proc.stderr[-2000:]
    except subprocess.TimeoutExpired:
        code, tail = -9, "crawl timed out"
    stats = _stats_from(json.loads(stats_file.read_text())) if stats_file.exists() else CrawlStats()
    stats.returncode = code
    if code != 0:
        stats.errors["crawler_exit"] = stats.errors.get("crawler_exit", 0) + 1
        stats.errors[f"stderr: {tail.strip().splitlines()[-1][:200] if tail.strip() else code}"] = 1
    return stats


def _settings(source: dict, crawl: dict, out: Path, state_dir: Path | None = None, since: str | None = None):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawlers.settings")
    settings.set("USER_AGENT", crawl["user_agent"].format(contact=crawl["contact"]))
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", crawl["concurrency_per_domain"])
    settings.set("DOWNLOAD_DELAY", crawl["delay_seconds"])
    settings.set("AUTOTHROTTLE_START_DELAY", max(crawl["delay_seconds"], 0.01))
    settings.set("DOWNLOAD_MAXSIZE", crawl["max_response_mb"] * 1024 * 1024)
    settings.set("DOWNLOAD_TIMEOUT", crawl["timeout_seconds"])
    settings.set("CLOSESPIDER_PAGECOUNT", source["max_pages"])
    settings.set("DEPTH_LIMIT", source["max_depth"])
    settings.set("KOUBEI_STAGING_FILE", str(out))
    settings.set("KOUBEI_SINCE", since)
    if state_dir is not None and crawl.get("http_cache", True):
        # RFC 2616 policy: a page whose copy is stale is asked for with If-None-Match /
        # If-Modified-Since, so an unchanged page costs a 304 and no body.
        settings.set("HTTPCACHE_ENABLED", True)
        settings.set("HTTPCACHE_POLICY", "scrapy.extensions.httpcache.RFC2616Policy")
        settings.set("HTTPCACHE_DIR", str((state_dir / source["id"] / "httpcache").resolve()))
    return settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--crawl", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--since")
    args = parser.parse_args()
    source, crawl = json.loads(args.source), json.loads(args.crawl)
    from scrapy.crawler import CrawlerProcess

    from crawlers.spiders.source import SourceSpider

    process = CrawlerProcess(_settings(source, crawl, args.out, args.state_dir, args.since), install_root_handler=True)
    crawler = process.create_crawler(SourceSpider)
    process.crawl(crawler, source_json=json.dumps(source))
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float)}
    args.out.with_suffix(".stats.json").write_text(json.dumps(stats))


if __name__ == "__main__":
    main()
