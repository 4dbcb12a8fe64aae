"""Explainable alert rules over warehouse data, and the alert lifecycle.

Every alert carries its rule, a one-sentence reason (in English and in Chinese), the
thresholds used and the evidence posts. Rules read one day at a time, so a backtest replays them day by day.

Lifecycle: open -> acknowledged -> resolved | dismissed. The same brand and rule
firing again within the cooldown updates the existing alert (one episode, one alert);
a resolved one is reopened; a dismissed one stays quiet until the cooldown passes.
An episode keeps the reason of its latest day and of its strongest one (peak_day,
peak_reason; v_open_alerts.explanation reads both), so an alert that peaked days ago
does not show only its fading tail.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from flows.config import AlertRules, Aspect, Brand
from nlp.text.duplicates import PostRef, coordinated_clusters
from warehouse.db import transaction

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}

# Each rule's title as people read it, in English and Chinese (the dashboard, the run summary);
# `alerts.rule` keeps the id. A rule added below needs its title here (a test checks).
RULE_TITLES: dict[str, tuple[str, str]] = {
    "negative_spike": ("Negative spike", "负面帖子激增"),
    "negative_share_jump": ("Negative share jump", "负面占比跃升"),
    "influential_detractor": ("Influential detractor", "有影响力的批评者"),
    "coordinated_posting": ("Likely coordinated posting", "疑似有组织发帖（水军）"),
    "emerging_complaint_area": ("Emerging complaint area", "新出现的投诉领域"),
    "advocate_turned_negative": ("Advocate turned negative", "拥护者转为负面"),
    "response_clock": ("Unanswered complaints", "投诉未获回复"),
}


def rule_title(rule: str, language: str) -> str:
    """A rule's title in ``language`` ("en" or "zh"); its id where it has none."""
    en, zh = RULE_TITLES.get(rule, (rule, rule))
    return zh if language == "zh" else en


# koubei's own alert_events notes are stored in English (a contract for SQL); the dashboard
# shows them in its interface language (event_note).
SYSTEM_ACTOR = "koubei"
_SYSTEM_NOTE = re.compile(r"rule (?P<rule>\w+) fired(?: again on (?P<day>\S+))?")


def event_note(note: str | None, actor: str, language: str) -> str | None:
    """An alert event's note in ``language``: koubei's own notes ("rule negative_spike fired")
    by the rule's title; people's notes as they wrote them."""
    found = _SYSTEM_NOTE.fullmatch(note or "") if actor == SYSTEM_ACTOR else None
    if found is None:
        return note
    title = rule_title(found["rule"], language)
    if language == "zh":
        return f"规则「{title}」于 {found['day']} 再次触发" if found["day"] else f"规则「{title}」触发"
    return f"{title} fired again on {found['day']}" if found["day"] else f"{title} fired"


STATUSES = ("open", "acknowledged", "resolved", "dismissed")
TRANSITIONS = {
    "open": {"acknowledged", "resolved", "dismissed"},
    "acknowledged": {"resolved", "dismissed", "open"},
    "resolved": {"open"},
    "dismissed": {"open"},
}


@dataclass
class AlertCandidate:
    brand_id: str
    rule: str
    day: date
    severity: str
    reason: str
    thresholds: dict
    evidence: list[str] = field(default_factory=list)
    # How strong the day's signal was, in the rule's own terms (only days of one alert are
    # compared): the alert keeps the reason of its strongest day beside its latest one.
    strength: float = 0.0
    reason_zh: str | None = None  # the same sentence in Chinese, for the dashboard's Chinese interface


def _daily_negatives(con: duckdb.DuckDBPyConnection, brand: str, start: date, end: date) -> dict[date, tuple[int, int]]:
    rows = con.execute(
        """SELECT local_day, count(*) FILTER (WHERE label = 'negative'), count(*)
           FROM v_post_brand WHERE brand_id = ? AND local_day BETWEEN ? AND ? GROUP BY 1""",
        [brand, start, end],
    ).fetchall()
    return {d: (neg, total) for d, neg, total in rows}


