"""Migrations, idempotent Arrow loads and quarantine on a real DuckDB file."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from warehouse.db import WarehouseBusy, migrations, reader, writer
from warehouse.load import load_staging_file

ZONE = ZoneInfo("Asia/Shanghai")


def _item(n: int, **extra) -> dict:
    return {
        "source_id": "forum",
        "kind": "post",
        "url": f"https://forum.example.com/t/1#p{n}",
        "platform_id": str(n),
        "author_name": f"user{n % 3}",
        "author_platform_id": str(n % 3),
        "author_followers": n,
        "published_at": datetime(2026, 11, 1, 23, 30, tzinfo=UTC).isoformat(),
        "text": f"第{n}楼 鲁莫配送很快",
        **extra,
    }


def _staging(path, items, garbage=()):
    path.write_text("\n".join([*(json.dumps(i, ensure_ascii=False) for i in items), *garbage]) + "\n", encoding="utf-8")
    return path


def test_migrations_apply_once(tmp_path):
    db = tmp_path / "w.duckdb"
    with writer(db) as con:
        versions = [v for v, _, _ in migrations()]
        assert con.execute("SELECT list(version ORDER BY version) FROM schema_migrations").fetchone()[0] == versions
    with writer(db) as con:  # second open applies nothing and keeps the rows
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(versions)
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"v_daily_sentiment", "v_open_alerts", "v_advocates", "v_complaint_pareto"} <= views


def test_load_is_idempotent_and_quarantines_bad_lines(tmp_path):
    db = tmp_path / "w.duckdb"
    staging = _staging(
        tmp_path / "s.jsonl", [_item(n) for n in range(50)], garbage=['{"source_id": "forum", "text": ""}', '{"torn line']
    )
    with writer(db) as con:
        first = load_staging_file(con, staging, "run1", ZONE)
        counts = con.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM authors), (SELECT count(*) FROM quarantine)"
        ).fetchone()
        load_staging_file(con, staging, "run2", ZONE)
        load_staging_file(con, staging, "run1", ZONE)
        again = con.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM authors), (SELECT count(*) FROM quarantine)"
        ).fetchone()
        day, followers = con.execute("SELECT local_day, (SELECT max(followers) FROM authors) FROM posts LIMIT 1").fetchone()
        assert con.execute("SELECT count(*) = count(DISTINCT post_key) FROM posts").fetchone()[0]
        reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine ORDER BY reason").fetchall()]
    assert first.posts == 50 and first.quarantined == 2
    assert counts == (50, 3, 2) and again == (50, 3, 4)  # run2 quarantines its own 2; reloading run1 adds none
    assert str(day) == "2026-11-02"  # 23:30 UTC is the next morning in Shanghai
    assert followers == 49  # an author keeps the highest follower count seen
    assert any("kind" in r or "url" in r for r in reasons) and any("line" in r or "json" in r.lower() for r in reasons)


def test_engagement_refreshes_without_new_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    with writer(db) as con:
        load_staging_file(con, _staging(tmp_path / "a.jsonl", [_item(1, likes=3)]), "r1", ZONE)
        load_staging_file(con, _staging(tmp_path / "b.jsonl", [_item(1, likes=9)]), "r2", ZONE)
        assert con.execute("SELECT count(*), max(likes), any_value(first_run_id) FROM posts").fetchone() == (1, 9, "r1")
        dup = _staging(tmp_path / "c.jsonl", [_item(1, likes=11), _item(1, likes=12), _item(2)])
        load_staging_file(con, dup, "r3", ZONE)  # a batch repeating a key keeps one row
        assert con.execute("SELECT count(*), count(DISTINCT post_key) FROM posts").fetchone() == (2, 2)


def test_reader_fails_fast_while_a_writer_holds_the_file(tmp_path, another_writer):
    import time

    db = tmp_path / "w.duckdb"
    with writer(db):
        pass
    with another_writer(db):
        started = time.time()
        with pytest.raises(WarehouseBusy, match="being written by a running koubei flow"), reader(db):
            pass
        assert time.time() - started < 5  # fails at once instead of waiting
    with reader(db) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_reader_refuses_an_older_schema_with_a_clear_message(tmp_path):
    from warehouse.db import WarehouseMissing

    db = tmp_path / "old.duckdb"
    with writer(db) as con:  # as a file made before migration 003: undo 003 and every later one
        con.execute("DROP TABLE post_risk")
        con.execute("DROP TABLE notification_log")
        con.execute("DROP VIEW v_area_corrections")
        con.execute("DROP TABLE area_corrections")
        con.execute("DROP VIEW v_sentiment_corrections")
        con.execute("DROP TABLE sentiment_corrections")
        con.execute("ALTER TABLE crawl_runs DROP COLUMN skipped_old")
        con.execute("ALTER TABLE crawl_runs DROP COLUMN not_modified")
        con.execute("ALTER TABLE post_analysis DROP COLUMN reading")
        for column in ("peak_day", "peak_reason", "peak_strength", "reason_zh", "peak_reason_zh"):
            con.execute(f"ALTER TABLE alerts DROP COLUMN {column}")
        con.execute("DELETE FROM schema_migrations WHERE version >= 3")
    latest = max(version for version, _, _ in migrations())
    with pytest.raises(WarehouseMissing, match=rf"schema version 2, this koubei needs {latest}; run `koubei run`"), reader(db):
        pass
    with writer(db):  # the writer applies what is missing
        pass
    with reader(db) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(migrations())
