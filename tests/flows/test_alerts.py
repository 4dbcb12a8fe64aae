"""Alert rules on small hand-built histories in a real DuckDB file."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from flows import alerts
from flows.config import AlertRules, Brand, _default_taxonomy
from warehouse.db import writer

DAY0 = date(2026, 10, 1)
RULES = AlertRules()
LUMO = Brand(id="lumo", name="Lumo", aliases={"zh-Hans": ["鲁莫"], "en": ["Lumo"]})


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
                   [], k, now(), NULL FROM h""")
    con.execute("DROP TABLE h")


@pytest.fixture
def con(tmp_path):
    with writer(tmp_path / "a.duckdb") as connection:
        yield connection


def _fires(con, day_index: int):
    return alerts.negative_spike(con, LUMO, DAY0 + timedelta(days=day_index), RULES)


def test_spike_fires_on_the_burst_day_only(con):
    _history(con, [2, 3, 2, 1, 3, 2, 2, 3, 2, 2, 1, 2, 3, 2, 2, 3, 2, 2, 1, 2, 3, 2, 19, 12, 3])
    fired = [i for i in range(25) if _fires(con, i)]
    assert fired == [22, 23]
    candidate = _fires(con, 22)
    assert candidate.severity == "high" and candidate.thresholds["observed"] == 19 and len(candidate.evidence) == 12
    assert "19 negative posts about Lumo" in candidate.reason
    # the Chinese reason states the same facts: the numbers of the English one, no more, no fewer
    assert candidate.reason_zh.startswith("Lumo 在 2026-10-23 有 19 条负面帖子，平时每天约 2 条")
    numbers = [sorted(re.findall(r"\d+(?:\.\d+)?", text)) for text in (candidate.reason, candidate.reason_zh)]
    assert numbers[0] == numbers[1]


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
    history = con.execute(
        "SELECT to_status, actor, note FROM alert_events WHERE alert_id = ? ORDER BY event_at", [alert_id]
    ).fetchall()
    assert [h[0] for h in history] == ["open", "acknowledged", "resolved", "open"]
    # koubei's own notes are stored in English and shown in the interface's language; people's as written
    notes = [alerts.event_note(note, actor, "zh") for _, actor, note in history]
    reopened = DAY0 + timedelta(days=29)
    assert notes == ["规则「负面帖子激增」触发", "looking", "answered publicly", f"规则「负面帖子激增」于 {reopened} 再次触发"]
    assert alerts.event_note(history[0][2], "koubei", "en") == "Negative spike fired"
    assert alerts.event_note("rule negative_spike fired", "ana", "zh") == "rule negative_spike fired"  # a person wrote it


def test_an_episode_keeps_its_worst_day_beside_its_latest(con):
    _history(con, [2] * 21 + [12, 20, 11])
    for i in (21, 22, 23, 22):  # the last one: day 22 read again, as a rerun does
        con.execute("BEGIN")
        alerts.apply(con, [_fires(con, i)], RULES.cooldown_days)
        con.execute("COMMIT")
    peak_day, last_day, reason, explanation = con.execute(
        "SELECT peak_day, last_day, reason, explanation FROM v_open_alerts"
    ).fetchone()
    assert (peak_day, last_day) == (DAY0 + timedelta(days=22), DAY0 + timedelta(days=23))
    assert reason.startswith("11 negative posts")
    assert explanation.startswith("Worst day: 20 negative posts about Lumo on 2026-10-23")
    assert explanation.endswith(reason)
    # and in Chinese, for the dashboard's Chinese interface: worst day and latest alike
    (explanation_zh,) = con.execute("SELECT explanation_zh FROM v_open_alerts").fetchone()
    assert explanation_zh.startswith("最严重的一天：Lumo 在 2026-10-23 有 20 条负面帖子")
    assert " 最新：Lumo 在 2026-10-24 有 11 条负面帖子" in explanation_zh
    # the summary and the notification read the same explanation
    from flows.notify import due_alerts

    assert due_alerts(con)[0]["reason"] == explanation


def test_a_rerun_of_the_latest_day_refreshes_its_sentence(con):
    """A rerun reads the day again (history re-read by a new model, late posts): the latest
    sentence must say what the rerun found, not what the first run did."""
    _history(con, [2] * 21 + [20, 11])
    for i in (21, 22):
        con.execute("BEGIN")
        alerts.apply(con, [_fires(con, i)], RULES.cooldown_days)
        con.execute("COMMIT")
    late = DAY0 + timedelta(days=22)
    for n in range(3):  # three more negatives found for the latest day
        con.execute(
            "INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw, content_hash) VALUES (?, 's', 'post', ?, ?, ?, ?, 'text', ?)",
            [f"late-{n}", f"https://x.example/late-{n}", f"a-late-{n}", late, late, f"late-{n}"],
        )
        con.execute(
            "INSERT INTO post_analysis VALUES (?, 'm', '1', TRUE, 'zh', 'zh-Hans', ['lumo'], [], [], 'negative', 0.9, 0.05, 0.05, [], ?, now(), NULL)",
            [f"late-{n}", f"late-{n}"],
        )
    con.execute("BEGIN")
    alerts.apply(con, [_fires(con, 22)], RULES.cooldown_days)
    con.execute("COMMIT")
    reason, reason_zh, peak_reason = con.execute("SELECT reason, reason_zh, peak_reason FROM alerts").fetchone()
    assert reason.startswith("14 negative posts about Lumo on 2026-10-23")
    assert reason_zh.startswith("Lumo 在 2026-10-23 有 14 条负面帖子")
    assert peak_reason.startswith("20 negative posts")


