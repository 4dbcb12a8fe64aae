"""Precision and recall of brand matching and complaint-area detection on a labelled set.

A labelled post is ``{"text", "script", "brands": [ids], "aspects": [ids]}``, where
``aspects`` are the complaint areas a reader marks as complained about. Scores are micro
averages over (post, brand) and (post, complaint area) pairs, overall and per script.
"""

from __future__ import annotations

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


def load_labelled(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


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
        found = aspects.match(post["text"])
        predicted = {
            "brands": set(brands.match(post["text"])),
            "aspects": {a["aspect"] for a in found if a["polarity"] == "negative"},
        }
        if model_areas is not None:
            predicted["aspects+model"] = predicted["aspects"] or set(model_areas[n])  # the model fills gaps only
        for task in tasks:
            gold = set(post["brands" if task == "brands" else "aspects"])
            for group in ("all", post["script"]):
                result[task].setdefault(group, Score()).add(post["text"], gold, predicted[task])
    return result
