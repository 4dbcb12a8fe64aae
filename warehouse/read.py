"""Read helpers for the dashboard and reports.

Each call opens a read-only connection, runs one parameterized query and closes it, so no
reader holds the file between queries. While the daily flow writes, a call retries with
backoff and then falls back to the snapshot the flow publishes after each run
(``<db>.snapshot``), so pages keep working; ``freshness`` says which one a page shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from warehouse.db import WarehouseBusy, reader, snapshot_path


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # the last finished crawl in the data shown
    from_snapshot: bool  # True while the flow writes and pages show its last published snapshot


def _run(db: Path, sql: str, params: list | dict, retries: int) -> pd.DataFrame:
    with reader(db, retries=retries) as con:
        return con.execute(sql, params).df()


# After the live file was found busy, calls go straight to the snapshot for a few seconds:
# a page makes many queries and must not wait out the backoff on each of them.
_BUSY_MEMORY_SECONDS = 5.0
_busy_until: dict[str, float] = {}


def _query(db: Path, sql: str, params: list | dict, retries: int) -> tuple[pd.DataFrame, bool]:
    """(result, from_snapshot)."""
    snapshot = snapshot_path(db)
    if _busy_until.get(str(db), 0.0) > time.monotonic() and snapshot.exists():
        return _run(snapshot, sql, params, 0), True
    try:
        return _run(db, sql, params, retries), False
    except WarehouseBusy:
        _busy_until[str(db)] = time.monotonic() + _BUSY_MEMORY_SECONDS
        if not snapshot.exists():
            raise
        return _run(snapshot, sql, params, 0), True


def query(db: Path, sql: str, params: list | dict | None = None, retries: int = 3) -> pd.DataFrame:
    return _query(db, sql, params or [], retries)[0]


def freshness(db: Path) -> Freshness:
    sql = "SELECT max(finished_at) FROM crawl_runs WHERE status IN ('loaded', 'crawled')"
    frame, from_snapshot = _query(db, sql, [], 3)
    return Freshness(frame.iloc[0, 0], from_snapshot)


def sources(db: Path) -> list[str]:
    return query(db, "SELECT source_id FROM sources ORDER BY source_id")["source_id"].tolist()


def day_range(db: Path) -> tuple[date | None, date | None]:
    row = query(db, "SELECT min(local_day) AS first, max(local_day) AS last FROM posts").iloc[0]
    return (None if pd.isna(row["first"]) else row["first"].date(), None if pd.isna(row["last"]) else row["last"].date())


# --- alerts ---------------------------------------------------------------------------


def open_alerts(db: Path) -> pd.DataFrame:
    """Open and acknowledged alerts, most severe and oldest first, with the time their clock started:
    the oldest evidence post for a response_clock alert (its clock ran from there), else when the alert opened."""
    return query(
        db,
        """SELECT a.alert_id, a.severity, a.brand, a.rule, a.status, a.day, a.last_day, a.explanation AS reason,
                  a.explanation_zh AS reason_zh,
                  CAST(a.thresholds AS VARCHAR) AS thresholds, a.evidence, len(a.evidence) AS evidence_posts,
                  a.opened_at, a.updated_at,
                  CASE WHEN a.rule = 'response_clock'
                       THEN coalesce((SELECT min(p.published_at) FROM posts p WHERE list_contains(a.evidence, p.post_key)),
                                     a.opened_at)
                       ELSE a.opened_at END AS clock_start
           FROM v_open_alerts a
           ORDER BY CASE a.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, a.opened_at, a.alert_id""",
    )


def alert_history(db: Path, alert_id: str) -> pd.DataFrame:
    return query(
        db,
        "SELECT event_at, actor, from_status, to_status, note FROM alert_events WHERE alert_id = ? ORDER BY event_at",
        [alert_id],
    )


def posts_by_key(db: Path, post_keys: list[str]) -> pd.DataFrame:
    """Evidence posts, riskiest first."""
    return query(
        db,
        """SELECT p.post_key, p.published_at, p.source_id AS source, au.display_name AS author, p.url,
                  a.label, round(a.p_negative, 3) AS p_negative, round(max(r.risk), 3) AS risk,
                  coalesce(p.text_clean, p.text_raw) AS text
           FROM posts p
           LEFT JOIN authors au USING (author_key)
           LEFT JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
           LEFT JOIN post_risk r ON r.post_key = p.post_key
           WHERE list_contains(?, p.post_key)
           GROUP BY ALL
           ORDER BY risk DESC NULLS LAST, p.published_at""",
        [post_keys],
    )


# --- overview -------------------------------------------------------------------------


# The dashboard filters posts by brand and period before joining and aggregating. The
# analyst views (v_daily_sentiment, v_complaint_pareto) aggregate all history first, and
# DuckDB does not push a day or brand filter back through their UNNEST: 1.5 s against
# 0.06 s on a million posts (bench/dashboard_latency.py).
_BRAND_POSTS = """SELECT p.post_key, p.source_id, p.local_day, a.label, a.language, a.aspects, a.flags
    FROM posts p JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
    WHERE list_contains(a.brands, $brand)
      AND ($start IS NULL OR p.local_day >= $start) AND ($end IS NULL OR p.local_day <= $end)"""


def daily_sentiment(
    db: Path,
    brand: str,
    start: date | None = None,
    end: date | None = None,
    sources: list[str] | None = None,
    languages: list[str] | None = None,
) -> pd.DataFrame:
    return query(
        db,
        f"""WITH brand_posts AS ({_BRAND_POSTS})
            SELECT local_day AS day, $brand AS brand,
                   count(*) FILTER (WHERE label = 'negative') AS negative,
                   count(*) FILTER (WHERE label = 'neutral') AS neutral,
                   count(*) FILTER (WHERE label = 'positive') AS positive
            FROM brand_posts
            WHERE ($sources IS NULL OR list_contains($sources, source_id))
              AND ($languages IS NULL OR list_contains($languages, language))
            GROUP BY local_day ORDER BY day""",
        {"brand": brand, "start": start, "end": end, "sources": sources, "languages": languages},
    )


def share_of_voice(db: Path, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Mentions per brand (competitors included) and each one's share of all mentions."""
    return query(
        db,
        """WITH mentions AS (
               SELECT brand_id, count(*) AS mentions
               FROM posts p JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current,
                    UNNEST(a.brands) AS t(brand_id)
               WHERE ($start IS NULL OR p.local_day >= $start) AND ($end IS NULL OR p.local_day <= $end)
               GROUP BY brand_id)
           SELECT b.brand_id AS brand, b.competitor, coalesce(m.mentions, 0) AS mentions,
                  coalesce(m.mentions, 0) / nullif(sum(m.mentions) OVER (), 0) AS share
           FROM brands b LEFT JOIN mentions m USING (brand_id)
           ORDER BY mentions DESC, brand""",
        {"start": start, "end": end},
    )


