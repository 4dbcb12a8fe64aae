"""Hostile posts against ordinary ones of the same length: the text layer (cleaning, language,
brands, complaint areas, intents) on one post of 100,000 characters (crawlers/items.py's limit)
of each hostile shape, next to an ordinary post of real reviews as long (the baseline); and
the coordinated-posting search on a flood of 3,000 near-copies next to 3,000 distinct posts.
Each shape was quadratic once (7 s to minutes; docs/decisions.md, "Hostile text"): a ratio far
above 1 says one has come back.

    python bench/hostile_text.py
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OMP_NUM_THREADS", "1")

from text_throughput import read_post  # bench/ is the script's own folder on sys.path

from crawlers.demo_site.demo_config import demo_brands_config
from crawlers.items import MAX_TEXT_CHARS
from nlp.sentiment.datasets import load_all
from nlp.text.duplicates import PostRef, coordinated_clusters
from nlp.text.matching import AspectMatcher, BrandMatcher

N = MAX_TEXT_CHARS
SHAPES = {
    "underscores (e-mail masking)": "_" * N,
    "digits": "1" * N,
    "one Han character": "鲁" * N,
    "a:a:a: (spaCy infixes)": "a:" * (N // 2),
    "鲁a:鲁a: (spaCy infixes)": "鲁a:" * (N // 3),
    "delivery late (pairs in one clause)": "delivery late " * (N // 14),
    "送餐太慢 (terms in one clause)": "送餐太慢" * (N // 4),
    "售后反应慢 (nested targets)": "售后反应慢" * (N // 5),
    "分钟才 + numerals (a slot's run)": "分钟才" + "一" * N,
}


def ordinary_post(seed: int = 5) -> str:
    """Real reviews joined into one post of N characters."""
    rng, pool, parts, size = random.Random(seed), [e.text for e in load_all()], [], 0
    while size < N:
        parts.append(rng.choice(pool))
        size += len(parts[-1]) + 1
    return "\n".join(parts)[:N]


def seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    config = demo_brands_config()
    brands, aspects = BrandMatcher(config.brands), AspectMatcher(config.aspect_taxonomy())
    read_post("warm up: spaCy and the pinyin table load once (lumo a:b)", brands, aspects)
    baseline = seconds(lambda: read_post(ordinary_post(), brands, aspects))
    print(f"one post of {N:,} characters, one core; baseline (ordinary reviews): {baseline:.2f}s")
    for name, text in SHAPES.items():
        took = seconds(lambda text=text: read_post(text, brands, aspects))
        print(f"  {name:40s} {took:6.2f}s  x{took / baseline:.1f}")
    start = datetime(2026, 11, 12, 9, tzinfo=UTC)
    copy = "鲁莫外卖最近配送严重延迟，我的订单等了三个多小时才到，怀疑鲁莫泄露了用户手机号！已经投诉到12315"
    flood = [PostRef(f"f{i}", f"bot{i}", start + timedelta(seconds=50 * i), f"{copy}{i % 7}", start) for i in range(3000)]
    reviews = random.Random(6).sample([e.text for e in load_all() if len(e.text) >= 12], 3000)
    distinct = [PostRef(f"d{i}", f"a{i}", start + timedelta(seconds=50 * i), t, start) for i, t in enumerate(reviews)]
    flood_s, distinct_s = seconds(lambda: coordinated_clusters(flood)), seconds(lambda: coordinated_clusters(distinct))
    print(f"coordinated posting: 3,000 near-copies {flood_s:.2f}s vs 3,000 distinct reviews {distinct_s:.2f}s")


if __name__ == "__main__":
    main()