def _evidence(con: duckdb.DuckDBPyConnection, brand: str, day: date, limit: int = 12) -> list[str]:
    """Negative posts of the day, riskiest first (post_risk, see flows/scoring.py)."""
    rows = con.execute(
        """
        SELECT v.post_key
        FROM v_post_brand v
        LEFT JOIN post_risk r ON r.post_key = v.post_key AND r.brand_id = v.brand_id
        WHERE v.brand_id = ? AND v.local_day = ? AND v.label = 'negative'
        ORDER BY coalesce(r.risk, v.p_negative) DESC, v.published_at
        LIMIT ?
        """,
        [brand, day, limit],
    ).fetchall()
    return [r[0] for r in rows]


def _brand_posts(con: duckdb.DuckDBPyConnection, brand: str, start: date, end: date) -> tuple[list[PostRef], dict[str, date]]:
    """Posts mentioning ``brand`` between two days, and each post's local day."""
    rows = con.execute(
        """SELECT v.post_key, v.author_key, v.published_at, coalesce(v.text_clean, v.text_raw), au.first_seen, au.post_count, v.local_day
           FROM v_post_brand v JOIN authors au USING (author_key)
           WHERE v.brand_id = ? AND v.local_day BETWEEN ? AND ? AND v.published_at IS NOT NULL""",
        [brand, start, end],
    ).fetchall()
    return [PostRef(*row[:6]) for row in rows], {row[0]: row[6] for row in rows}


def _coordinated(con, brand: str, day: date, rules: AlertRules) -> list:
    """Coordinated clusters with a post on ``day`` (the day before is searched for their start)."""
    posts, days = _brand_posts(con, brand, day - timedelta(days=1), day)
    clusters = coordinated_clusters(posts, min_authors=rules.coordinated_min_authors)
    return [c for c in clusters if any(days[m.key] == day for m in c.members)]


