"""Text-layer throughput on one core: cleaning + language/script + brands + aspects + intents
over 20,000 mixed zh-Hans / zh-Hant / en posts, next to cleaning alone (the baseline) in
the same run.

    python bench/text_throughput.py [--posts 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from crawlers.demo_site.demo_config import demo_brands_config
from nlp.sentiment.datasets import load_all, to_traditional
from nlp.text.intents import match_intents
from nlp.text.language import detect_language, detect_script
from nlp.text.matching import AspectMatcher, BrandMatcher
from nlp.text.normalize import clean_text


def posts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    pool = load_all()
    zh = [e for e in pool if e.script == "zh-Hans"]
    en = [e.text for e in pool if e.script == "en"]
    chosen = (
        [e.text for e in rng.sample(zh, n // 2)]
        + [e.text for e in to_traditional(rng.sample(zh, n // 4))]
        + rng.choices(en, k=n - n // 2 - n // 4)
    )
    brands = ["鲁莫", "魯莫", "Lumo", "青山茶饮", "快蜂"]
    return [f"{rng.choice(brands)} {t}" if rng.random() < 0.6 else t for t in chosen]


def read_post(raw: str, brands: BrandMatcher, aspects: AspectMatcher) -> None:
    """The text layer's work on one post, as the analyze stage does it."""
    text = clean_text(raw)
    language = detect_language(text)
    detect_script(text) if language == "zh" else None
    brands.match(text)
    aspects.match(text)
    match_intents(text, "positive")  # the longest cue list: loyalty is read in posts that are not negative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20_000)
    args = parser.parse_args()
    config = demo_brands_config()
    brands, aspects = BrandMatcher(config.brands), AspectMatcher(config.aspect_taxonomy())
    texts = posts(args.posts)
    started = time.perf_counter()
    for t in texts:
        clean_text(t)
    clean_s = time.perf_counter() - started
    started = time.perf_counter()
    for t in texts:
        read_post(t, brands, aspects)
    full_s = time.perf_counter() - started
    print(f"{len(texts)} posts on one core")
    print(f"clean_text alone: {clean_s:.1f}s")
    print(f"text_posts_per_s={len(texts) / full_s:.0f} clean_only_posts_per_s={len(texts) / clean_s:.0f}")


if __name__ == "__main__":
    main()
