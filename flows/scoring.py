"""Author influence per source and advocacy / detraction per brand, for one day.

Influence (0..1, within a source so a big forum does not drown a small one):
    raw = 0.35·s(log1p followers) + 0.15·s(log1p posts) + 0.25·s(log1p engagement)
        + 0.25·s(PageRank in the reply graph)
    influence = raw · recency,  recency = exp(-days since last post / 30)
where s() min-max scales a component within the source.

Advocacy for a brand (0..1): the Laplace-smoothed share of the author's brand
mentions (last 90 days) that endorse it, times influence, times activity =
min(1, log1p(mentions) / log1p(10)). A mention endorses when the model reads it as
positive or when it recommends the brand in so many words (推荐, 回购, would recommend;
negated ones are not recommendations): an explicit recommendation outweighs a complaint
word the model tripped on ("漏送一杯饮料十分钟就退款了，强烈推荐" is praise). Detraction
is the same with negative mentions that do not recommend. Smoothing keeps an author with
one glowing post from outranking a steady advocate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import duckdb
import networkx as nx
import pandas as pd
import pyarrow as pa

from warehouse.db import registered, transaction

WINDOW_DAYS = 90
WEIGHTS = {"followers": 0.35, "posts": 0.15, "engagement": 0.25, "pagerank": 0.25}


def _scaled(series: pd.Series) -> pd.Series:
    lo, hi = series.min(), series.max()
    return (series - lo) / (hi - lo) if hi > lo else series * 0.0


def author_influence(con: duckdb.DuckDBPyConnection, day: date) -> pd.DataFrame:
    """author_key, source_id, influence as of the end of ``day``."""
    start = day - timedelta(days=WINDOW_DAYS)
    authors = con.execute(
        """
        SELECT au.author_key, au.source_id, coalesce(au.followers, 0) AS followers,
               coalesce(au.post_count, 0) AS post_count,
               coalesce(sum(coalesce(p.likes, 0) + coalesce(p.replies, 0)), 0) AS engagement,
               max(p.local_day) AS last_day
        FROM authors au JOIN posts p USING (author_key)
        WHERE p.local_day BETWEEN ? AND ?
        GROUP BY ALL
        """,
        [start, day],
    ).df()
    if authors.empty:
        return authors.assign(influence=[])
    edges = con.execute(
        """
        SELECT child.author_key AS src, parent.author_key AS dst, count(*) AS w
        FROM posts child JOIN posts parent ON child.parent_key = parent.post_key
        WHERE child.local_day BETWEEN ? AND ? AND child.author_key <> parent.author_key
        GROUP BY ALL
        """,
        [start, day],
    ).df()
    graph = nx.DiGraph()
    graph.add_nodes_from(authors["author_key"])
    graph.add_weighted_edges_from(edges[["src", "dst", "w"]].itertuples(index=False, name=None))
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {}
    authors["pagerank"] = authors["author_key"].map(pagerank).fillna(0.0)
    parts = []
    for _, group in authors.groupby("source_id"):
        raw = (
            WEIGHTS["followers"] * _scaled(group["followers"].map(math.log1p))
            + WEIGHTS["posts"] * _scaled(group["post_count"].map(math.log1p))
            + WEIGHTS["engagement"] * _scaled(group["engagement"].map(math.log1p))
            + WEIGHTS["pagerank"] * _scaled(group["pagerank"])
        )
        age = (pd.Timestamp(day) - pd.to_datetime(group["last_day"])).dt.days.fillna(WINDOW_DAYS)
        parts.append(group.assign(influence=(raw * age.map(lambda a: math.exp(-a / 30))).round(6)))
    return pd.concat(parts)[["author_key", "source_id", "influence"]]


def official_accounts(config) -> set[tuple[str, str]]:
    """(source_id, display name) of every brand's official accounts: never advocates or detractors."""
    return {(source, name) for b in config.brands for source, names in b.official_accounts.items() for name in names}


