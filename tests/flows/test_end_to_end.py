"""The daily pipeline end to end: demo site over HTTP -> Prefect flows -> a real DuckDB file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from crawlers.demo_site.story import BURST_DAY

pytestmark = pytest.mark.slow
TABLES = ("posts", "authors", "post_analysis", "author_scores", "alerts", "alert_events", "quarantine")


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def pipeline(demo_pipeline):
    return demo_pipeline


def test_backfill_fills_the_warehouse(pipeline):
    _, config, first, last, result = pipeline
    assert all("error" not in v for v in result["crawled"].values()), result["crawled"]
    con = duckdb.connect(str(config.warehouse.path), read_only=True)
    try:
        per_source = dict(con.execute("SELECT source_id, count(*) FROM posts GROUP BY 1").fetchall())
        assert set(per_source) == {"demo-reviews", "demo-forum-zh", "demo-forum-en", "demo-blog-rss"}
        languages = {r[0] for r in con.execute("SELECT DISTINCT language FROM post_analysis").fetchall()}
        scripts = {r[0] for r in con.execute("SELECT DISTINCT script FROM post_analysis WHERE script IS NOT NULL").fetchall()}
        assert {"zh", "en"} <= languages and scripts == {"zh-Hans", "zh-Hant"}
        assert con.execute("SELECT count(*) FROM authors WHERE followers >= 50000").fetchone()[0] == 1
        unscored = con.execute("SELECT count(*) FROM posts p ANTI JOIN post_analysis a USING (post_key)").fetchone()[0]
        assert unscored == 0
        model = con.execute("SELECT DISTINCT model_id, model_version FROM post_analysis").fetchall()
        from nlp.sentiment.model import read_meta

        assert model == [(read_meta().model_id, f"{read_meta().version}+int8")]  # the default runtime says so
        runs = con.execute("SELECT count(*), sum(items), sum(loaded) FROM crawl_runs WHERE status = 'loaded'").fetchone()
        assert runs[0] == 4 and runs[1] == runs[2] == sum(per_source.values())
        days = con.execute("SELECT min(local_day), max(local_day) FROM posts").fetchone()
        assert days == (first, last)
    finally:
        con.close()


def test_complaint_areas_exclude_official_replies_and_include_the_model(pipeline):
    """Official accounts' apologies name what they answer but are no complaints; the
    complaint-area model adds areas the word lists missed on some customers' posts."""
    from flows.analyze import TextReader
    from flows.scoring import official_accounts
    from nlp.sentiment.scorer import SentimentResult
    from nlp.text.matching import AspectMatcher

    _, config, *_ = pipeline
    official = official_accounts(config)
    con = duckdb.connect(str(config.warehouse.path), read_only=True)
    try:
        rows = con.execute(
            """SELECT p.source_id, au.display_name, p.text_clean, a.label, a.aspects, a.flags
               FROM posts p JOIN post_analysis a USING (post_key) LEFT JOIN authors au USING (author_key)
               WHERE a.is_current"""
        ).fetchall()
    finally:
        con.close()
    replies = [r for r in rows if (r[0], r[1]) in official]
    customers = [r for r in rows if (r[0], r[1]) not in official]
    assert replies and all(r[4] == [] and "official" in r[5] for r in replies)
    assert not any("official" in (r[5] or []) for r in customers)  # the flag tells analysts which posts are replies
    # The rule is what keeps them empty: an apology that names an area, read negative
    # (the 12-layer model read the demo's apology so), gets areas unless it is official.
    apology, negative = "很抱歉快递太慢了，已为您退款", SentimentResult("negative", 0.9, 0.05, 0.05)
    reader = TextReader.from_config(config)
    assert reader.read(apology, negative)["aspects"] and reader.read(apology, negative, official=True)["aspects"] == []
    # 退款 from the brand is its answer, not a customer's escalation
    assert reader.read(apology, negative)["intents"] and reader.read(apology, negative, official=True)["intents"] == []
    assert (
        reader.read(apology, negative, official=True)["flags"] == ["official"] and reader.read(apology, negative)["flags"] == []
    )
    # Loyalty is read with the post's sentiment: a recommendation in praise, nothing in a complaint
    loyal, positive = "经常点他家，很好吃", SentimentResult("positive", 0.05, 0.05, 0.9)
    assert reader.read(loyal, positive)["intents"] == ["recommend"] and reader.read(loyal, negative)["intents"] == []
    words = AspectMatcher(config.aspect_taxonomy())
    from_model = [r for r in customers if {a["aspect"] for a in r[4]} - {a["aspect"] for a in words.match(r[2] or "")}]
    assert 0 < len(from_model) < 0.1 * len(customers)