def coordinated_posting(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    clusters = _coordinated(con, brand.id, day, rules)
    if not clusters:
        return None
    biggest = max(clusters, key=lambda c: len(c.members))
    members = [m.key for c in clusters for m in sorted(c.members, key=lambda m: m.published)]
    return AlertCandidate(
        brand.id,
        "coordinated_posting",
        day,
        "medium",
        f"{len(biggest.members)} near-identical posts about {brand.name} from {len(biggest.authors)} accounts, "
        f"most of them new, appeared within 48 hours up to {day}.",
        {"min_authors": rules.coordinated_min_authors, "similarity": 0.6, "window_hours": 48, "new_account_days": 7},
        members[:30],
        strength=len(biggest.members),
        reason_zh=f"截至 {day} 的 48 小时内，{len(biggest.authors)} 个账号（多为新账号）发布了 "
        f"{len(biggest.members)} 条关于 {brand.name} 的几乎相同的帖子。",
    )


def negative_spike(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    """Today's negatives against the median and MAD of the previous ``baseline_days``."""
    history = _daily_negatives(con, brand.id, day - timedelta(days=rules.baseline_days), day)
    today = history.get(day, (0, 0))[0]
    baseline = [history.get(day - timedelta(days=i), (0, 0))[0] for i in range(1, rules.baseline_days + 1)]
    median = statistics.median(baseline)
    mad = statistics.median(abs(x - median) for x in baseline) * 1.4826
    threshold = median + rules.spike_mad_threshold * max(mad, 1.0)
    if today < rules.spike_min_count or today < threshold or today < rules.spike_min_ratio * max(median, 1.0):
        return None
    return AlertCandidate(
        brand.id,
        "negative_spike",
        day,
        "high",
        f"{today} negative posts about {brand.name} on {day}, against a usual {median:g} a day (threshold {threshold:.1f}).",
        {
            "baseline_days": rules.baseline_days,
            "baseline_median": median,
            "baseline_mad": round(mad, 3),
            "mad_threshold": rules.spike_mad_threshold,
            "min_count": rules.spike_min_count,
            "min_ratio": rules.spike_min_ratio,
            "observed": today,
        },
        list(
            dict.fromkeys(
                _evidence(con, brand.id, day) + [m.key for c in _coordinated(con, brand.id, day, rules) for m in c.members]
            )
        )[:30],
        strength=today / threshold,
        reason_zh=f"{brand.name} 在 {day} 有 {today} 条负面帖子，平时每天约 {median:g} 条（阈值 {threshold:.1f}）。",
    )


def negative_share_jump(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    history = _daily_negatives(con, brand.id, day - timedelta(days=rules.baseline_days), day)
    neg, total = history.get(day, (0, 0))
    base_neg = sum(v[0] for d, v in history.items() if d < day)
    base_total = sum(v[1] for d, v in history.items() if d < day)
    if total < rules.share_jump_min_posts or not base_total:
        return None
    share, base_share = neg / total, base_neg / base_total
    if share - base_share < rules.share_jump_points:
        return None
    return AlertCandidate(
        brand.id,
        "negative_share_jump",
        day,
        "medium",
        f"{share:.0%} of {total} posts about {brand.name} on {day} were negative, against {base_share:.0%} over the previous {rules.baseline_days} days.",
        {
            "min_posts": rules.share_jump_min_posts,
            "jump_points": rules.share_jump_points,
            "share": round(share, 3),
            "baseline_share": round(base_share, 3),
        },
        _evidence(con, brand.id, day),
        strength=share - base_share,
        reason_zh=f"{brand.name} 在 {day} 的 {total} 条帖子中 {share:.0%} 为负面，此前 {rules.baseline_days} 天为 {base_share:.0%}。",
    )


def _authors_alert(
    brand: Brand, rule: str, day: date, who: tuple[str, str], rows: list[tuple], thresholds: dict
) -> AlertCandidate | None:
    """A medium alert naming the authors of ``rows`` (post_key, display name, score), or None;
    its strength is the highest score (influence or advocacy) among them. ``who`` says what
    they are, in English and in Chinese."""
    if not rows:
        return None
    names = list(dict.fromkeys(r[1] for r in rows))
    return AlertCandidate(
        brand.id,
        rule,
        day,
        "medium",
        f"{who[0]} {', '.join(names)} posted negatively about {brand.name} on {day}.",
        thresholds,
        [r[0] for r in rows],
        max(r[2] for r in rows),
        reason_zh=f"{who[1]} {'、'.join(names)} 在 {day} 发布了关于 {brand.name} 的负面帖子。",
    )


def influential_detractor(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    rows = con.execute(
        """
        SELECT v.post_key, au.display_name, s.influence
        FROM v_post_brand v JOIN author_scores s
          ON s.author_key = v.author_key AND s.brand_id = v.brand_id AND s.day = v.local_day
        JOIN authors au ON au.author_key = v.author_key
        WHERE v.brand_id = ? AND v.local_day = ? AND v.label = 'negative' AND s.influence >= ?
        ORDER BY s.influence DESC
        """,
        [brand.id, day, rules.detractor_min_influence],
    ).fetchall()
    thresholds = {"min_influence": rules.detractor_min_influence, "max_influence": round(rows[0][2], 3)} if rows else {}
    return _authors_alert(brand, "influential_detractor", day, ("Influential author(s)", "有影响力的作者"), rows, thresholds)


def unanswered_complaints(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    """Negative posts on sources where the brand has official accounts, not answered in time.

    A complaint is checked on the day its clock runs out (its day + ceil(hours / 24)); it
    counts as answered when an official account posted in the same thread within the clock.
    """
    if not brand.official_accounts:
        return None
    hours = rules.response_clock_hours
    complaint_day = day - timedelta(days=max(1, -(-int(hours) // 24)))
    pairs = [(source, name) for source, names in brand.official_accounts.items() for name in names]
    con.execute("CREATE OR REPLACE TEMP TABLE official_accounts (source_id VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO official_accounts VALUES (?, ?)", pairs)
    rows = con.execute(
        """
        SELECT v.post_key
        FROM v_post_brand v
        JOIN posts c ON c.post_key = v.post_key
        JOIN authors ca ON ca.author_key = c.author_key
        WHERE v.brand_id = ? AND v.local_day = ? AND v.label = 'negative'
          AND v.source_id IN (SELECT source_id FROM official_accounts)
          AND NOT EXISTS (SELECT 1 FROM official_accounts o WHERE o.source_id = c.source_id AND o.name = ca.display_name)
          AND NOT EXISTS (
              SELECT 1 FROM posts r JOIN authors ra ON ra.author_key = r.author_key
              JOIN official_accounts o ON o.source_id = r.source_id AND o.name = ra.display_name
              WHERE r.source_id = c.source_id AND r.thread_id = c.thread_id
                AND r.published_at > c.published_at AND r.published_at <= c.published_at + to_hours(CAST(? AS BIGINT)))
        ORDER BY v.published_at
        """,
        [brand.id, complaint_day, int(hours)],
    ).fetchall()
    if not rows:
        return None
    return AlertCandidate(
        brand.id,
        "response_clock",
        day,
        "medium",
        f"{len(rows)} negative post(s) about {brand.name} from {complaint_day} got no reply from an official account within {hours:g} hours.",
        {"response_clock_hours": hours, "official_accounts": [f"{s}:{n}" for s, n in pairs]},
        [r[0] for r in rows][:30],
        strength=len(rows),
        reason_zh=f"{brand.name} 在 {complaint_day} 的 {len(rows)} 条负面帖子在 {hours:g} 小时内没有得到官方账号回复。",
    )


def emerging_complaint_area(
    con, brand: Brand, day: date, rules: AlertRules, areas: Sequence[Aspect] = ()
) -> AlertCandidate | None:
    """A complaint area whose share of the brand's complaints today jumps against its baseline.
    ``areas`` (the taxonomy) name it in each sentence as the dashboard does (配送物流, not
    "delivery"); the id stays in the thresholds, which SQL and filters use."""
    rows = con.execute(
        """SELECT local_day = ? AS today, asp.aspect, count(*) AS n, list(post_key) AS posts
           FROM v_post_brand, UNNEST(aspects) AS t(asp)
           WHERE brand_id = ? AND asp.polarity = 'negative' AND local_day BETWEEN ? AND ?
           GROUP BY ALL""",
        [day, brand.id, day - timedelta(days=rules.baseline_days), day],
    ).fetchall()
    today = {aspect: (n, posts) for is_today, aspect, n, posts in rows if is_today}
    before = {aspect: n for is_today, aspect, n, _ in rows if not is_today}
    total_today, total_before = sum(n for n, _ in today.values()), sum(before.values())
    best = None
    for aspect, (n, posts) in today.items():
        share, base = n / total_today, (before.get(aspect, 0) / total_before if total_before else 0.0)
        if (
            n >= rules.emerging_min_count
            and share - base >= rules.emerging_share_points
            and (best is None or share - base > best[1])
        ):
            best = (aspect, share - base, share, base, n, posts)
    if best is None:
        return None
    aspect, jump, share, base, n, posts = best
    named = next((a for a in areas if a.id == aspect), None)
    name_en, name_zh = (named.name("en"), named.name("zh")) if named else (aspect, aspect)
    return AlertCandidate(
        brand.id,
        "emerging_complaint_area",
        day,
        "medium",
        f"'{name_en}' complaints about {brand.name} rose to {share:.0%} of today's complaints ({n} posts), from {base:.0%} over the previous {rules.baseline_days} days.",
        {
            "min_count": rules.emerging_min_count,
            "share_points": rules.emerging_share_points,
            "aspect": aspect,
            "share": round(share, 3),
            "baseline_share": round(base, 3),
        },
        posts[:30],
        strength=jump,
        reason_zh=f"{brand.name} 的“{name_zh}”投诉升至今日投诉的 {share:.0%}（{n} 条），此前 {rules.baseline_days} 天为 {base:.0%}。",
    )


def advocate_turned_negative(con, brand: Brand, day: date, rules: AlertRules) -> AlertCandidate | None:
    """One of yesterday's top advocates (a record of mostly positive mentions) turns: at least
    two negative posts about the brand within three days, one of them today."""
    rows = con.execute(
        """
        WITH top AS (
            SELECT author_key, advocacy FROM author_scores
            WHERE brand_id = ? AND day = ? AND advocacy >= ?
              AND mentions >= 3 AND (positive + 1.0) / (mentions + 2) >= ?
            ORDER BY advocacy DESC LIMIT ?
        )
        SELECT v.post_key, au.display_name, top.advocacy
        FROM v_post_brand v JOIN top USING (author_key) JOIN authors au USING (author_key)
        WHERE v.brand_id = ? AND v.local_day BETWEEN ? AND ? AND v.label = 'negative'
        QUALIFY count(*) OVER (PARTITION BY v.author_key) >= 2
            AND max(v.local_day) OVER (PARTITION BY v.author_key) = ?
        ORDER BY top.advocacy DESC
        """,
        [
            brand.id,
            day - timedelta(days=1),
            rules.advocate_min_score,
            rules.advocate_min_positive_share,
            rules.advocate_top_n,
            brand.id,
            day - timedelta(days=2),
            day,
            day,
        ],
    ).fetchall()
    thresholds = {
        "top_n": rules.advocate_top_n,
        "min_advocacy": rules.advocate_min_score,
        "min_positive_share": rules.advocate_min_positive_share,
    }
    return _authors_alert(brand, "advocate_turned_negative", day, ("Top advocate(s)", "头部拥护者"), rows, thresholds)


RULES = (
    negative_spike,
    negative_share_jump,
    influential_detractor,
    coordinated_posting,
    advocate_turned_negative,
    unanswered_complaints,
)


def evaluate(
    con: duckdb.DuckDBPyConnection, brands: list[Brand], day: date, rules: AlertRules, areas: Sequence[Aspect] = ()
) -> list[AlertCandidate]:
    """Every rule for every brand on one day. Rules read the brand's id in SQL and write its
    name in their sentences; the emerging-area rule also names the area (``areas``)."""
    found = []
    for brand in brands:
        candidates = [rule(con, brand, day, rules) for rule in RULES]
        candidates.append(emerging_complaint_area(con, brand, day, rules, areas))
        found.extend(c for c in candidates if c)
    return found


def _alert_id(brand: str, rule: str, window_key: str) -> str:
    return hashlib.sha1(f"{brand}|{rule}|{window_key}".encode()).hexdigest()[:16]


def apply(con: duckdb.DuckDBPyConnection, candidates: list[AlertCandidate], cooldown_days: int) -> dict[str, int]:
    """Open, update or reopen alerts for the candidates. Returns counts by action."""
    counts = {"opened": 0, "updated": 0, "reopened": 0, "suppressed": 0}
    now = datetime.now(UTC)
    for c in candidates:
        existing = con.execute(
            """SELECT alert_id, status, severity, evidence, peak_day, peak_strength FROM alerts
               WHERE brand_id = ? AND rule = ? AND last_day >= ? AND day <= ?
               ORDER BY last_day DESC LIMIT 1""",
            [c.brand_id, c.rule, c.day - timedelta(days=cooldown_days), c.day],
        ).fetchall()
        existing = existing[0] if existing else None
        if existing is None:
            alert_id = _alert_id(c.brand_id, c.rule, c.day.isoformat())
            con.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                [
                    alert_id,
                    c.brand_id,
                    c.rule,
                    c.day.isoformat(),
                    c.day,
                    c.day,
                    c.severity,
                    c.reason,
                    json.dumps(c.thresholds),
                    c.evidence,
                    now,
                    now,
                    c.day,
                    c.reason,
                    c.strength,
                    c.reason_zh,
                    c.reason_zh,
                ],
            )
            _event(con, alert_id, SYSTEM_ACTOR, None, "open", f"rule {c.rule} fired")
            counts["opened"] += 1
            continue
        alert_id, status, severity, evidence, peak_day, peak_strength = existing
        if status == "dismissed":
            counts["suppressed"] += 1
            continue
        merged = list(dict.fromkeys([*evidence, *c.evidence]))[:30]
        new_severity = max(severity, c.severity, key=SEVERITY_RANK.__getitem__)
        changed = merged != list(evidence) or new_severity != severity
        con.execute(
            """UPDATE alerts SET last_day = greatest(last_day, $day), severity = $severity, evidence = $evidence,
                      reason = CASE WHEN $day >= last_day THEN $reason ELSE reason END,
                      reason_zh = CASE WHEN $day >= last_day THEN $reason_zh ELSE reason_zh END,
                      peak_day = CASE WHEN $stronger THEN $day ELSE peak_day END,
                      peak_reason = CASE WHEN $stronger THEN $reason ELSE peak_reason END,
                      peak_reason_zh = CASE WHEN $stronger THEN $reason_zh ELSE peak_reason_zh END,
                      peak_strength = CASE WHEN $stronger THEN $strength ELSE peak_strength END,
                      updated_at = CASE WHEN $changed THEN $now ELSE updated_at END,
                      status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END
               WHERE alert_id = $alert_id""",
            {
                "day": c.day,
                "severity": new_severity,
                "evidence": merged,
                "reason": c.reason,
                "reason_zh": c.reason_zh,
                "strength": c.strength,
                # a stronger day, or the same peak day read again (a rerun keeps it current, as the
                # latest day's ">=" above does: re-read posts or new wording replace the old sentence)
                "stronger": peak_strength is None or c.strength > peak_strength or c.day == peak_day,
                "changed": changed or status == "resolved",
                "now": now,
                "alert_id": alert_id,
            },
        )
        if status == "resolved":
            _event(con, alert_id, SYSTEM_ACTOR, "resolved", "open", f"rule {c.rule} fired again on {c.day}")
            counts["reopened"] += 1
        else:
            counts["updated"] += 1
    return counts


def _event(con, alert_id: str, actor: str, from_status: str | None, to_status: str, note: str | None) -> None:
    con.execute(
        "INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?)", [alert_id, datetime.now(UTC), actor, from_status, to_status, note]
    )


class AlertTransitionError(ValueError):
    pass


def transition(con: duckdb.DuckDBPyConnection, alert_id: str, to_status: str, actor: str, note: str | None = None) -> None:
    """A person acts on an alert (acknowledge, resolve, dismiss); history is kept."""
    rows = con.execute("SELECT status FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()  # fully fetched: DuckDB 2 forbids
    row = rows[0] if rows else None  # new statements while a result is still open
    if row is None:
        raise AlertTransitionError(f"no alert {alert_id}")
    if to_status not in TRANSITIONS[row[0]]:
        raise AlertTransitionError(f"alert {alert_id} is {row[0]}; it cannot become {to_status}")
    with transaction(con):
        con.execute("UPDATE alerts SET status = ?, updated_at = ? WHERE alert_id = ?", [to_status, datetime.now(UTC), alert_id])
        _event(con, alert_id, actor, row[0], to_status, note)