def brand_scores(con: duckdb.DuckDBPyConnection, day: date, official: set[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    influence = author_influence(con, day)
    if influence.empty:
        return pd.DataFrame()
    mentions = con.execute(
        """
        SELECT brand_id, author_key, count(*) AS mentions,
               count(*) FILTER (WHERE label = 'positive') AS positive,
               count(*) FILTER (WHERE label = 'negative') AS negative,
               count(*) FILTER (WHERE list_contains(intents, 'recommend')) AS recommends,
               count(*) FILTER (WHERE label = 'positive' OR list_contains(intents, 'recommend')) AS endorsing,
               count(*) FILTER (WHERE label = 'negative' AND NOT list_contains(intents, 'recommend')) AS disparaging
        FROM v_post_brand WHERE local_day BETWEEN ? AND ?
        GROUP BY ALL
        """,
        [day - timedelta(days=WINDOW_DAYS), day],
    ).df()
    scores = mentions.merge(influence[["author_key", "influence"]], on="author_key", how="left").fillna({"influence": 0.0})
    if official:
        names = con.execute("SELECT author_key, source_id, display_name FROM authors").fetchall()
        excluded = {key for key, source, name in names if (source, name) in official}
        scores = scores[~scores["author_key"].isin(excluded)]
    activity = scores["mentions"].map(lambda m: min(1.0, math.log1p(m) / math.log1p(10)))
    pos_share = (scores["endorsing"] + 1) / (scores["mentions"] + 2)
    neg_share = (scores["disparaging"] + 1) / (scores["mentions"] + 2)
    scores["advocacy"] = (pos_share * scores["influence"] * activity).round(6)
    scores["detraction"] = (neg_share * scores["influence"] * activity).round(6)
    scores["day"] = day
    return scores


def store_post_risk(con: duckdb.DuckDBPyConnection, day: date, aspect_severity: Mapping[str, float]) -> int:
    """Risk of each post of ``day`` per brand it mentions: p_negative x reach x severity.

    reach = 0.2 + author influence (that day, that brand) + min(1, log1p(likes + replies) / log1p(1000))
    severity = the highest severity among the post's negative complaint areas (config, default 1),
    x 1.5 when it carries churn or escalation intent (投诉, 曝光, chargeback...).
    """
    with transaction(con):
        con.execute("DELETE FROM post_risk WHERE day = ?", [day])
        replace_post_risk(con, aspect_severity, "v.local_day = $day", {"day": day})
        return con.execute("SELECT count(*) FROM post_risk WHERE day = ?", [day]).fetchall()[0][0]


def rescore_post_risk(con: duckdb.DuckDBPyConnection, post_keys: list[str], aspect_severity: Mapping[str, float]) -> None:
    """Recompute the stored risk of these posts (their complaint areas changed); posts whose day
    has not been scored yet are left to the score stage. The caller holds the transaction."""
    scored = [
        row[0]
        for row in con.execute("SELECT DISTINCT post_key FROM post_risk WHERE list_contains(?, post_key)", [post_keys]).fetchall()
    ]
    if scored:
        con.execute("DELETE FROM post_risk WHERE list_contains(?, post_key)", [scored])
        replace_post_risk(con, aspect_severity, "list_contains($keys, v.post_key)", {"keys": scored})


def replace_post_risk(con: duckdb.DuckDBPyConnection, aspect_severity: Mapping[str, float], where: str, params: dict) -> None:
    """Insert the risk rows of the posts ``where`` selects from v_post_brand (alias v); the
    formula is store_post_risk's. The caller deletes the old rows and holds the transaction."""
    severities = pa.table(
        {"aspect": pa.array(list(aspect_severity), pa.string()), "weight": pa.array(list(aspect_severity.values()), pa.float64())}
    )
    with registered(con, aspect_weights=severities):
        con.execute(
            f"""
            INSERT INTO post_risk
            WITH base AS (
                SELECT v.post_key, v.brand_id, v.local_day, v.p_negative,
                       0.2 + coalesce(s.influence, 0)
                           + least(1.0, ln(1 + coalesce(v.likes, 0) + coalesce(v.replies, 0)) / ln(1001)) AS reach,
                       coalesce((SELECT max(w.weight) FROM UNNEST(v.aspects) AS t(a) JOIN aspect_weights w ON w.aspect = a.aspect
                                 WHERE a.polarity = 'negative'), 1.0)
                           * CASE WHEN list_contains(v.intents, 'churn_or_escalation') THEN 1.5 ELSE 1.0 END AS severity
                FROM v_post_brand v
                LEFT JOIN author_scores s ON s.author_key = v.author_key AND s.brand_id = v.brand_id AND s.day = v.local_day
                WHERE {where}
            )
            SELECT post_key, brand_id, local_day, p_negative, reach, severity, p_negative * reach * severity FROM base
            """,
            params,
        )


def store_scores(con: duckdb.DuckDBPyConnection, day: date, official: set[tuple[str, str]] = frozenset()) -> int:
    scores = brand_scores(con, day, official)
    cols = [
        "day",
        "brand_id",
        "author_key",
        "influence",
        "mentions",
        "positive",
        "negative",
        "recommends",
        "advocacy",
        "detraction",
    ]
    with transaction(con):
        con.execute("DELETE FROM author_scores WHERE day = ?", [day])
        if not scores.empty:
            with registered(con, scores_df=pa.Table.from_pandas(scores[cols], preserve_index=False)):
                con.execute(f"INSERT INTO author_scores ({', '.join(cols)}) SELECT {', '.join(cols)} FROM scores_df")
    return len(scores)


def score_days(con: duckdb.DuckDBPyConnection, config, days: Iterable[date]) -> int:
    """The score stage: author scores and post risk of each day; returns the author-score rows."""
    official, severity = official_accounts(config), config.aspect_severity()
    scored = 0
    for day in days:
        scored += store_scores(con, day, official)
        store_post_risk(con, day, severity)
    return scored
