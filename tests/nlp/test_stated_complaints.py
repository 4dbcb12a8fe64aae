"""Posts read neutral whose words state a complaint read negative (nlp/sentiment/stated_complaints.py):
on the demo's flat English complaints, on freshly written flat posts, and on toy readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.analyze import TextReader
from flows.config import parse_config
from nlp.sentiment.scorer import BuiltinScorer, SentimentResult
from nlp.sentiment.stated_complaints import FLAG, settle

POSTS = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "flat_posts_en.jsonl").read_text(encoding="utf-8").splitlines()
]
CONFIG = parse_config(
    {
        "brands": [{"id": "lumo", "name": "Lumo", "aliases": {"zh-Hans": ["鲁莫"], "en": ["Lumo"]}}],
        "sources": [{"id": "s", "kind": "rss", "start_urls": ["https://example.com/f"]}],
    }
)


def test_only_a_neutral_reading_with_a_stated_complaint_moves():
    neutral = SentimentResult("neutral", 0.1, 0.6, 0.3)
    moved = settle(neutral, complaint_found=True)
    assert moved.label == "negative" and moved.flags == (FLAG,)
    assert moved.p_negative == pytest.approx(0.55) and moved.p_neutral / moved.p_positive == pytest.approx(2.0)
    assert settle(neutral, complaint_found=False) is neutral
    for label in ("negative", "positive"):  # praise with a mild complaint stays praise
        reading = SentimentResult(label, 0.4, 0.2, 0.4)
        assert settle(reading, complaint_found=True) is reading
    # even a reading wholly neutral ends negative: half the probability is enough
    assert settle(SentimentResult("neutral", 0.0, 1.0, 0.0), True).label == "negative"


@pytest.fixture(scope="module")
def read():
    scorer = BuiltinScorer(with_embeddings=True, runtime="onnx-int8")  # the pipeline's runtime
    reader = TextReader.from_config(CONFIG, scorer)
    texts = [p["text"] for p in POSTS]
    raw = scorer.score(texts)
    # what the word lists alone name (the complaint-area model adds its areas afterwards)
    named = [any(a["polarity"] == "negative" for a in reader.aspects.match(t)) for t in texts]
    return raw, [reader.read(t, r) for t, r in zip(texts, raw, strict=True)], named


def test_the_demos_flat_complaints_read_negative_and_say_why(read):
    raw, posts, _ = read
    demo = [(r, p) for r, p, post in zip(raw, posts, POSTS, strict=True) if post["from"] == "demo"]
    # measured: the model reads all three neutral (p_negative 0.19, 0.44, 0.23)
    assert all(r.label == "neutral" for r, _ in demo)
    for _, post in demo:
        assert post["label"] == "negative" and FLAG in post["flags"] and post["aspects"], post
    # the post's refund now counts as an escalation: it is no longer read as thanks
    assert "churn_or_escalation" in posts[0]["intents"]


def test_written_flat_posts_move_only_where_the_lists_name_a_complaint(read):
    raw, posts, named = read
    written = [(r, p, post) for r, p, post in zip(raw, posts, POSTS, strict=True) if post["from"] == "written"]
    for r, p, lists_named in zip(raw, posts, named, strict=True):
        assert (FLAG in p["flags"]) == (r.label == "neutral" and lists_named)
    # measured: no written neutral post (questions, announcements) is moved, and 15 of 22
    # written complaints read negative with or without the rule (the lists name none of the
    # 4 read neutral: the model's English, issue #2)
    assert not any(FLAG in p["flags"] for _, p, post in written if post["kind"] == "neutral")
    assert sum(p["label"] == "negative" for _, p, post in written if post["kind"] == "complaint") >= 14
