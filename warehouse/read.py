"""Read helpers for the dashboard and reports: each opens a read-only connection, runs
one parameterized query and closes it, retrying with backoff while the flow writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from warehouse.db import reader


def query(db: Path, sql: str, params: list | None = None, retries: int = 8) -> pd.DataFrame:
    with reader(db, retries=retries) as con:
        return con.execute(sql, params or []).df()


def data_as_of(db: Path):
    return query(db, "SELECT max(finished_at) AS as_of FROM crawl_runs WHERE status IN ('loaded', 'crawled')")["as_of"].iloc[0]


def open_alerts(db: Path) -> pd.DataFrame:
    return query(
        db, "SELECT severity, brand, rule, day, last_day, status, reason, len(evidence) AS evidence_posts FROM v_open_alerts"
    )


def daily_sentiment(db: Path, brand: str | None = None) -> pd.DataFrame:
    return query(
        db,
        """SELECT day, brand, sum(negative) AS negative, sum(neutral) AS neutral, sum(positive) AS positive
           FROM v_daily_sentiment WHERE ? IS NULL OR brand = ? GROUP BY ALL ORDER BY day""",
        [brand, brand],
    )


def complaint_pareto(db: Path, brand: str) -> pd.DataFrame:
    return query(db, "SELECT aspect, count, cumulative_share FROM v_complaint_pareto WHERE brand = ?", [brand])


def brands(db: Path) -> list[str]:
    return query(db, "SELECT brand_id FROM brands ORDER BY competitor, brand_id")["brand_id"].tolist()
