"""Crawl and load stages: one subprocess crawl per source into staging, then bulk loads.

Staging files live under ``<staging_dir>/<run_id>/<source_id>.jsonl`` and every crawl
is recorded in ``crawl_runs``. Loading picks up every staged file not yet loaded (also
those of an earlier run that was killed), so an interrupted run is finished by the next.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from crawlers.runner import CrawlStats, run_crawl
from flows.config import Config, Source
from warehouse.db import writer
from warehouse.load import load_staging_file


def staging_path(config: Config, run_id: str, source: Source) -> Path:
    return config.warehouse.staging_dir / run_id / f"{source.id}.jsonl"


def register_sources(config: Config) -> None:
    with writer(config.warehouse.path) as con:
        for s in config.sources:
            con.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", [s.id, s.kind, str(s.start_urls[0]), datetime.now(UTC)]
            )
        for b in config.brands:
            con.execute("INSERT OR REPLACE INTO brands VALUES (?, ?, ?)", [b.id, b.name, b.competitor])


def _since(con, config: Config, source: Source, backfill_from: date | None) -> datetime | None:
    """Posts published before this are not staged. A backfill stages from its first day; a
    daily crawl from the source's newest stored post less the revisit window (late replies
    and edits within it are staged again; the load upserts). None for a source never loaded."""
    if backfill_from is not None:
        return datetime.combine(backfill_from, time.min, ZoneInfo(config.timezone))
    newest = con.execute("SELECT max(published_at) FROM posts WHERE source_id = ?", [source.id]).fetchall()[0][0]
    return newest - timedelta(days=config.crawl.revisit_days) if newest else None


def crawl_source(
    config: Config, source: Source, run_id: str, run_date: date, flow: str, backfill_from: date | None = None
) -> tuple[CrawlStats, datetime | None]:
    """Crawl one source into its staging file; returns its stats and the "since" it used."""
    out = staging_path(config, run_id, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)  # a retried crawl starts its file afresh
    started = datetime.now(UTC)
    with writer(config.warehouse.path) as con:
        since = _since(con, config, source, backfill_from)
        con.execute(
            "INSERT OR REPLACE INTO crawl_runs (run_id, source_id, flow, run_date, started_at, status, staging_file) VALUES (?, ?, ?, ?, ?, 'running', ?)",
            [run_id, source.id, flow, run_date, started, str(out)],
        )
    stats = run_crawl(
        source.model_dump(mode="json"),
        config.crawl.model_dump(mode="json"),
        out,
        state_dir=config.warehouse.crawl_state_dir(),
        since=since,
    )
    out.touch()
    with writer(config.warehouse.path) as con:
        con.execute(
            """UPDATE crawl_runs SET finished_at = ?, status = ?, pages = ?, items = ?, rejected = ?, errors = ?,
                      skipped_old = ?, not_modified = ?
               WHERE run_id = ? AND source_id = ?""",
            [
                datetime.now(UTC),
                "crawled" if stats.ok else "failed",
                stats.pages,
                stats.items,
                stats.rejected,
                json.dumps(stats.errors),
                stats.skipped_old,
                stats.not_modified,
                run_id,
                source.id,
            ],
        )
    return stats, since


def load_pending(config: Config) -> dict[str, int]:
    """Load every crawled-but-not-loaded staging file; returns posts loaded per source."""
    zone = ZoneInfo(config.timezone)
    loaded: dict[str, int] = {}
    with writer(config.warehouse.path) as con:
        pending = con.execute(
            "SELECT run_id, source_id, staging_file FROM crawl_runs WHERE status IN ('crawled', 'failed') AND staging_file IS NOT NULL ORDER BY started_at"
        ).fetchall()
    for run_id, source_id, staging_file in pending:
        path = Path(staging_file)
        with writer(config.warehouse.path) as con:
            result = load_staging_file(con, path, run_id, zone) if path.exists() else None
            posts = result.posts if result else 0
            con.execute(
                "UPDATE crawl_runs SET status = CASE WHEN status = 'crawled' THEN 'loaded' ELSE 'failed_loaded' END, loaded = ? WHERE run_id = ? AND source_id = ?",
                [posts, run_id, source_id],
            )
        loaded[source_id] = loaded.get(source_id, 0) + posts
    return loaded


def stats_dict(stats: CrawlStats) -> dict:
    return asdict(stats)
