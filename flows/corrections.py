"""Analysts correct a post's complaint areas; the correction wins over the automatic ones.

Why: on phrasing they were not built on, the word lists and the complaint-area model find
about half the complaint areas (docs/decisions.md, "Text layer"), and the people who read
the posts every day know better. A correction is kept for good (``area_corrections``: who,
when, why, what the post had before) and changes the post's current analysis row at once,
so the complaint Pareto, the complaint-area alert rule, the dashboard's filters and the
post's risk follow it. It survives re-analysis (a new model version) while the post's text
is unchanged; an edited post is analyzed afresh. ``koubei corrections export`` writes the
corrected posts as labelled posts that retrain the complaint-area model.

Queued and applied like alert actions when the daily flow holds the file (flows/actions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.scoring import rescore_post_risk
from warehouse import read
from warehouse.db import transaction

POLARITIES = ("negative", "positive")
AREAS_TYPE = "STRUCT(aspect VARCHAR, polarity VARCHAR)[]"


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


def correct_areas(
    con: duckdb.DuckDBPyConnection,
    post_key: str,
    areas: Iterable[Mapping[str, str]],
    actor: str,
    note: str | None,
    severity: Mapping[str, float],
) -> None:
    """Record a correction and apply it to the post's current analysis and risk, in one transaction."""
    areas = checked_areas(areas)
    rows = con.execute(
        """SELECT p.content_hash, a.aspects FROM posts p
           JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current WHERE p.post_key = ?""",
        [post_key],
    ).fetchall()
    if not rows:
        raise CorrectionError(f"no analyzed post {post_key}")
    content_hash, previous = rows[0]
    with transaction(con):
        con.execute(
            f"INSERT INTO area_corrections VALUES (?, ?, ?::{AREAS_TYPE}, ?::{AREAS_TYPE}, ?, ?, ?)",
            [post_key, content_hash, areas, previous, actor, note, datetime.now(UTC)],
        )
        reapply_corrections(con, [post_key])
        rescore_post_risk(con, [post_key], severity)


def reapply_corrections(con: duckdb.DuckDBPyConnection, post_keys: list[str]) -> None:
    """Put the corrections in force back on these posts' current analysis rows (after they are
    analyzed again). The caller holds the transaction."""
    # Most chunks of a run hold no corrected post: a look at the small corrections table spares
    # them the view's join with every post.
    if not con.execute("SELECT count(*) FROM area_corrections WHERE list_contains(?, post_key)", [post_keys]).fetchone()[0]:
        return
    con.execute(
        """UPDATE post_analysis SET aspects = c.aspects FROM v_area_corrections c
           WHERE post_analysis.post_key = c.post_key AND post_analysis.is_current AND list_contains(?, c.post_key)""",
        [post_keys],
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
