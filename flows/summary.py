"""The run summary: what the PR team and the operator want to see after a run."""

from __future__ import annotations

from pathlib import Path

from warehouse.db import reader


def summary_tables(db: Path) -> dict[str, list[tuple]]:
    with reader(db, retries=10) as con:
        return {
            "posts": con.execute(
                """SELECT p.source_id, coalesce(a.language, '?'), count(*) FROM posts p
                   LEFT JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current GROUP BY ALL ORDER BY 1, 2"""
            ).fetchall(),
            "negative_share": con.execute(
                """SELECT brand, sum(negative), sum(total), round(sum(negative) / sum(total), 3)
                   FROM v_daily_sentiment GROUP BY brand ORDER BY brand"""
            ).fetchall(),
            "alerts": con.execute("SELECT severity, brand, rule, day, last_day, explanation FROM v_open_alerts").fetchall(),
            "advocates": con.execute(
                "SELECT brand, author, source, round(advocacy, 3) FROM v_advocates WHERE advocacy > 0 QUALIFY row_number() OVER (PARTITION BY brand ORDER BY advocacy DESC) <= 3 ORDER BY brand, advocacy DESC"
            ).fetchall(),
            "detractors": con.execute(
                "SELECT brand, author, source, round(detraction, 3) FROM v_advocates WHERE detraction > 0 QUALIFY row_number() OVER (PARTITION BY brand ORDER BY detraction DESC) <= 3 ORDER BY brand, detraction DESC"
            ).fetchall(),
        }


def _table(title: str, header: list[str], rows: list[tuple]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows] or ["| " + " | ".join(["—"] * len(header)) + " |"]
    return "\n".join(lines) + "\n"


def summary_markdown(db: Path) -> str:
    t = summary_tables(db)
    return "\n".join(
        [
            _table("Posts per source and language", ["source", "language", "posts"], t["posts"]),
            _table("Negative share per brand", ["brand", "negative", "posts", "share"], t["negative_share"]),
            _table("Open alerts", ["severity", "brand", "rule", "first day", "latest day", "reason"], t["alerts"]),
            _table("Top advocates", ["brand", "author", "source", "advocacy"], t["advocates"]),
            _table("Top detractors", ["brand", "author", "source", "detraction"], t["detractors"]),
        ]
    )
