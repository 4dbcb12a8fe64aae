"""Dashboard queries (warehouse/read.py) on a real DuckDB file with hand-built scores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from warehouse import read
from warehouse.db import writer

DAY = date(2026, 11, 20)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "r.duckdb"
    with writer(path) as con:
        con.execute(
            "INSERT INTO authors (author_key, source_id, display_name) VALUES ('fan', 's', 'Fan'), ('critic', 's', 'Critic')"
        )
        rows = [  # day, author, influence, mentions, positive, negative, recommends, advocacy, detraction
            (DAY - timedelta(days=7), "fan", 0.8, 4, 3, 0, 1, 0.30, 0.05),
            (DAY, "fan", 0.8, 6, 4, 1, 3, 0.42, 0.08),
            (DAY, "critic", 0.6, 5, 0, 5, 0, 0.02, 0.35),
        ]
        con.executemany("INSERT INTO author_scores VALUES (?, 'lumo', ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return path


def test_leaderboard_shows_the_posts_behind_a_score_and_its_trend(db):
    advocates = read.leaderboard(db, "lumo", "advocacy")
    assert list(advocates["author"]) == ["Fan", "Critic"]  # every author with a score above zero, best first
    fan = advocates.iloc[0]
    assert (fan["score"], fan["positive"], fan["negative"], fan["recommends"], fan["mentions"]) == (0.42, 4, 1, 3, 6)
    assert fan["trend"] == pytest.approx(0.12)  # 0.42 against 0.30 a week before
    critic = read.leaderboard(db, "lumo", "detraction").iloc[0]
    assert (critic["author"], critic["negative"], critic["trend"]) == ("Critic", 5, 0.35)  # no score a week ago: all new
    with pytest.raises(ValueError, match="advocacy or detraction"):
        read.leaderboard(db, "lumo", "reach")
