"""Precision and recall of brand matching and complaint-area detection on a labelled set.

A labelled post is ``{"text", "script", "brands": [ids], "aspects": [ids]}``, where
``aspects`` are the complaint areas a reader marks as complained about (a post without
``aspects`` is labelled for brands only and counts for brands only). Scores are micro
averages over (post, brand) and (post, complaint area) pairs, overall and per script.

Real customer text from the third-party sets in ../shared/data is labelled by reference,
``{"source", "sha1", ...}`` in place of ``"text"``: the text is read from the set at
evaluation time, so none of it is copied into this repository.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlp.text.matching import AspectMatcher, BrandMatcher


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0

    def add(self, text: str, gold: set[str], predicted: set[str]) -> None:
        self.true_positive += len(gold & predicted)
        self.false_positive += len(predicted - gold)
        self.false_negative += len(gold - predicted)
        for extra in sorted(predicted - gold):
            self.errors.append(f"false hit {extra}: {text}")
        for missed in sorted(gold - predicted):
            self.errors.append(f"missed {missed}: {text}")


class LabelledSetError(ValueError):
    """A labelled set whose referenced texts cannot be found."""


def load_labelled(path: Path) -> list[dict]:
    posts = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return resolve_references(posts) if any("text" not in p for p in posts) else posts


def resolve_references(posts: Sequence[dict], root: Path | None = None) -> list[dict]:
    """Posts labelled by reference get their text from the shared set named by ``source``,
    found by the SHA-1 of the (stripped) text; a missing set or text is a clear error."""
    from nlp.sentiment import datasets

    loaders = {
        "waimai_10k": datasets.load_waimai,
        "online_shopping": datasets.load_online_shopping,
        "customer_reviews_cr": datasets.load_customer_reviews,
    }
    root = root or datasets.shared_data_dir()
    texts: dict[tuple[str, str], str] = {}
    for source in sorted({p["source"] for p in posts if "text" not in p}):
        if source not in loaders:
            raise LabelledSetError(f"unknown source {source!r}; known: {', '.join(loaders)}")
        try:
            texts |= {(source, sha1_of(e.text)): e.text for e in loaders[source](root)}
        except FileNotFoundError as exc:
            raise LabelledSetError(f"{source}: the shared data set is not there ({exc.filename})") from None
    resolved = []
    for post in posts:
        if "text" not in post:
            key = (post["source"], post["sha1"])
            if key not in texts:
                raise LabelledSetError(f"{key[0]}: no text with SHA-1 {key[1]} (has the set changed?)")
            post = {**post, "text": texts[key]}
        resolved.append(post)
    return resolved


def sha1_of(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_labelled_sets(paths: Sequence[Path]) -> list[dict]:
    """Several labelled sets as one, each text once: a later set's labels of a text replace an
    earlier set's (an analyst's correction over the shipped label), in first-seen order."""
    by_text: dict[str, dict] = {}
    for path in paths:
        for post in load_labelled(path):
            by_text[post["text"]] = post
    return list(by_text.values())


def evaluate(
    posts: Sequence[dict], brands: BrandMatcher, aspects: AspectMatcher, model_areas: Sequence[Sequence[str]] | None = None
) -> dict[str, dict[str, Score]]:
    """{"brands": {"all": Score, "zh-Hans": Score, ...}, "aspects": {...}}; with ``model_areas``
    (the complaint-area model's areas per post) also "aspects+model": word lists and model."""
    tasks = ("brands", "aspects") if model_areas is None else ("brands", "aspects", "aspects+model")
    result: dict[str, dict[str, Score]] = {task: {} for task in tasks}
    for n, post in enumerate(posts):
        predicted = {"brands": set(brands.match(post["text"]))}
        if "aspects" in post:  # sets labelled for brands only leave the complaint areas out
            found = aspects.match(post["text"])
            predicted["aspects"] = {a["aspect"] for a in found if a["polarity"] == "negative"}
        if model_areas is not None and "aspects" in post:
            predicted["aspects+model"] = predicted["aspects"] or set(model_areas[n])  # the model fills gaps only
        for task in predicted:
            gold = set(post["brands" if task == "brands" else "aspects"])
            for group in ("all", post["script"]):
                result[task].setdefault(group, Score()).add(post["text"], gold, predicted[task])
    return result
