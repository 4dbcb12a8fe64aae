"""Analysts correct a post's complaint areas or its sentiment; the correction wins over the
automatic reading.

Why: on phrasing they were not built on, the word lists and the complaint-area model find
about half the complaint areas (docs/decisions.md, "Text layer"), and the people who read
the posts every day know better. A correction is kept for good (``area_corrections``: who,
when, why, what the post had before) and changes the post's current analysis row at once,
so the complaint Pareto, the complaint-area alert rule, the dashboard's filters and the
post's risk follow it. It survives re-analysis (a new model version) while the post's text
is unchanged; an edited post is analyzed afresh. ``koubei corrections export`` writes the
corrected posts as labelled posts that retrain the complaint-area model.

A sentiment correction (``sentiment_corrections``, migration 011) works the same way: the
post's label becomes the analyst's, with that label's probability 1, so the negative share,
the post's risk and, from the next scoring, its author's advocacy or detraction follow it.
Alerts already raised keep their evidence; the days the daily flow evaluates next count it.
Intents are read again with the analyst's label, since some cues depend on it (loyalty such as
还会再来 recommends unless the post is negative); a brand's official posts keep none.

Queued and applied like alert actions when the daily flow holds the file (flows/actions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.scoring import rescore_post_risk
from nlp.text.intents import match_intents
from warehouse import read
from warehouse.db import transaction

POLARITIES = ("negative", "positive")
LABELS = ("negative", "neutral", "positive")
AREAS_TYPE = "STRUCT(aspect VARCHAR, polarity VARCHAR)[]"
READING_TYPE = "STRUCT(label VARCHAR, p_negative DOUBLE, p_neutral DOUBLE, p_positive DOUBLE)"
FLAG = "analyst"  # in post_analysis.flags: the label is an analyst's, not the model's
OFFICIAL = "official"  # in post_analysis.flags: a post by a brand's official account (no areas, no intents)


class CorrectionError(ValueError):
    """A correction that cannot be applied: unknown post, area or polarity, or a contradiction."""


def checked_areas(areas: Iterable[Mapping[str, str]], known: Iterable[str] | None = None) -> list[dict[str, str]]:
    """The areas as stored ({aspect, polarity}, sorted), or CorrectionError: a polarity other than
    negative or positive, an area outside ``known`` (the taxonomy), or one area both praised and
    complained about."""
    known = set(known) if known is not None else None
    seen: dict[str, str] = {}
    for item in areas:
        aspect, polarity = str(item.get("aspect", "")).strip(), item.get("polarity")
        if polarity not in POLARITIES:
            raise CorrectionError(f"polarity of {aspect!r} must be negative or positive, not {polarity!r}")
        if not aspect or (known is not None and aspect not in known):
            raise CorrectionError(
                f"unknown complaint area {aspect!r}" + (f"; use one of {', '.join(sorted(known))}" if known else "")
            )
        if seen.get(aspect, polarity) != polarity:
            raise CorrectionError(f"{aspect} cannot be both negative and positive in one post")
        seen[aspect] = polarity
    return [{"aspect": aspect, "polarity": seen[aspect]} for aspect in sorted(seen)]


def checked_label(label: str) -> str:
    if label not in LABELS:
        raise CorrectionError(f"a reading is one of {', '.join(LABELS)}, not {label!r}")
    return label


@dataclass(frozen=True)
class _Kind:
    """A kind of correction: its table, the type of the analyst's value, and what the post had
    before (SQL over its current analysis row ``a``, and its type)."""

    table: str
    value_type: str
    before: str
    before_type: str


_AREAS = _Kind("area_corrections", AREAS_TYPE, "a.aspects", AREAS_TYPE)
_READING = _Kind(
    "sentiment_corrections",
    "VARCHAR",
    "struct_pack(label := a.label, p_negative := a.p_negative, p_neutral := a.p_neutral, p_positive := a.p_positive)",
    READING_TYPE,
)


def correct_areas(
    con: duckdb.DuckDBPyConnection,
    post_key: str,
    areas: Iterable[Mapping[str, str]],
    actor: str,
    note: str | None,
    severity: Mapping[str, float],
) -> None:
    """Record a correction and apply it to the post's current analysis and risk, in one transaction."""
    _record(con, _AREAS, post_key, checked_areas(areas), actor, note, severity)


