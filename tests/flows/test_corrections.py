"""Analysts' complaint-area and sentiment corrections on a copy of the demo warehouse: applied
at once or queued, kept with who and why, followed by the Pareto, the negative share and the
post's risk, kept through re-analysis by a new model version but not through an edit, area
corrections exported as labelled posts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from flows.actions import (
    AreaCorrection,
    SentimentCorrection,
    apply_pending,
    pending_actions,
    queue_path,
    record_correction,
    record_sentiment_correction,
    rejected_path,
)
from flows.analyze import ANALYSIS_SCHEMA, write_analysis
from flows.cli import app
from flows.corrections import FLAG, CorrectionError, checked_areas
from nlp.text.evaluate import load_labelled_sets
from nlp.text.intents import match_intents
from warehouse import read
from warehouse.db import reader, writer

pytestmark = pytest.mark.slow  # needs the session's demo warehouse


def _severity(warehouse_copy) -> dict[str, float]:
    return warehouse_copy.config.aspect_severity()


def _uncomplained_risky_post(db: Path) -> tuple[str, str]:
    """A scored lumo post with no complaint area and no escalation intent: (post_key, text_clean)."""
    with reader(db) as con:
        return con.execute(
            """SELECT p.post_key, p.text_clean FROM post_risk r JOIN posts p USING (post_key)
               JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
               WHERE r.brand_id = 'lumo' AND len(a.aspects) = 0 AND NOT list_contains(a.intents, 'churn_or_escalation')
               ORDER BY p.post_key LIMIT 1"""
        ).fetchone()


def _stored(db: Path, post_key: str) -> dict:
    with reader(db) as con:
        aspects, severity, risk, p_negative, reach = con.execute(
            """SELECT a.aspects, r.severity, r.risk, r.p_negative, r.reach FROM post_analysis a
               JOIN post_risk r ON r.post_key = a.post_key AND r.brand_id = 'lumo'
               WHERE a.post_key = ? AND a.is_current""",
            [post_key],
        ).fetchone()
        safety = con.execute("SELECT count FROM v_complaint_pareto WHERE brand = 'lumo' AND aspect = 'safety'").fetchall()
    return {
        "aspects": aspects,
        "severity": severity,
        "risk": risk,
        "expected_risk": p_negative * reach * severity,
        "safety": safety,
    }


def test_a_correction_replaces_the_areas_everywhere_and_keeps_its_history(warehouse_copy):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, _ = _uncomplained_risky_post(db)
    before = _stored(db, post_key)
    assert before["severity"] == 1.0
    areas = [{"aspect": "safety", "polarity": "negative"}, {"aspect": "delivery", "polarity": "positive"}]
    assert record_correction(db, post_key, areas, "ana", "glass in the salad", severity) == "applied"
    after = _stored(db, post_key)
    assert after["aspects"] == sorted(areas, key=lambda a: a["aspect"])
    assert after["severity"] == severity["safety"] != 1.0  # the post's risk follows its new complaint area
    assert after["risk"] == pytest.approx(after["expected_risk"])
    safety_before = before["safety"][0][0] if before["safety"] else 0
    assert after["safety"] == [(safety_before + 1,)]  # the complaint Pareto counts it
    shown = read.area_correction(db, post_key).iloc[0]
    assert (shown["actor"], shown["note"], list(shown["previous"])) == ("ana", "glass in the salad", [])

    # A second correction (nothing complained about after all) wins; both stay in the history.
    record_correction(db, post_key, [], "ben", None, severity)
    assert _stored(db, post_key)["aspects"] == [] and _stored(db, post_key)["severity"] == 1.0
    with reader(db) as con:
        assert con.execute("SELECT actor FROM area_corrections ORDER BY corrected_at").fetchall() == [("ana",), ("ben",)]


def test_unknown_areas_contradictions_and_unknown_posts_are_refused(warehouse_copy):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, _ = _uncomplained_risky_post(db)
    with pytest.raises(CorrectionError, match="unknown complaint area 'weather'"):
        record_correction(db, post_key, [{"aspect": "weather", "polarity": "negative"}], "ana", None, severity)
    with pytest.raises(CorrectionError, match="both negative and positive"):
        checked_areas([{"aspect": "delivery", "polarity": "negative"}, {"aspect": "delivery", "polarity": "positive"}])
    with pytest.raises(CorrectionError, match="must be negative or positive"):
        checked_areas([{"aspect": "delivery", "polarity": "neutral"}])
    with pytest.raises(CorrectionError, match="no analyzed post"):
        record_correction(db, "no-such-post", [], "ana", None, severity)
    with reader(db) as con:
        assert con.execute("SELECT count(*) FROM area_corrections").fetchone() == (0,)


def test_a_correction_while_the_flow_writes_is_queued_then_applied_and_a_damaged_line_is_kept(warehouse_copy, another_writer):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, _ = _uncomplained_risky_post(db)
    with another_writer(db):
        assert (
            record_correction(db, post_key, [{"aspect": "refunds_returns", "polarity": "negative"}], "cai", None, severity)
            == "queued"
        )
    with queue_path(db).open("a", encoding="utf-8") as fh:
        fh.write('{"kind": "areas", "post_key": \n')  # a line cut short by a full disk
    assert [type(i) for i in pending_actions(db)] == [AreaCorrection]
    with writer(db) as con:  # what the flow's alert and publish stages do first
        report = apply_pending(con, db)
    assert report[0] == f"applied complaint areas on {post_key} by cai"
    assert report[1].startswith("skipped, kept in")
    assert rejected_path(db).read_text(encoding="utf-8").startswith('{"kind": "areas"')
    assert _stored(db, post_key)["aspects"] == [{"aspect": "refunds_returns", "polarity": "negative"}]


def _reanalyzed(db: Path, post_key: str, version: str, content_hash: str | None = None, **reading) -> None:
    """What the analyze stage writes for the post under a new model version (no areas found;
    ``reading``: the model's label and probabilities, where the test needs them)."""
    with reader(db) as con:
        found = con.execute("SELECT * FROM post_analysis WHERE post_key = ? AND is_current", [post_key])
        row = dict(zip([column[0] for column in found.description], found.fetchone(), strict=True))
        text = con.execute("SELECT text_clean FROM posts WHERE post_key = ?", [post_key]).fetchone()[0]
    record = row | {"model_version": version, "aspects": []} | reading
    record["content_hash"] = content_hash or record["content_hash"]
    write_analysis(db, pa.Table.from_pylist([record], schema=ANALYSIS_SCHEMA), {post_key: text})


def test_a_correction_outlives_a_new_model_version_but_not_an_edit_of_the_post(warehouse_copy):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, _ = _uncomplained_risky_post(db)
    record_correction(db, post_key, [{"aspect": "app_website", "polarity": "negative"}], "ana", None, severity)
    _reanalyzed(db, post_key, "next-version")
    assert _stored(db, post_key)["aspects"] == [{"aspect": "app_website", "polarity": "negative"}]
    with writer(db) as con:  # the author edits the post: the analyst read another text
        con.execute("UPDATE posts SET content_hash = 'edited' WHERE post_key = ?", [post_key])
    _reanalyzed(db, post_key, "next-version", content_hash="edited")
    assert _stored(db, post_key)["aspects"] == []
    assert read.area_correction(db, post_key).empty


def test_cli_corrects_and_exports_labelled_posts_that_training_reads_over_the_shipped_set(warehouse_copy, tmp_path):
    db = warehouse_copy.db
    post_key, text = _uncomplained_risky_post(db)
    runner, config = CliRunner(), ["--config", str(warehouse_copy.config_path)]
    refused = runner.invoke(app, ["corrections", "add", post_key, "--by", "ana", "--negative", "weather", *config])
    assert refused.exit_code == 2 and "unknown complaint area" in refused.output
    done = runner.invoke(
        app, ["corrections", "add", post_key, "--by", "ana", "--negative", "delivery", "--positive", "staff_attitude", *config]
    )
    assert done.exit_code == 0, done.output
    assert "applied" in done.output

    exported = tmp_path / "corrections.jsonl"
    result = runner.invoke(app, ["corrections", "export", "--out", str(exported), *config])
    assert result.exit_code == 0, result.output
    posts = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert posts == [{"text": text, "script": posts[0]["script"], "brands": ["lumo"], "aspects": ["delivery"]}]
    assert posts[0]["script"] in {"zh-Hans", "zh-Hant", "en"}  # grouped by script, as in the labelled sets
    evaluated = runner.invoke(app, ["matching-eval", "--data", str(exported), "--no-model", *config])
    assert evaluated.exit_code == 0, evaluated.output
    assert "aspects\tall\t" in evaluated.output

    shipped = tmp_path / "shipped.jsonl"  # the same text labelled otherwise in an earlier set
    shipped.write_text(
        json.dumps({"text": "another post", "aspects": []})
        + "\n"
        + json.dumps({"text": text, "aspects": ["price_billing"]})
        + "\n",
        encoding="utf-8",
    )
    merged = load_labelled_sets([shipped, exported])
    assert [(p["text"], p["aspects"]) for p in merged] == [("another post", []), (text, ["delivery"])]


def _negative_read_post(db: Path) -> tuple[str, object, float]:
    """A scored lumo post the model read negative: (post_key, its day, its p_negative)."""
    with reader(db) as con:
        return con.execute(
            """SELECT a.post_key, p.local_day, a.p_negative FROM post_analysis a JOIN posts p USING (post_key)
               JOIN post_risk r ON r.post_key = a.post_key AND r.brand_id = 'lumo'
               WHERE a.is_current AND a.label = 'negative' ORDER BY a.post_key LIMIT 1"""
        ).fetchone()


def _reading(db: Path, post_key: str, day) -> dict:
    with reader(db) as con:
        label, p_negative, flags, risk = con.execute(
            """SELECT a.label, a.p_negative, a.flags, r.risk FROM post_analysis a
               JOIN post_risk r ON r.post_key = a.post_key AND r.brand_id = 'lumo' WHERE a.post_key = ? AND a.is_current""",
            [post_key],
        ).fetchone()
        negatives = con.execute("SELECT sum(negative) FROM v_daily_sentiment WHERE brand = 'lumo' AND day = ?", [day]).fetchone()[
            0
        ]
    return {"label": label, "p_negative": p_negative, "flags": list(flags or []), "risk": risk, "day_negatives": negatives}


def test_a_reading_correction_moves_the_negative_share_and_the_risk_and_keeps_its_history(warehouse_copy):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, day, p_negative = _negative_read_post(db)
    before = _reading(db, post_key, day)
    assert before["risk"] > 0
    assert record_sentiment_correction(db, post_key, "neutral", "ana", "a question, not a complaint", severity) == "applied"
    after = _reading(db, post_key, day)
    assert (after["label"], after["p_negative"], after["risk"]) == ("neutral", 0.0, 0.0)
    assert FLAG in after["flags"]  # the Posts page says an analyst set it
    assert after["day_negatives"] == before["day_negatives"] - 1  # the day's negative share follows
    shown = read.sentiment_correction(db, post_key).iloc[0]
    assert (shown["label"], shown["actor"], shown["note"]) == ("neutral", "ana", "a question, not a complaint")
    assert shown["previous"]["label"] == "negative" and shown["previous"]["p_negative"] == pytest.approx(p_negative)

    # Negative after all: the latest reading wins, the post's risk comes back at full weight.
    record_sentiment_correction(db, post_key, "negative", "ben", None, severity)
    again = _reading(db, post_key, day)
    assert (again["label"], again["p_negative"], again["day_negatives"]) == ("negative", 1.0, before["day_negatives"])
    assert again["risk"] == pytest.approx(before["risk"] / p_negative)
    with reader(db) as con:
        assert con.execute("SELECT actor FROM sentiment_corrections ORDER BY corrected_at").fetchall() == [("ana",), ("ben",)]

    with pytest.raises(CorrectionError, match="a reading is one of negative, neutral, positive"):
        record_sentiment_correction(db, post_key, "angry", "ana", None, severity)
    with pytest.raises(CorrectionError, match="no analyzed post"):
        record_sentiment_correction(db, "no-such-post", "neutral", "ana", None, severity)


def _intents(db: Path, post_key: str) -> list[str]:
    with reader(db) as con:
        return list(con.execute("SELECT intents FROM post_analysis WHERE post_key = ? AND is_current", [post_key]).fetchone()[0])


def test_a_reading_correction_reads_the_intents_again_but_not_an_official_reply(warehouse_copy):
    """The demo's "Lumo refunded a missing drink within minutes ..." reads neutral, so its 退款
    cue counts as an escalation; read positive, the refund is praise."""
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    with reader(db) as con:
        rows = con.execute(
            """SELECT a.post_key, p.text_clean FROM post_analysis a JOIN posts p USING (post_key)
               WHERE a.is_current AND a.label = 'neutral' AND list_contains(a.intents, 'churn_or_escalation')
               ORDER BY a.post_key"""
        ).fetchall()
    post_key = next(key for key, text in rows if "churn_or_escalation" not in match_intents(text, "positive"))
    record_sentiment_correction(db, post_key, "positive", "ana", "praise of a quick refund", severity)
    assert "churn_or_escalation" not in _intents(db, post_key)
    record_sentiment_correction(db, post_key, "negative", "ana", None, severity)
    assert "churn_or_escalation" in _intents(db, post_key)

    # A brand's reply keeps no intents whatever its reading (its 退款 is the brand's answer).
    with writer(db) as con:
        official = con.execute(
            "SELECT post_key FROM post_analysis WHERE is_current AND list_contains(flags, 'official') ORDER BY post_key LIMIT 1"
        ).fetchone()[0]
        con.execute("UPDATE posts SET text_clean = '很抱歉，已为您办理退款' WHERE post_key = ?", [official])
    assert match_intents("很抱歉，已为您办理退款", "negative")
    record_sentiment_correction(db, official, "negative", "ana", None, severity)
    assert _intents(db, official) == []


def test_a_reading_outlives_a_new_model_version_but_not_an_edit_and_queues_while_the_flow_writes(warehouse_copy, another_writer):
    db, severity = warehouse_copy.db, _severity(warehouse_copy)
    post_key, day, p_negative = _negative_read_post(db)
    with another_writer(db):
        assert record_sentiment_correction(db, post_key, "positive", "cai", None, severity) == "queued"
    assert [type(i) for i in pending_actions(db)] == [SentimentCorrection]
    with writer(db) as con:
        assert apply_pending(con, db) == [f"applied reading positive on {post_key} by cai"]
    assert _reading(db, post_key, day)["label"] == "positive"

    model = {"label": "negative", "p_negative": p_negative, "p_neutral": 0.0, "p_positive": 1 - p_negative, "flags": []}
    _reanalyzed(db, post_key, "next-version", **model)  # the new model reads it negative again
    assert _reading(db, post_key, day)["label"] == "positive"
    with writer(db) as con:  # the author edits the post: the analyst read another text
        con.execute("UPDATE posts SET content_hash = 'edited' WHERE post_key = ?", [post_key])
    _reanalyzed(db, post_key, "next-version", content_hash="edited", **model)
    assert _reading(db, post_key, day)["label"] == "negative"
    assert read.sentiment_correction(db, post_key).empty


def test_cli_sets_a_reading_and_refuses_a_mixed_or_unknown_one(warehouse_copy):
    db = warehouse_copy.db
    post_key, day, _ = _negative_read_post(db)
    runner, config = CliRunner(), ["--config", str(warehouse_copy.config_path)]
    unknown = runner.invoke(app, ["corrections", "add", post_key, "--by", "ana", "--reading", "angry", *config])
    assert unknown.exit_code == 2 and "a reading is one of" in unknown.output
    mixed = runner.invoke(
        app, ["corrections", "add", post_key, "--by", "ana", "--reading", "neutral", "--negative", "delivery", *config]
    )
    assert mixed.exit_code == 2 and "second command" in mixed.output
    done = runner.invoke(app, ["corrections", "add", post_key, "--by", "ana", "--reading", "neutral", *config])
    assert done.exit_code == 0 and "reading of" in done.output and "applied" in done.output, done.output
    assert _reading(db, post_key, day)["label"] == "neutral"