def alert_days(db: Path, brand: str) -> pd.DataFrame:
    """Every alert the brand has had (any status), by the day it fired: chart markers."""
    return query(db, "SELECT day, rule, severity, status FROM alerts WHERE brand_id = ? ORDER BY day", [brand])


# --- complaints -----------------------------------------------------------------------


def complaint_pareto(db: Path, brand: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """v_complaint_pareto's logic for one brand and period (the view covers all history)."""
    return query(
        db,
        f"""WITH brand_posts AS ({_BRAND_POSTS}),
            complaints AS (
               SELECT asp.aspect AS aspect, count(*) AS count
               FROM brand_posts, UNNEST(aspects) AS t(asp)
               WHERE asp.polarity = 'negative'
               GROUP BY ALL)
            SELECT aspect, count,
                   sum(count) OVER (ORDER BY count DESC, aspect ROWS UNBOUNDED PRECEDING) / sum(count) OVER () AS cumulative_share
            FROM complaints ORDER BY count DESC, aspect""",
        {"brand": brand, "start": start, "end": end},
    )


# The complaint-area filter's value for a negative post that names no complaint area (not a
# brand's official account, whose posts never get one). No Pareto bar counts such posts, and
# the areas found least often on real text (customer service, safety) hide among them.
NO_AREA = "(no complaint area)"


def counted_negative(alias: str = "") -> str:
    """SQL: a negative post that could name a complaint area (not an official account's)."""
    return f"{alias}label = 'negative' AND NOT list_contains(coalesce({alias}flags, []), 'official')"


def names_no_area(alias: str = "") -> str:
    """SQL: such a post with no negative complaint area."""
    return f"""{counted_negative(alias)}
        AND len([x FOR x IN coalesce({alias}aspects, []) IF x.polarity = 'negative']) = 0"""


def negatives_without_area(db: Path, brand: str, start: date | None = None, end: date | None = None) -> tuple[int, int]:
    """(negative posts about the brand that name no complaint area, negative posts about it),
    official accounts' posts left out of both: what the Pareto leaves uncounted."""
    row = query(
        db,
        f"""WITH brand_posts AS ({_BRAND_POSTS})
            SELECT count(*) FILTER (WHERE {names_no_area()}) AS without_area, count(*) AS negative
            FROM brand_posts WHERE {counted_negative()}""",
        {"brand": brand, "start": start, "end": end},
    ).iloc[0]
    return int(row["without_area"]), int(row["negative"])


# --- people ---------------------------------------------------------------------------


def leaderboard(db: Path, brand: str, by: str, limit: int = 20, trend_days: int = 7) -> pd.DataFrame:
    """Top advocates (``by='advocacy'``) or detractors (``by='detraction'``) on the latest scored
    day, with the change of that score over ``trend_days`` and the counts behind it (positive,
    negative and recommending posts in the scoring window)."""
    if by not in ("advocacy", "detraction"):
        raise ValueError(f"by must be advocacy or detraction, not {by!r}")
    return query(
        db,
        # what explains a rank first (score, its trend, the posts behind it), where it came from last
        f"""SELECT v.author, round(v.{by}, 3) AS score, round(v.{by} - coalesce(past.{by}, 0), 3) AS trend,
                   v.positive, v.negative, v.recommends, v.mentions, round(v.influence, 3) AS influence,
                   v.source, v.profile_url, v.author_key
            FROM v_advocates v
            LEFT JOIN author_scores past ON past.author_key = v.author_key AND past.brand_id = v.brand
                 AND past.day = v.latest_day - CAST(? AS INTEGER)
            WHERE v.brand = ? AND v.{by} > 0
            ORDER BY v.{by} DESC, v.author LIMIT ?""",
        [trend_days, brand, limit],
    )


def author_posts(db: Path, author_key: str, limit: int = 20) -> pd.DataFrame:
    return query(
        db,
        """SELECT p.published_at, p.source_id AS source, a.label, p.url, coalesce(p.text_clean, p.text_raw) AS text
           FROM posts p LEFT JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
           WHERE p.author_key = ? ORDER BY p.published_at DESC LIMIT ?""",
        [author_key, limit],
    )


# --- posts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFilter:
    brand: str | None = None
    source: str | None = None
    language: str | None = None
    label: str | None = None
    # A complaint area: the post holds it with negative polarity, whatever the post's overall
    # label, which is what the Pareto counts ("delivery was slow, the food was great" is a
    # delivery complaint in a positive post). NO_AREA: a negative post that names none.
    complaint: str | None = None
    intent: str | None = None  # churn_or_escalation or recommend (nlp/text/intents.py)
    start: date | None = None
    end: date | None = None
    contains: str | None = None  # plain substring, matched case-insensitively in raw or clean text
    post_key: str | None = None


def _like_pattern(text: str | None) -> str | None:
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_posts(db: Path, f: PostFilter, limit: int = 200) -> pd.DataFrame:
    pattern = _like_pattern(f.contains)
    return query(
        db,
        f"""SELECT p.post_key, p.published_at, p.source_id AS source, au.display_name AS author, a.language, a.script,
                  a.label, round(a.p_negative, 3) AS p_negative, a.flags, a.brands, a.aspects, a.intents, p.url,
                  p.text_raw, p.text_clean
           FROM posts p
           JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current
           LEFT JOIN authors au USING (author_key)
           WHERE (? IS NULL OR list_contains(a.brands, ?)) AND (? IS NULL OR p.source_id = ?)
             AND (? IS NULL OR a.language = ?) AND (? IS NULL OR a.label = ?)
             AND (? IS NULL OR CASE WHEN ? = '{NO_AREA}' THEN {names_no_area("a.")}
                  ELSE list_contains([x.aspect FOR x IN a.aspects IF x.polarity = 'negative'], ?) END)
             AND (? IS NULL OR list_contains(a.intents, ?))
             AND (? IS NULL OR p.local_day >= ?) AND (? IS NULL OR p.local_day <= ?)
             AND (? IS NULL OR p.text_raw ILIKE ? ESCAPE '\\' OR p.text_clean ILIKE ? ESCAPE '\\')
             AND (? IS NULL OR p.post_key = ?)
           ORDER BY p.published_at DESC NULLS LAST, p.post_key LIMIT ?""",
        [
            *(f.brand, f.brand, f.source, f.source, f.language, f.language, f.label, f.label),
            *(f.complaint, f.complaint, f.complaint),
            *(f.intent, f.intent),
            *(f.start, f.start, f.end, f.end, pattern, pattern, pattern, f.post_key, f.post_key, limit),
        ],
    )


def area_correction(db: Path, post_key: str) -> pd.DataFrame:
    """The analyst's correction of a post's complaint areas in force (no row: none)."""
    return query(db, "SELECT aspects, previous, actor, note, corrected_at FROM v_area_corrections WHERE post_key = ?", [post_key])


def sentiment_correction(db: Path, post_key: str) -> pd.DataFrame:
    """The analyst's reading of a post in force (no row: none)."""
    return query(
        db, "SELECT label, previous, actor, note, corrected_at FROM v_sentiment_corrections WHERE post_key = ?", [post_key]
    )


def corrected_posts(db: Path) -> pd.DataFrame:
    """Every post with a correction in force: cleaned text, script (as the labelled sets have it:
    zh-Hans, zh-Hant, or the language for other posts), brands and the analyst's areas."""
    return query(
        db,
        """SELECT p.text_clean AS text, coalesce(a.script, a.language) AS script, a.brands, c.aspects
           FROM v_area_corrections c
           JOIN posts p USING (post_key) JOIN post_analysis a ON a.post_key = c.post_key AND a.is_current
           WHERE p.text_clean IS NOT NULL ORDER BY c.corrected_at, c.post_key""",
    )


# --- runs -----------------------------------------------------------------------------


def runs(db: Path, limit: int = 200) -> pd.DataFrame:
    return query(
        db,
        """SELECT run_id, source_id AS source, flow, run_date, status, started_at, finished_at,
                  round(date_diff('millisecond', started_at, finished_at) / 1000.0, 1) AS seconds,
                  pages, not_modified, items, skipped_old, rejected, loaded, CAST(errors AS VARCHAR) AS errors
           FROM crawl_runs ORDER BY started_at DESC, source_id LIMIT ?""",
        [limit],
    )


def quarantine_counts(db: Path) -> pd.DataFrame:
    return query(
        db, "SELECT source_id AS source, reason, count(*) AS rows FROM quarantine GROUP BY ALL ORDER BY rows DESC LIMIT 50"
    )
