"""Alert rules on small hand-built histories in a real DuckDB file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows import alerts
from flows.config import AlertRules
from warehouse.db import writer

DAY0 = date(2026, 10, 1)
RULES = AlertRules()


def _history(con, negatives: list[int], positives: int = 6, brand: str = "lumo") -> None:
    """Day i gets negatives[i] negative and `positives` positive posts about `brand`."""
    rows = []
    for i, neg in enumerate(negatives):
        for n in range(neg + positives):
            rows.append((f"{brand}-{i}-{n}", DAY0 + timedelta(days=i), "negative" if n < neg else "positive"))
    con.execute("CREATE TEMP TABLE h (k VARCHAR, d DATE, label VARCHAR)")
    con.executemany("INSERT INTO h VALUES (?, ?, ?)", rows)  # test fixture only; product code loads via Arrow
    con.execute("""INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw, content_hash)
                   SELECT k, 's', 'post', 'https://x.example/' || k, 'a-' || k, d::TIMESTAMPTZ, d, 'text', k FROM h""")
    con.execute(f"""INSERT INTO post_analysis SELECT k, 'm', '1', TRUE, 'zh', 'zh-Hans', ['{brand}'], [], [], label,
                   CASE label WHEN 'negative' THEN 0.9 ELSE 0.05 END, 0.05, CASE label WHEN 'negative' THEN 0.05 ELSE 0.9 END,
                   [], k, now() FROM h""")
    con.execute("DROP TABLE h")


@pytest.fixture
def con(tmp_path):
    with writer(tmp_path / "a.duckdb") as connection:
        yield connection


def _fires(con, day_index: int):
    return alerts.negative_spike(con, "lumo", DAY0 + timedelta(days=day_index), RULES)


def test_spike_fires_on_the_burst_day_only(con):
    _history(con, [2, 3, 2, 1, 3, 2, 2, 3, 2, 2, 1, 2, 3, 2, 2, 3, 2, 2, 1, 2, 3, 2, 19, 12, 3])
    fired = [i for i in range(25) if _fires(con, i)]
    assert fired == [22, 23]
    candidate = _fires(con, 22)
    assert candidate.severity == "high" and candidate.thresholds["observed"] == 19 and len(candidate.evidence) == 12
    assert "19 negative posts about lumo" in candidate.reason


def test_tiny_counts_and_empty_days_are_no_crisis(con):
    _history(con, [0] * 10 + [1, 0, 0, 3] + [0] * 5)
    assert not any(_fires(con, i) for i in range(19))


def test_gradual_rise_does_not_fire(con):
    _history(con, [2 + i // 3 for i in range(28)])
    assert not any(_fires(con, i) for i in range(28))


def test_spike_episode_is_one_alert_and_a_resolved_one_reopens(con):
    _history(con, [2] * 21 + [20, 18, 2, 2, 2, 2, 2, 2, 25])
    for i in (21, 22):
        con.execute("BEGIN")
        alerts.apply(con, [_fires(con, i)], RULES.cooldown_days)
        con.execute("COMMIT")
    assert con.execute("SELECT count(*), max(last_day) FROM alerts").fetchone() == (1, DAY0 + timedelta(days=22))
    alert_id = con.execute("SELECT alert_id FROM alerts").fetchone()[0]
    alerts.transition(con, alert_id, "acknowledged", "ana", "looking")
    alerts.transition(con, alert_id, "resolved", "ana", "answered publicly")
    with pytest.raises(alerts.AlertTransitionError, match="cannot become acknowledged"):
        alerts.transition(con, alert_id, "acknowledged", "ana")
    con.execute("BEGIN")
    counts = alerts.apply(con, [_fires(con, 29)], cooldown_days=30)
    con.execute("COMMIT")
    assert counts["reopened"] == 1
    history = con.execute("SELECT to_status FROM alert_events WHERE alert_id = ? ORDER BY event_at", [alert_id]).fetchall()
    assert [h[0] for h in history] == ["open", "acknowledged", "resolved", "open"]


def _posts(con, rows: list[tuple[str, int, str, str, list[dict]]]) -> None:
    """rows of (post_key, day index, author, label, aspects) about lumo."""
    for key, day, author, label, aspects in rows:
        d = DAY0 + timedelta(days=day)
        con.execute(
            "INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw, content_hash) VALUES (?, 's', 'post', ?, ?, ?, ?, 't', ?)",
            [key, f"https://x.example/{key}", author, d, d, key],
        )
        con.execute(
            "INSERT INTO post_analysis VALUES (?, 'm', '1', TRUE, 'zh', 'zh-Hans', ['lumo'], ?, [], ?, 0.5, 0.2, 0.3, [], ?, now())",
            [key, aspects, label, key],
        )


def test_emerging_complaint_area(con):
    delivery, privacy = {"aspect": "delivery", "polarity": "negative"}, {"aspect": "privacy", "polarity": "negative"}
    _posts(con, [(f"b{i}", i % 21, "a", "negative", [delivery]) for i in range(40)])
    _posts(con, [(f"t{i}", 21, "a", "negative", [privacy if i < 6 else delivery]) for i in range(10)])
    candidate = alerts.emerging_complaint_area(con, "lumo", DAY0 + timedelta(days=21), RULES)
    assert candidate.thresholds["aspect"] == "privacy" and candidate.thresholds["share"] == 0.6 and len(candidate.evidence) == 6
    _posts(con, [(f"u{i}", 22, "a", "negative", [privacy]) for i in range(4)])  # below the minimum count
    assert alerts.emerging_complaint_area(con, "lumo", DAY0 + timedelta(days=22), RULES) is None


def test_advocate_turned_negative_needs_a_record_and_a_sustained_turn(con):
    con.execute("INSERT INTO authors (author_key, source_id, display_name) VALUES ('fan', 's', 'Fan'), ('mixed', 's', 'Mixed')")
    day = DAY0 + timedelta(days=10)
    for author, positive in (("fan", 9), ("mixed", 5)):
        con.execute(
            "INSERT INTO author_scores VALUES (?, 'lumo', ?, 0.9, 10, ?, ?, 0, 0.5, 0.1)",
            [day - timedelta(days=1), author, positive, 10 - positive],
        )
    _posts(con, [("f1", 9, "fan", "negative", []), ("m1", 9, "mixed", "negative", []), ("m2", 10, "mixed", "negative", [])])
    assert alerts.advocate_turned_negative(con, "lumo", day, RULES) is None  # fan: one negative only; mixed: no record
    _posts(con, [("f2", 10, "fan", "negative", [])])
    candidate = alerts.advocate_turned_negative(con, "lumo", day, RULES)
    assert set(candidate.evidence) == {"f1", "f2"} and "Fan" in candidate.reason
