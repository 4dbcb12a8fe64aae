"""Post risk on a small hand-built day in a real DuckDB file."""

from datetime import date

from flows.scoring import store_post_risk
from warehouse.db import writer

DAY = date(2026, 11, 15)


def test_post_risk_orders_by_negativity_reach_and_severity(tmp_path):
    rows = [  # key, author, likes, p_negative, aspects, intents
        ("plain", "nobody", 0, 0.9, [{"aspect": "delivery", "polarity": "negative"}], []),
        ("leak", "nobody", 0, 0.9, [{"aspect": "privacy", "polarity": "negative"}], ["churn_or_escalation"]),
        ("star", "influencer", 500, 0.9, [{"aspect": "delivery", "polarity": "negative"}], []),
        ("happy", "influencer", 500, 0.05, [], []),
    ]
    with writer(tmp_path / "r.duckdb") as con:
        for key, author, likes, p_neg, aspects, intents in rows:
            con.execute(
                "INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw, content_hash, likes) VALUES (?, 's', 'post', ?, ?, ?, ?, 't', ?, ?)",
                [key, f"https://x.example/{key}", author, DAY, DAY, key, likes],
            )
            con.execute(
                "INSERT INTO post_analysis VALUES (?, 'm', '1', TRUE, 'zh', NULL, ['lumo'], ?, ?, 'negative', ?, 0.05, ?, [], ?, now(), NULL)",
                [key, aspects, intents, p_neg, 0.95 - p_neg, key],
            )
        con.execute("INSERT INTO author_scores VALUES (?, 'lumo', 'influencer', 0.9, 5, 0, 5, 0, 0, 0.5)", [DAY])
        assert store_post_risk(con, DAY, {"delivery": 1.0, "privacy": 3.0}) == 4
        risk = dict(con.execute("SELECT post_key, risk FROM post_risk").fetchall())
        severity = dict(con.execute("SELECT post_key, severity FROM post_risk").fetchall())
        assert severity["leak"] == 4.5 and severity["plain"] == 1.0  # privacy 3.0 x escalation 1.5
        assert risk["leak"] > risk["plain"] and risk["star"] > risk["plain"] > risk["happy"]  # severity, reach, negativity
        p_neg, reach, sev, value = con.execute(
            "SELECT p_negative, reach, severity, risk FROM post_risk WHERE post_key = 'star'"
        ).fetchall()[0]
        assert abs(reach - (0.2 + 0.9 + 0.9)) < 0.01 and abs(value - p_neg * reach * sev) < 1e-9  # explainable product
        assert store_post_risk(con, DAY, {"delivery": 1.0, "privacy": 3.0}) == 4  # rerun replaces, no duplicates
        assert con.execute("SELECT count(*) FROM post_risk").fetchone()[0] == 4
