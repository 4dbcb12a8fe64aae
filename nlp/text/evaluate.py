"""Precision and recall of brand matching, complaint-area detection and intents on labelled sets.

A labelled post is ``{"text", "script", "brands": [ids], "aspects": [ids], "intents": [ids]}``,
where ``aspects`` are the complaint areas a reader marks as complained about and ``intents``
what the writer states (churn_or_escalation, recommend). A post counts only for the tasks
it is labelled for (a set labelled for brands only leaves complaint areas out). Scores are
micro averages over (post, brand), (post, complaint area) and (post, intent) pairs, overall
and per script; complaint areas also per area (``AREA_GROUP`` + the area's id), because the
complaint Pareto compares areas with one another: an area found less often than the others
is a bar drawn too short.

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

from nlp.text.intents import INTENTS, match_intents
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


AREA_GROUP = "area "


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
    posts: Sequence[dict],
    brands: BrandMatcher,
    aspects: AspectMatcher,
    model_areas: Sequence[Sequence[str]] | None = None,
    sentiment_labels: Sequence[str] | None = None,
) -> dict[str, dict[str, Score]]:
    """{"brands": {"all": Score, "zh-Hans": Score, ...}, "aspects": {...}, ...}: each task over
    the posts labelled for it. With ``model_areas`` (the complaint-area model's areas per post)
    also "aspects+model": word lists and model. Intents are scored one by one ("intent
    churn_or_escalation", "intent recommend"), as their uses differ (risk, advocacy); with
    ``sentiment_labels`` (the sentiment model's label per post) loyalty counts as in production
    (nlp/text/intents.py), without them it does not count."""
    result: dict[str, dict[str, Score]] = {}
    for n, post in enumerate(posts):
        text = post["text"]
        judged: dict[str, tuple[set[str], set[str]]] = {}  # task -> (gold, predicted)
        if "brands" in post:
            judged["brands"] = set(post["brands"]), set(brands.match(text))
        if "aspects" in post:
            found = {a["aspect"] for a in aspects.match(text) if a["polarity"] == "negative"}
            judged["aspects"] = set(post["aspects"]), found
            if model_areas is not None:
                judged["aspects+model"] = set(post["aspects"]), found or set(model_areas[n])  # the model fills gaps only
        if "intents" in post:
            stated = match_intents(text, sentiment_labels[n] if sentiment_labels else None)
            for intent in INTENTS:
                judged[f"intent {intent}"] = {intent} & set(post["intents"]), {intent} & set(stated)
        for task, (gold, predicted) in judged.items():
            for group in ("all", post["script"]):
                result.setdefault(task, {}).setdefault(group, Score()).add(text, gold, predicted)
            if task.startswith("aspects"):
                for area in gold | predicted:
                    result[task].setdefault(AREA_GROUP + area, Score()).add(text, gold & {area}, predicted & {area})
    return result