def test_a_one_day_alert_reads_its_reason_alone(con):
    _history(con, [2] * 21 + [20])
    con.execute("BEGIN")
    alerts.apply(con, [_fires(con, 21)], RULES.cooldown_days)
    con.execute("COMMIT")
    reason, explanation = con.execute("SELECT reason, explanation FROM v_open_alerts").fetchone()
    assert explanation == reason and reason.startswith("20 negative posts")


def _posts(con, rows: list[tuple[str, int, str, str, list[dict]]]) -> None:
    """rows of (post_key, day index, author, label, aspects) about lumo."""
    for key, day, author, label, aspects in rows:
        d = DAY0 + timedelta(days=day)
        con.execute(
            "INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw, content_hash) VALUES (?, 's', 'post', ?, ?, ?, ?, 't', ?)",
            [key, f"https://x.example/{key}", author, d, d, key],
        )
        con.execute(
            "INSERT INTO post_analysis VALUES (?, 'm', '1', TRUE, 'zh', 'zh-Hans', ['lumo'], ?, [], ?, 0.5, 0.2, 0.3, [], ?, now(), NULL)",
            [key, aspects, label, key],
        )


def test_emerging_complaint_area(con):
    delivery, privacy = {"aspect": "delivery", "polarity": "negative"}, {"aspect": "privacy", "polarity": "negative"}
    _posts(con, [(f"b{i}", i % 21, "a", "negative", [delivery]) for i in range(40)])
    _posts(con, [(f"t{i}", 21, "a", "negative", [privacy if i < 6 else delivery]) for i in range(10)])
    candidate = alerts.emerging_complaint_area(con, LUMO, DAY0 + timedelta(days=21), RULES)
    assert candidate.thresholds["aspect"] == "privacy" and candidate.thresholds["share"] == 0.6 and len(candidate.evidence) == 6
    assert "'privacy' complaints" in candidate.reason  # no taxonomy given: the id
    named = alerts.emerging_complaint_area(con, LUMO, DAY0 + timedelta(days=21), RULES, _default_taxonomy())
    assert named.reason.startswith("'Privacy and data security' complaints about Lumo rose to 60%")
    assert named.reason_zh.startswith("Lumo 的“隐私与数据安全”投诉升至今日投诉的 60%（6 条）")
    assert named.thresholds["aspect"] == "privacy"  # SQL and filters keep the id
    _posts(con, [(f"u{i}", 22, "a", "negative", [privacy]) for i in range(4)])  # below the minimum count
    assert alerts.emerging_complaint_area(con, LUMO, DAY0 + timedelta(days=22), RULES) is None


def test_advocate_turned_negative_needs_a_record_and_a_sustained_turn(con):
    con.execute("INSERT INTO authors (author_key, source_id, display_name) VALUES ('fan', 's', 'Fan'), ('mixed', 's', 'Mixed')")
    day = DAY0 + timedelta(days=10)
    for author, positive in (("fan", 9), ("mixed", 5)):
        con.execute(
            "INSERT INTO author_scores VALUES (?, 'lumo', ?, 0.9, 10, ?, ?, 0, 0.5, 0.1)",
            [day - timedelta(days=1), author, positive, 10 - positive],
        )
    _posts(con, [("f1", 9, "fan", "negative", []), ("m1", 9, "mixed", "negative", []), ("m2", 10, "mixed", "negative", [])])
    assert alerts.advocate_turned_negative(con, LUMO, day, RULES) is None  # fan: one negative only; mixed: no record
    _posts(con, [("f2", 10, "fan", "negative", [])])
    candidate = alerts.advocate_turned_negative(con, LUMO, day, RULES)
    assert set(candidate.evidence) == {"f1", "f2"} and "Fan" in candidate.reason


def test_share_jump_needs_enough_posts_and_a_real_jump(con):
    _history(con, [2] * 21 + [9, 3], positives=6)  # day 21: 9 of 15 negative; day 22: 3 of 9 posts only
    candidate = alerts.negative_share_jump(con, LUMO, DAY0 + timedelta(days=21), RULES)
    assert candidate.thresholds["share"] == 0.6 and candidate.thresholds["baseline_share"] == 0.25
    assert "60% of 15 posts about Lumo" in candidate.reason and len(candidate.evidence) == 9
    assert alerts.negative_share_jump(con, LUMO, DAY0 + timedelta(days=22), RULES) is None  # below min posts
    assert alerts.negative_share_jump(con, LUMO, DAY0 + timedelta(days=5), RULES) is None  # usual day