def correct_sentiment(
    con: duckdb.DuckDBPyConnection, post_key: str, label: str, actor: str, note: str | None, severity: Mapping[str, float]
) -> None:
    """Record a reading and apply it to the post's current analysis and risk, in one transaction."""
    _record(con, _READING, post_key, checked_label(label), actor, note, severity)


def _record(
    con: duckdb.DuckDBPyConnection,
    kind: _Kind,
    post_key: str,
    value: object,
    actor: str,
    note: str | None,
    severity: Mapping[str, float],
) -> None:
    """One correction row (the post's text hash, the analyst's value, what the current analysis
    said), put in force at once, and the post's risk recomputed."""
    rows = con.execute(
        f"""SELECT p.content_hash, {kind.before} FROM posts p
           JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current WHERE p.post_key = ?""",
        [post_key],
    ).fetchall()
    if not rows:
        raise CorrectionError(f"no analyzed post {post_key}")
    content_hash, previous = rows[0]
    with transaction(con):
        con.execute(
            f"INSERT INTO {kind.table} VALUES (?, ?, ?::{kind.value_type}, ?::{kind.before_type}, ?, ?, ?)",
            [post_key, content_hash, value, previous, actor, note, datetime.now(UTC)],
        )
        reapply_corrections(con, [post_key])
        rescore_post_risk(con, [post_key], severity)


def reapply_corrections(con: duckdb.DuckDBPyConnection, post_keys: list[str]) -> None:
    """Put the corrections in force back on these posts' current analysis rows (after they are
    analyzed again). The caller holds the transaction."""
    # Most chunks of a run hold no corrected post: a look at the small corrections tables spares
    # them the views' join with every post.
    corrected = con.execute(
        """SELECT (SELECT count(*) FROM area_corrections WHERE list_contains($keys, post_key)),
                  (SELECT count(*) FROM sentiment_corrections WHERE list_contains($keys, post_key))""",
        {"keys": post_keys},
    ).fetchone()
    if corrected[0]:
        con.execute(
            """UPDATE post_analysis SET aspects = c.aspects FROM v_area_corrections c
               WHERE post_analysis.post_key = c.post_key AND post_analysis.is_current AND list_contains(?, c.post_key)""",
            [post_keys],
        )
    if corrected[1]:
        con.execute(
            """UPDATE post_analysis SET label = c.label,
                   p_negative = CASE WHEN c.label = 'negative' THEN 1.0 ELSE 0.0 END,
                   p_neutral = CASE WHEN c.label = 'neutral' THEN 1.0 ELSE 0.0 END,
                   p_positive = CASE WHEN c.label = 'positive' THEN 1.0 ELSE 0.0 END,
                   flags = CASE WHEN list_contains(coalesce(flags, []), $flag) THEN flags
                                ELSE list_append(coalesce(flags, []), $flag) END
               FROM v_sentiment_corrections c
               WHERE post_analysis.post_key = c.post_key AND post_analysis.is_current AND list_contains($keys, c.post_key)""",
            {"keys": post_keys, "flag": FLAG},
        )
        _reread_intents(con, post_keys)


def _reread_intents(con: duckdb.DuckDBPyConnection, post_keys: list[str]) -> None:
    """Intents of the posts with a reading in force, read with the analyst's label (flows/analyze.py
    reads them with the model's); official accounts' posts keep none."""
    rows = con.execute(
        """SELECT a.post_key, p.text_clean, a.label FROM post_analysis a
           JOIN posts p USING (post_key) JOIN v_sentiment_corrections c USING (post_key)
           WHERE a.is_current AND list_contains($keys, a.post_key)
             AND NOT list_contains(coalesce(a.flags, []), $official)""",
        {"keys": post_keys, "official": OFFICIAL},
    ).fetchall()
    for post_key, text, label in rows:
        con.execute(
            "UPDATE post_analysis SET intents = ? WHERE post_key = ? AND is_current", [match_intents(text or "", label), post_key]
        )


def labelled_posts(db: Path) -> list[dict]:
    """The corrected posts in the labelled matching set's form (text, script, brands, aspects:
    the complaint areas, i.e. the negative ones), for `koubei model train-complaints --data`."""
    return [
        {
            "text": row.text,
            "script": row.script,
            "brands": sorted(row.brands if row.brands is not None else []),
            "aspects": sorted(a["aspect"] for a in row.aspects if a["polarity"] == "negative"),
        }
        for row in read.corrected_posts(db).itertuples()
    ]
