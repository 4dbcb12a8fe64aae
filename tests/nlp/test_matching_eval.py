"""Brand matching and complaint-area detection against the labelled sets in tests/nlp/data/,
through the command that reports them (koubei matching-eval)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from nlp.text.evaluate import LabelledSetError, load_labelled, resolve_references, sha1_of

DATA = Path(__file__).parent / "data"


def _scores(data: Path, config: Path = DATA / "matching_brands.yaml") -> dict[tuple[str, str], tuple[float, float]]:
    result = CliRunner().invoke(app, ["matching-eval", "--data", str(data), "-c", str(config)])
    assert result.exit_code == 0, result.output
    # result.output also carries the model loader's progress lines: keep the table's rows
    rows = [line.split("\t") for line in result.stdout.splitlines() if line.count("\t") == 6][1:]
    return {(task, script): (float(p), float(r)) for task, script, p, r, *_ in rows}


def test_labelled_set_is_big_enough_and_covers_both_scripts_and_traps():
    posts = [json.loads(line) for line in (DATA / "matching_set.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(posts) >= 300
    assert {p["script"] for p in posts} == {"zh-Hans", "zh-Hant", "en"}
    assert sum(1 for p in posts if not p["brands"]) >= 20  # fruit, grain, scenery, brand-less complaints


@pytest.mark.parametrize("script", ["all", "zh-Hans", "zh-Hant", "en"])
def test_matching_meets_its_targets_on_the_labelled_set(script):
    scores = _scores(DATA / "matching_set.jsonl")
    # the labelled set trains the complaint-area model: this guards the system on its own
    # data against regressions; the held-out test below is the honest figure
    for task in ("brands", "aspects+model"):
        precision, recall = scores[(task, script)]
        assert precision >= 0.9 and recall >= 0.85, (task, script, precision, recall)


def test_by_area_splits_the_complaint_areas_by_area():
    """--by-area counts each (post, area) pair under its own area: every labelled area's pairs
    are there, and the areas add up to the overall row (the Pareto compares areas, so an area
    found less often than the others must show)."""
    args = ["matching-eval", "--data", str(DATA / "matching_set.jsonl"), "--no-model", "--by-area"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    overall, by_area = result.stdout.split("\n\n")
    totals = next(row.split("\t") for row in overall.splitlines() if row.startswith("aspects\tall\t"))
    areas = {cells[1]: list(map(int, cells[4:])) for cells in (row.split("\t") for row in by_area.splitlines()[1:])}
    gold = Counter(area for post in load_labelled(DATA / "matching_set.jsonl") for area in post["aspects"])
    assert {area: tp + fn for area, (tp, _, fn) in areas.items() if tp + fn} == gold
    assert [sum(counts[i] for counts in areas.values()) for i in range(3)] == list(map(int, totals[4:]))


def test_held_out_set_floor():
    """60 posts written after the word lists were last changed and before the complaint-area
    model was last trained, never trained on (the fourth such set: the three before it guided
    changes and joined the labelled set). It avoids the words the lists know, so word lists
    alone find an eighth of its areas. Measured: 0.83 / 0.63 with the embedding-only model,
    0.92 / 0.73 since the model reads character n-grams too, 0.97 / 0.73 and 1.00 / 0.75 with
    more real reviews to learn from, 0.91 / 0.63 on the 6-layer student's embedding (48 areas:
    3 of them). It was one of the two figures that chose the n-grams (docs/decisions.md), so
    the real reviews below are the honest ones."""
    scores = _scores(DATA / "matching_heldout.jsonl")
    brand_precision, brand_recall = scores[("brands", "all")]
    assert brand_precision >= 0.95 and brand_recall == 1.0
    precision, recall = scores[("aspects", "all")]  # word lists alone
    assert precision >= 0.9 and recall >= 0.1, (precision, recall)
    precision, recall = scores[("aspects+model", "all")]  # with the complaint-area model
    assert precision >= 0.9 and recall >= 0.6, (precision, recall)


def _real_posts() -> list[dict]:
    return load_labelled(DATA / "matching_real_tune.jsonl") + load_labelled(DATA / "matching_real_heldout.jsonl")


def test_real_reviews_are_dev_rows_of_the_shared_sets_read_in_place(shared_data):
    from nlp.sentiment import datasets

    posts = _real_posts()
    assert len(posts) >= 250 and {p["script"] for p in posts} == {"zh-Hans", "en"}
    stored = [json.loads(line) for f in DATA.glob("matching_real_*.jsonl") for line in f.read_text("utf-8").splitlines()]
    assert not any("text" in p for p in stored)  # third-party text stays in ../shared/data
    splits = {
        (e.source, sha1_of(e.text)): e.split
        for loader in (datasets.load_waimai, datasets.load_online_shopping, datasets.load_customer_reviews)
        for e in loader(shared_data)
    }
    # dev rows only: the sentiment model, whose label gates the complaint-area model, never trained on them
    assert {splits[(p["source"], p["sha1"])] for p in posts} == {"dev"}
    # every complaint-area set, the blind draws included, holds dev rows; no row is in two sets
    # (the brand sets, labelled for brands only, drew fruit reviews from every split)
    keys = [(p["source"], p["sha1"]) for p in stored]
    areas = [(p["source"], p["sha1"]) for p in stored if "aspects" in p]
    assert {splits[key] for key in areas} == {"dev"} and len(keys) == len(set(keys))


def test_real_reviews_held_out_floor(shared_data):
    """272 real reviews labelled after every change they measure, drawn by SHA-1 order from
    dev rows the tune set does not hold (docs/decisions.md). The first 127 were measured once
    before anything else: word lists 0.93 / 0.31, with the model 0.85 / 0.60 (the commit
    before: 0.92 / 0.26 and 0.86 / 0.60); then, with two rounds of 145 more labelled real
    reviews in the model's training data, 0.87 / 0.69 (one word-list fix came from reading its
    misses: +0.01 P). The other 145 are blind (a fifth round, labelled, that no decision
    looked at): 0.91 / 0.73 with the model (the session's starting commit: 0.86 / 0.59). All
    272: word lists 0.92 / 0.29, with the model 0.89 / 0.71. Floors a post or two below.
    Brand precision says little here: one real brand mention (Apple in an English review)
    against two 苹果 fruit reviews (0.33 until 苹果 required product words; the real brand
    sets below measure brands)."""
    scores = _scores(DATA / "matching_real_heldout.jsonl")
    precision, recall = scores[("brands", "all")]
    assert precision == 1.0 and recall == 1.0, (precision, recall)
    precision, recall = scores[("aspects", "all")]
    assert precision >= 0.9 and recall >= 0.28, (precision, recall)
    precision, recall = scores[("aspects+model", "all")]
    assert precision >= 0.88 and recall >= 0.7, (precision, recall)


def test_real_brand_sets_hold_company_mentions_and_fruit_traps(shared_data):
    """209 real reviews that name 苹果, 小米 or apple, labelled for brands only: every such row
    of the tablet, computer and other non-fruit categories of online_shopping, of waimai_10k
    and of customer_reviews_cr that no other labelled set held, and the first 100 fruit
    reviews by SHA-1; split in halves by the last digit of the SHA-1 before anything changed."""
    for half in ("tune", "heldout"):
        posts = load_labelled(DATA / f"matching_real_brands_{half}.jsonl")
        assert not any("aspects" in p for p in posts)
        assert sum(1 for p in posts if not p["brands"]) >= 40  # fruit, grain, a book's characters
        assert {b for p in posts for b in p["brands"]} == {"apple", "xiaomi"}
        assert {p["script"] for p in posts} == {"zh-Hans", "en"}


@pytest.mark.parametrize(("half", "floor"), [("tune", (0.98, 0.94)), ("heldout", (0.95, 0.93))])
def test_real_brand_mentions_floor(shared_data, half, floor):
    """Measured before the change (fruit exclusion words only): tune 0.79 / 0.98, held-out
    0.79 / 1.00 (most 苹果 in fruit reviews read as the company). With product words required
    for 苹果 and 小米, chosen on the tune half, the written sets and the fruit reviews outside
    the held-out half (4 of 1,160 still read as the company): tune 1.00 / 0.96, held-out
    0.98 / 0.96 (docs/decisions.md). Floors a post below."""
    precision, recall = _scores(DATA / f"matching_real_brands_{half}.jsonl")[("brands", "all")]
    assert precision >= floor[0] and recall >= floor[1], (precision, recall)


def test_a_reference_the_shared_sets_lack_is_a_clear_error(shared_data, tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    post = {"source": "waimai_10k", "sha1": "0" * 40, "script": "zh-Hans", "brands": [], "aspects": []}
    labelled.write_text(json.dumps(post) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["matching-eval", "--data", str(labelled), "--no-model"])
    assert result.exit_code == 2 and "no text with SHA-1 0000" in result.output
    with pytest.raises(LabelledSetError, match="unknown source 'weibo'"):
        resolve_references([{**post, "source": "weibo"}])
    with pytest.raises(LabelledSetError, match="not there"):
        resolve_references([post], root=tmp_path)


def test_real_intent_sets_are_dev_rows_labelled_for_intents_only(shared_data):
    """728 real reviews labelled for what the writer states: leaving or escalating (will not
    buy again, refunds, returns, exchanges, complaints to the platform or a regulator) and
    recommending (to others, or buying again because they like it, loyalty included); a
    warning ("do not buy") or past loyalty told in a complaint is neither. Drawn by SHA-1
    order from dev rows no other real set holds, in three rounds (docs/decisions.md,
    "Intents"): 320 (session 12), then 138, 135 and 135 (session 14, mostly positive reviews,
    where recommendations are); the last round is the held-out set, labelled before it was
    read by any cue written in session 14."""
    from nlp.sentiment import datasets

    posts = load_labelled(DATA / "intents_real_tune.jsonl") + load_labelled(DATA / "intents_real_heldout.jsonl")
    assert len(posts) == 728 and not any("aspects" in p or "brands" in p for p in posts)
    assert len({p["sha1"] for p in posts}) == 728
    splits = {
        (e.source, sha1_of(e.text)): e.split
        for loader in (datasets.load_waimai, datasets.load_online_shopping, datasets.load_customer_reviews)
        for e in loader(shared_data)
    }
    assert {splits[(p["source"], p["sha1"])] for p in posts} == {"dev"}
    assert sum("churn_or_escalation" in p["intents"] for p in posts) == 32
    assert sum("recommend" in p["intents"] for p in posts) == 58


@pytest.mark.parametrize(
    ("half", "churn_floor", "recommend_floor"),
    # tune: cues were written from these misses (so optimistic); heldout: labelled before any
    # session-14 cue read it, measured once (docs/decisions.md: recommendations 3/7 -> 4/7,
    # churn 4/6 -> 5/6; the blind round before it: recommendations 7/17 -> 11/17)
    [("tune", (0.9, 0.84), (0.95, 0.8)), ("heldout", (1.0, 0.83), (0.8, 0.57))],
)
def test_real_intents_floor(shared_data, half, churn_floor, recommend_floor):
    scores = _scores(DATA / f"intents_real_{half}.jsonl")
    for intent, floor in (("churn_or_escalation", churn_floor), ("recommend", recommend_floor)):
        precision, recall = scores[(f"intent {intent}", "all")]
        assert precision >= floor[0] and recall >= floor[1], (intent, precision, recall)


def test_the_report_reads_the_configs_own_complaint_area_weights(tmp_path):
    """A deployment retrained on its analysts' corrections (sentiment.complaint_model) measures
    those weights, not the packaged ones: here weights that never fire leave the word lists alone."""
    import yaml

    from nlp.complaints.model import WEIGHTS_FILE

    silent = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")) | {"threshold": 1.01}
    (tmp_path / "silent.json").write_text(json.dumps(silent), encoding="utf-8")
    config = yaml.safe_load((DATA / "matching_brands.yaml").read_text(encoding="utf-8"))
    config["sentiment"] = {"complaint_model": str(tmp_path / "silent.json")}
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    scores = _scores(DATA / "matching_heldout.jsonl", tmp_path / "brands.yaml")
    assert scores[("aspects+model", "all")] == scores[("aspects", "all")]
    packaged = _scores(DATA / "matching_heldout.jsonl")
    assert packaged[("aspects+model", "all")][1] > packaged[("aspects", "all")][1]
