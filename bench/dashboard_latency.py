"""Dashboard page render time on a warehouse of 1,000,000 synthetic posts, next to the same
pages on a 10,000-post warehouse built the same way in the same run (the baseline).

Render time is the server side of a page view: Streamlit runs the page script (every query
and chart spec) under AppTest, logged in as an admin. The browser's drawing is not included.
The target is under 2 seconds a page.

    python bench/dashboard_latency.py [--posts 1000000] [--baseline-posts 10000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

from dashboard.auth import hash_password
from warehouse.db import writer

PAGES = ["views/inbox.py", "views/overview.py", "views/complaints.py", "views/people.py", "views/posts.py", "views/runs.py"]
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
BRANDS = ["lumo", "qingshan", "fastbee"]
ASPECTS = ["delivery", "product_quality", "customer_service", "price_billing", "privacy", "refunds_returns"]


def build_warehouse(path: Path, posts: int) -> None:
    """Synthetic but shaped like real data: 90 days, 7 sources, 3 brands, 5% of posts per author."""
    authors = max(posts // 20, 10)
    with writer(path) as con:
        con.execute(
            "INSERT INTO brands VALUES ('lumo', 'Lumo', false), ('qingshan', 'Qingshan', false), ('fastbee', 'FastBee', true)"
        )
        con.execute(
            "INSERT INTO sources SELECT 'src' || i, 'discuz', 'https://forum' || i || '.example.com/', now() FROM range(7) t(i)"
        )
        con.execute(
            """INSERT INTO authors SELECT 'a' || i, 'src' || (i % 7), CAST(i AS VARCHAR), 'user' || i,
                      'https://forum.example.com/u/' || i, i % 5000, i % 300, NULL, TIMESTAMPTZ '2026-08-01', now()
               FROM range(?) t(i)""",
            [authors],
        )
        con.execute(
            """INSERT INTO posts (post_key, source_id, kind, platform_id, url, thread_id, thread_title, floor, author_key,
                                  published_at, local_day, fetched_at, text_raw, text_clean, likes, replies, views,
                                  language_hint, content_hash, first_run_id)
               SELECT 'p' || i, 'src' || (i % 7), 'post', CAST(i AS VARCHAR), 'https://forum.example.com/t/' || (i // 20),
                      CAST(i // 20 AS VARCHAR), 'thread ' || (i // 20), i % 20 + 1, 'a' || (i % ?),
                      TIMESTAMPTZ '2026-08-24 00:00:00+00' + to_seconds(CAST(i * (90 * 86400 // ?) AS BIGINT)),
                      CAST(TIMESTAMPTZ '2026-08-24 00:00:00+00' + to_seconds(CAST(i * (90 * 86400 // ?) AS BIGINT)) AS DATE),
                      now(), '鲁莫外卖第' || i || '条评论，配送' || CASE WHEN i % 3 = 0 THEN '太慢了' ELSE '很快' END,
                      '鲁莫外卖第' || i || '条评论,配送' || CASE WHEN i % 3 = 0 THEN '太慢了' ELSE '很快' END,
                      i % 40, i % 9, i % 900, 'zh', 'h' || i, 'bench'
               FROM range(?) t(i)""",
            [authors, posts, posts, posts],
        )
        con.execute(
            """INSERT INTO post_analysis (post_key, model_id, model_version, language, script, brands, aspects, intents,
                                          label, p_negative, p_neutral, p_positive, flags, content_hash, analyzed_at)
               SELECT 'p' || i, 'builtin', 'bench', 'zh', 'zh-Hans', [?[i % 3 + 1]],
                      CASE WHEN i % 3 = 0 THEN [{'aspect': ?[i % 6 + 1], 'polarity': 'negative'}]
                           ELSE [{'aspect': 'delivery', 'polarity': 'positive'}] END,
                      [], CASE WHEN i % 3 = 0 THEN 'negative' WHEN i % 3 = 1 THEN 'positive' ELSE 'neutral' END,
                      CASE WHEN i % 3 = 0 THEN 0.9 ELSE 0.1 END, 0.05, 0.05, [], 'h' || i, now()
               FROM range(?) t(i)""",
            [BRANDS, ASPECTS, posts],
        )
        con.execute(
            """INSERT INTO author_scores
               SELECT d::DATE, b, 'a' || i, (i % 100) / 100.0, 10, 6, 3, 1, (i % 97) / 97.0, (i % 89) / 89.0
               FROM range(DATE '2026-11-14', DATE '2026-11-22', INTERVAL 1 DAY) r(d), unnest(?) u(b), range(LEAST(?, 2000)) t(i)""",
            [BRANDS, authors],
        )
        con.execute(
            """INSERT INTO post_risk SELECT post_key, brands[1], CAST(published_at AS DATE), p_negative, 1.0, 1.0, p_negative
               FROM posts JOIN post_analysis USING (post_key) WHERE label = 'negative' AND published_at > TIMESTAMPTZ '2026-11-01'"""
        )
        con.execute(
            # columns named: migrations add columns to alerts (peak_day, reason_zh ...)
            """INSERT INTO alerts (alert_id, brand_id, rule, window_key, day, last_day, severity, status, reason, thresholds,
                                  evidence, opened_at, updated_at, notified_state)
               SELECT 'alert' || i, 'lumo', 'negative_spike', 'w' || i, DATE '2026-11-15', DATE '2026-11-21',
                      'high', 'open', 'spike ' || i, '{}', (SELECT list('p' || j) FROM range(i * 20, i * 20 + 20) s(j)), now(), now(), NULL
               FROM range(6) t(i)"""
        )
        con.execute(
            """INSERT INTO crawl_runs (run_id, source_id, flow, run_date, started_at, finished_at, status, pages, items,
                                      rejected, loaded, errors, staging_file)
               SELECT 'run' || d, 'src' || s, 'daily', DATE '2026-11-21' - CAST(d AS INTEGER), now(), now(), 'loaded',
                      100, 1000, 0, 1000, '{}', NULL FROM range(90) a(d), range(7) b(s)"""
        )


def write_config(tmp: Path, db: Path) -> Path:
    config = {
        "brands": [{"id": b, "name": b, "aliases": {"zh-Hans": [b]}} for b in BRANDS],
        "sources": [{"id": f"src{i}", "kind": "discuz", "start_urls": [f"https://forum{i}.example.com/"]} for i in range(7)],
        "warehouse": {"path": str(db), "staging_dir": str(tmp / "staging")},
        "dashboard": {"users": [{"name": "bench", "role": "admin", "password_hash": hash_password("bench-password")}]},
    }
    path = db.with_suffix(".yaml")
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def page_times(config_path: Path, repeats: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    os.environ["KOUBEI_CONFIG"] = str(config_path)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.text_input(key="login_name").input("bench")
    at.text_input(key="login_password").input("bench-password")
    at.button[0].click().run()
    times = {}
    for page in PAGES:
        best = float("inf")
        for _ in range(repeats):  # best of N: the first view also pays Python imports
            started = time.perf_counter()
            at.switch_page(page).run()
            best = min(best, time.perf_counter() - started)
            assert not at.exception, (page, at.exception)
        times[page] = best
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--baseline-posts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results = {}
        for label, count in (("baseline", args.baseline_posts), ("large", args.posts)):
            db = tmp / f"{label}.duckdb"
            started = time.perf_counter()
            build_warehouse(db, count)
            print(f"built {label} warehouse: {count:,} posts in {time.perf_counter() - started:.1f}s")
            results[label] = page_times(write_config(tmp, db), args.repeats)
    print(f"\n{'page':<22}{f'{args.baseline_posts:,} posts':>16}{f'{args.posts:,} posts':>18}  target < 2 s")
    for page in PAGES:
        small, large = results["baseline"][page], results["large"][page]
        print(f"{page:<22}{small:>15.2f}s{large:>17.2f}s  {'ok' if large < 2 else 'SLOW'}")


if __name__ == "__main__":
    main()