def test_planted_burst_is_visible_and_alerted(pipeline):
    _, config, first, _, _ = pipeline
    burst_day = first + timedelta(days=BURST_DAY)
    con = duckdb.connect(str(config.warehouse.path), read_only=True)
    try:
        daily = dict(con.execute("SELECT day, sum(negative) FROM v_daily_sentiment WHERE brand = 'lumo' GROUP BY 1").fetchall())
        baseline = sorted(daily.get(first + timedelta(days=i), 0) for i in range(BURST_DAY))
        assert daily[burst_day] >= 3 * max(baseline[len(baseline) // 2], 1)
        spikes = con.execute("SELECT brand_id, day, evidence FROM alerts WHERE rule = 'negative_spike'").fetchall()
        assert [(b, d) for b, d, _ in spikes] == [("lumo", burst_day)]
        evidence_authors = {
            r[0]
            for r in con.execute(
                "SELECT au.display_name FROM posts p JOIN authors au USING (author_key) WHERE list_contains(?, p.post_key)",
                [spikes[0][2]],
            ).fetchall()
        }
        assert "数码老王" in evidence_authors
        assert len({a for a in evidence_authors if a.startswith("用户73")}) >= 4  # the coordinated near-copies
        assert (
            con.execute(
                "SELECT count(*) FROM alerts WHERE rule = 'coordinated_posting' AND brand_id = 'lumo' AND day = ?", [burst_day]
            ).fetchone()[0]
            == 1
        )
        assert con.execute("SELECT count(*) FROM alerts WHERE brand_id = 'qingshan'").fetchone()[0] == 0
        clock = con.execute("SELECT day, evidence FROM alerts WHERE rule = 'response_clock'").fetchall()
        assert [d for d, _ in clock] == [burst_day + timedelta(days=1)]  # the burst thread went unanswered
        origin = con.execute(
            "SELECT p.post_key FROM posts p JOIN authors au USING (author_key) WHERE au.display_name = '数码老王'"
        ).fetchone()[0]
        assert origin in clock[0][1]
        high = con.execute("SELECT rule FROM alerts WHERE severity = 'high'").fetchall()
        assert high == [("negative_spike",)]
        pareto = con.execute(
            "SELECT aspect, cumulative_share FROM v_complaint_pareto WHERE brand = 'lumo' ORDER BY count DESC"
        ).fetchall()
        assert pareto[0][0] in ("delivery", "privacy", "customer_service") and abs(pareto[-1][1] - 1.0) < 1e-9
        advocates = [
            r[0]
            for r in con.execute("SELECT author FROM v_advocates WHERE brand = 'lumo' ORDER BY advocacy DESC LIMIT 3").fetchall()
        ]
        planted = {"小雨爱生活", "阿杰测评", "amy_eats_well"}
        # The planted advocates are the brand's top three, the one whose praise the model
        # misreads included: her posts recommend Lumo in so many words.
        assert set(advocates) == planted, advocates
        assert "鲁莫官方客服" not in {r[0] for r in con.execute("SELECT author FROM v_advocates").fetchall()}
    finally:
        con.close()


def test_second_run_changes_no_row_count(pipeline):
    from flows.daily import daily

    config_path, config, _, last, _ = pipeline
    before = _counts(config.warehouse.path)
    daily(str(config_path), last, True)
    assert _counts(config.warehouse.path) == before


def test_run_killed_during_load_is_finished_by_the_next(pipeline, tmp_path):
    """SIGKILL a load half-way; the next load ends with exactly the rows of an uninterrupted one."""
    from flows.collect import load_pending
    from warehouse.db import writer

    config_path, config, *_ = pipeline
    rows = [
        json.dumps(
            {
                "source_id": "bulk",
                "kind": "post",
                "url": f"https://bulk.example.com/p/{n}",
                "platform_id": str(n),
                "author_name": f"a{n % 97}",
                "published_at": "2026-11-01T08:00:00+00:00",
                "text": f"鲁莫 第{n}条",
            },
            ensure_ascii=False,
        )
        for n in range(150_000)
    ]
    results = {}
    for name, kill in (("interrupted", True), ("clean", False)):
        cfg = config.model_copy(update={"warehouse": config.warehouse.model_copy(update={"path": tmp_path / f"{name}.duckdb"})})
        files = [tmp_path / f"{name}-{i}.jsonl" for i in range(3)]
        for f in files:
            f.write_text("\n".join(rows[: len(rows) // 3]) if f.name.endswith("-0.jsonl") else "\n".join(rows), encoding="utf-8")
        with writer(cfg.warehouse.path) as con:
            for i, f in enumerate(files):
                con.execute(
                    "INSERT INTO crawl_runs (run_id, source_id, flow, run_date, started_at, status, staging_file) VALUES (?, 'bulk', 't', current_date, now() + to_seconds(?), 'crawled', ?)",
                    [f"r{i}", i, str(f)],
                )
        if kill:
            code = (
                f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r});"
                f"from flows.config import load_config; from flows.collect import load_pending;"
                f"c = load_config({str(config_path)!r});"
                f"c = c.model_copy(update={{'warehouse': c.warehouse.model_copy(update={{'path': {str(cfg.warehouse.path)!r}}})}});"
                "load_pending(c)"
            )
            proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ})
            deadline = time.time() + 60
            while time.time() < deadline and not _some_rows(cfg.warehouse.path):
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        load_pending(cfg)
        results[name] = _counts(cfg.warehouse.path)
    assert results["interrupted"]["posts"] == results["clean"]["posts"] == 150_000
    assert results["interrupted"] == results["clean"]


def _some_rows(db: Path) -> bool:
    """Heuristic for 'the loader is under way': the file or its WAL has grown past the empty schema.
    Wherever the kill lands, the assertions must hold; this only makes a mid-load kill likely."""
    wal = db.with_suffix(".duckdb.wal")
    return db.exists() and (db.stat().st_size > 3_000_000 or (wal.exists() and wal.stat().st_size > 1_000_000))


def _koubei(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env={**os.environ}, timeout=120
    )


def test_sql_command_reads_and_fails_clearly_while_a_flow_writes(pipeline, another_writer):
    config_path, config, *_ = pipeline
    ok = _koubei("sql", "--config", str(config_path), "select count(*) as posts from posts")
    assert ok.returncode == 0, ok.stderr
    header, value = ok.stdout.strip().splitlines()
    assert header == "posts" and int(value) > 300
    with another_writer(config.warehouse.path):
        started = time.time()
        busy = _koubei("sql", "--config", str(config_path), "select 1")
    assert busy.returncode == 2 and time.time() - started < 60  # a clear error, not a hang
    assert "being written by a running koubei flow" in busy.stderr and "Traceback" not in busy.stderr


def test_backtest_over_the_demo_prints_the_planted_alert_and_no_other_high_one(pipeline):
    from typer.testing import CliRunner

    from flows.cli import app

    config_path, _config, first, last, _ = pipeline
    result = CliRunner().invoke(app, ["alerts", "backtest", "--from", str(first), "--to", str(last), "-c", str(config_path)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()[1:] if line.count("\t") >= 5]
    high_openings = [
        (day, brand, rule) for day, severity, brand, rule, status, _ in rows if severity == "high" and status == "opens"
    ]
    assert high_openings == [(str(first + timedelta(days=BURST_DAY)), "lumo", "negative_spike")]
    assert not [row for row in rows if row[2] == "qingshan"]  # the quiet brand
    assert "alerts would have opened" in result.output