def test_influential_detractor_only_above_the_influence_threshold(con):
    con.execute(
        "INSERT INTO authors (author_key, source_id, display_name) VALUES ('big', 's', 'Big Voice'), ('small', 's', 'Small')"
    )
    day = DAY0 + timedelta(days=3)
    for author, influence in (("big", 0.92), ("small", 0.4)):
        con.execute("INSERT INTO author_scores VALUES (?, 'lumo', ?, ?, 1, 0, 1, 0, 0.0, 0.3)", [day, author, influence])
    _posts(
        con,
        [("p-big", 3, "big", "negative", []), ("p-small", 3, "small", "negative", []), ("p-big-ok", 3, "big", "positive", [])],
    )
    candidate = alerts.influential_detractor(con, LUMO, day, RULES)
    assert candidate.evidence == ["p-big"] and "Big Voice" in candidate.reason and "Small" not in candidate.reason
    assert candidate.thresholds == {"min_influence": 0.8, "max_influence": 0.92}
    assert alerts.influential_detractor(con, LUMO, day - timedelta(days=1), RULES) is None


def test_response_clock_counts_complaints_left_unanswered_by_official_accounts(con):

    brand = Brand(id="lumo", name="Lumo", aliases={"zh-Hans": ["鲁莫"]}, official_accounts={"s": ["Lumo Care"]})
    con.execute(
        "INSERT INTO authors (author_key, source_id, display_name) VALUES ('c', 's', 'Customer'), ('o', 's', 'Lumo Care')"
    )
    complaint = DAY0 + timedelta(days=4)

    def post(key: str, author: str, hours_after: float, thread: str, label: str = "negative") -> None:
        when = datetime.combine(complaint, time(9), UTC) + timedelta(hours=hours_after)
        con.execute(
            "INSERT INTO posts (post_key, source_id, kind, url, thread_id, author_key, published_at, local_day, text_raw, content_hash) "
            "VALUES (?, 's', 'post', ?, ?, ?, ?, ?, 't', ?)",
            [key, f"https://x.example/{key}", thread, author, when, when.date(), key],
        )
        con.execute(
            "INSERT INTO post_analysis VALUES (?, 'm', '1', TRUE, 'zh', 'zh-Hans', ['lumo'], [], [], ?, 0.9, 0.05, 0.05, [], ?, now(), NULL)",
            [key, label, key],
        )

    post("answered", "c", 0, "t1")
    post("answer", "o", 3, "t1", "neutral")  # within the clock
    post("late", "c", 0, "t2")
    post("late-answer", "o", 30, "t2", "neutral")  # after 24 hours
    post("ignored", "c", 0, "t3")
    post("official-itself", "o", 1, "t4")  # the brand's own account is not a complaint
    candidate = alerts.unanswered_complaints(con, brand, complaint + timedelta(days=1), RULES)
    assert candidate.rule == "response_clock" and candidate.evidence == ["late", "ignored"]
    assert candidate.thresholds["official_accounts"] == ["s:Lumo Care"]
    assert alerts.unanswered_complaints(con, brand, complaint, RULES) is None  # the clock has not run out yet
    assert (
        alerts.unanswered_complaints(
            con, brand.model_copy(update={"official_accounts": {}}), complaint + timedelta(days=1), RULES
        )
        is None
    )


def test_coordinated_posting_needs_enough_new_accounts(con):
    text = "鲁莫泄露用户信息，大家小心！我的手机号被卖了，天天接到骚扰电话，已经投诉到12315。"
    day = DAY0 + timedelta(days=6)
    for i in range(5):
        con.execute(
            "INSERT INTO authors (author_key, source_id, display_name, post_count, first_seen) VALUES (?, 's', ?, 2, ?)",
            [f"new{i}", f"new{i}", datetime.combine(day, time(0), UTC)],
        )
    _posts(con, [(f"copy{i}", 6, f"new{i}", "negative", []) for i in range(5)])
    con.execute("UPDATE posts SET text_raw = ? || ' ' || post_key", [text])
    candidate = alerts.coordinated_posting(con, LUMO, day, RULES)
    assert candidate is not None and sorted(candidate.evidence) == [f"copy{i}" for i in range(5)]
    assert "5 near-identical posts about Lumo from 5 accounts" in candidate.reason
    con.execute("DELETE FROM posts WHERE post_key IN ('copy0', 'copy1')")  # three accounts: below the minimum of four
    assert alerts.coordinated_posting(con, LUMO, day, RULES) is None


def test_every_rule_has_a_title_in_both_languages():
    import inspect

    source = inspect.getsource(alerts)
    fired = set(re.findall(r'AlertCandidate\(\s*brand\.id,\s*"(\w+)"', source))
    fired |= set(re.findall(r'_authors_alert\(brand, "(\w+)"', source))
    assert len(fired) == 7 and fired == set(alerts.RULE_TITLES)
    assert alerts.rule_title("negative_spike", "zh") == "负面帖子激增"
    assert alerts.rule_title("negative_spike", "en") == "Negative spike"
    assert alerts.rule_title("a_rule_from_elsewhere", "zh") == "a_rule_from_elsewhere"
