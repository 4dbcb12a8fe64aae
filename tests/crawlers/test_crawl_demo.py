"""Real Scrapy crawls, each in its own subprocess, against the demo site on 127.0.0.1."""

import json
from collections import Counter

import pytest

from crawlers.demo_site.story import build_story
from crawlers.runner import run_crawl

CRAWL = {
    "user_agent": "koubei-test/0.1 (+{contact})",
    "contact": "test@koubei.local",
    "concurrency_per_domain": 8,
    "delay_seconds": 0,
    "max_response_mb": 10,
    "timeout_seconds": 10,
}


def _source(sid, url, **extra):
    return {
        "id": sid,
        "kind": "structured",
        "start_urls": [url],
        "allow_private_network": True,
        "timezone": "Asia/Shanghai",
        "max_pages": 500,
        "max_depth": 6,
        "language": "auto",
        **extra,
    }


def _staged(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def expected():
    return Counter(p.site for p in build_story())


@pytest.mark.parametrize(
    ("site", "path"),
    [
        ("discuz", "/bbs/forum-2-1.html"),
        ("phpbb", "/phpbb/viewforum.php?f=1"),
        ("reviews", "/reviews/index.html"),
        ("rss", "/rss/feed.xml"),
    ],
)
def test_every_demo_source_is_crawled_completely(demo_site, tmp_path, expected, site, path):
    base_url = demo_site[0]
    out = tmp_path / f"{site}.jsonl"
    stats = run_crawl(_source(site, base_url + path), CRAWL, out)
    items = _staged(out)
    assert stats.ok and stats.rejected == 0
    assert len(items) == expected[site] == stats.items
    assert len({(i.get("platform_id"), i["url"]) for i in items}) == len(items)
    assert all((i["published_at"] and i["published_at"].endswith("Z")) or "+00:00" in i["published_at"] for i in items)


def test_gbk_discuz_thread_with_sidebar_figures(demo_site, tmp_path):
    out = tmp_path / "bbs.jsonl"
    run_crawl(_source("bbs", demo_site[0] + "/bbs/forum-2-1.html"), CRAWL, out)
    items = _staged(out)
    origin = next(i for i in items if i["author_name"] == "数码老王")
    assert origin["author_followers"] == 52000 and origin["author_posts"] == 3811 and origin["author_rank"] == "版主"
    assert origin["text"].startswith("【曝光】鲁莫外卖最近配送严重延迟")
    assert "本帖最后由" not in origin["text"] and "马上注册" not in origin["text"]
    assert origin["floor"] == 1 and origin["thread_title"].startswith("【曝光】")
    replies = [i for i in items if i["thread_id"] == origin["thread_id"] and i["floor"] > 1]
    assert replies and all(r["parent_platform_id"] == origin["platform_id"] for r in replies if r["floor"] <= 10)
    assert any("魯莫" in i["text"] or "體" in i["text"] for i in items), "Traditional posts decode from GBK"


def test_robots_txt_is_obeyed(demo_site, tmp_path):
    out = tmp_path / "private.jsonl"
    stats = run_crawl(_source("private", demo_site[0] + "/private/secret.html"), CRAWL, out)
    assert stats.pages == 0 and stats.errors.get("robots_forbidden", 0) >= 1


def test_private_addresses_are_refused_without_opt_in(demo_site, tmp_path):
    out = tmp_path / "refused.jsonl"
    stats = run_crawl(_source("refused", demo_site[0] + "/rss/feed.xml", allow_private_network=False), CRAWL, out)
    assert stats.pages == 0 and stats.errors.get("UnsafeAddress", 0) >= 1


def test_second_crawl_revalidates_unchanged_pages_and_stages_only_new_posts(demo_site, tmp_path):
    from datetime import datetime

    base_url = demo_site[0]
    source = _source("discuz", base_url + "/bbs/forum-2-1.html")
    state = tmp_path / "state"
    first = run_crawl(source, CRAWL, tmp_path / "first.jsonl", state_dir=state)
    staged = _staged(tmp_path / "first.jsonl")
    assert first.ok and first.not_modified == 0 and first.items == len(staged) > 0
    assert (state / "discuz" / "httpcache").is_dir()

    newest = max(datetime.fromisoformat(item["published_at"]) for item in staged)
    second = run_crawl(source, CRAWL, tmp_path / "second.jsonl", state_dir=state, since=newest)
    assert second.ok and second.pages == first.pages
    assert second.not_modified == second.pages + 1  # every page, and robots.txt, answered by a 304
    new_again = _staged(tmp_path / "second.jsonl")
    assert [item["published_at"] for item in new_again] == [newest.isoformat().replace("+00:00", "Z")]
    assert second.skipped_old == first.items - 1
