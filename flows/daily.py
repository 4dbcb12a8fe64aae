"""Prefect flows: ``daily`` (one run now) and ``backfill`` (a date range).

One task per stage: crawl (one per source, retried), load, analyze, score, alert,
notify (retried). Every run records ``crawl_runs`` rows and publishes a markdown
summary artifact. Tasks receive the config path, not objects, so a run can move to a
Prefect worker elsewhere unchanged.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows import alerts as alert_rules
from flows.actions import apply_pending
from flows.analyze import Analyzed, analyze_pending
from flows.collect import crawl_source, load_pending, register_sources, stats_dict
from flows.config import Config, load_config
from flows.notify import notify
from flows.scoring import score_days
from flows.summary import summary_markdown
from warehouse.db import publish_snapshot, transaction, writer


@cache
def _scorer(model: str, batch_size: int, threads: int | None, runtime: str):
    from nlp.sentiment.scorer import load_scorer

    return load_scorer(model, batch_size, threads, with_embeddings=True, runtime=runtime)  # embeddings: complaint areas


def _config(path: str) -> Config:
    return load_config(Path(path))


@task(name="crawl", retries=2, retry_delay_seconds=5)
def crawl_task(
    config_path: str, source_id: str, run_id: str, run_date: date, flow_name: str, backfill_from: date | None = None
) -> dict:
    """A daily crawl stages what is new since the source's newest stored post (less the revisit
    window); a backfill stages everything published from its first day on."""
    config = _config(config_path)
    stats, since = crawl_source(config, config.source(source_id), run_id, run_date, flow_name, backfill_from)
    get_run_logger().info(
        "crawl %s: %s pages (%s unchanged), %s items, %s older than %s skipped, %s rejected, errors %s",
        *(source_id, stats.pages, stats.not_modified, stats.items, stats.skipped_old, since, stats.rejected, stats.errors),
    )
    if not stats.ok:
        raise RuntimeError(f"crawl of {source_id} failed: {stats.errors}")
    return stats_dict(stats)


@task(name="load")
def load_task(config_path: str) -> dict:
    return load_pending(_config(config_path))


@task(name="analyze")
def analyze_task(config_path: str) -> Analyzed:
    config = _config(config_path)
    scorer = _scorer(config.sentiment.model, config.sentiment.batch_size, config.sentiment.threads, config.sentiment.runtime)
    logger = get_run_logger()
    return analyze_pending(config, scorer, progress=lambda done, total: logger.info("analyzed %d of %d posts", done, total))


@task(name="score")
def score_task(config_path: str, days: list[date]) -> int:
    config = _config(config_path)
    with writer(config.warehouse.path) as con:
        return score_days(con, config, days)


@task(name="alert")
def alert_task(config_path: str, days: list[date]) -> dict:
    config = _config(config_path)
    totals: dict[str, int] = {}
    with writer(config.warehouse.path) as con:
        for line in apply_pending(con, config.warehouse.path):  # actions people took while we wrote
            get_run_logger().info(line)
        for day in days:
            found = alert_rules.evaluate(con, list(config.brands), day, config.alerts, config.aspect_taxonomy())
            with transaction(con):
                counts = alert_rules.apply(con, found, config.alerts.cooldown_days)
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
    return totals


@task(name="notify", retries=3, retry_delay_seconds=10)
def notify_task(config_path: str) -> int:
    config = _config(config_path)
    with writer(config.warehouse.path) as con:
        return notify(config, con)


@task(name="publish")
def publish_task(config_path: str) -> str:
    """Apply actions queued during the run, then publish the snapshot the dashboard reads while we write."""
    config = _config(config_path)
    with writer(config.warehouse.path) as con:
        for line in apply_pending(con, config.warehouse.path):
            get_run_logger().info(line)
        return str(publish_snapshot(con, config.warehouse.path))


def _run_id(flow_name: str) -> str:
    from prefect.runtime import flow_run

    return f"{flow_name}-{flow_run.id or uuid.uuid4()}"


def _pipeline(config_path: str, days: list[date], crawl: bool, flow_name: str) -> dict:
    config = _config(config_path)
    run_id = _run_id(flow_name)
    register_sources(config)
    crawled = {}
    if crawl:
        backfill_from = days[0] if flow_name == "backfill" else None
        futures = {s.id: crawl_task.submit(config_path, s.id, run_id, days[-1], flow_name, backfill_from) for s in config.sources}
        for source_id, future in futures.items():
            try:
                crawled[source_id] = future.result()
            except Exception as exc:  # one failed source must not stop the others' data
                crawled[source_id] = {"error": str(exc)}
    loaded = load_task(config_path)
    analyzed = analyze_task(config_path)
    # Posts read this run (late arrivals, edits, a changed config read again) change their
    # days' author scores and post risk: those days are scored again too. Alerts stay on the
    # run's days: history is corrected, not re-alerted.
    scored = score_task(config_path, sorted(set(days) | set(analyzed.days)))
    alerted = alert_task(config_path, days)
    notified = notify_task(config_path)
    publish_task(config_path)
    language = config.dashboard.language
    summary = summary_markdown(config.warehouse.path, language, config.area_names(language))
    create_markdown_artifact(
        key=flow_name,
        markdown=f"# koubei {flow_name} run {run_id}\n\nDays: {days[0]} to {days[-1]}\n\n{summary}",
        description="koubei run summary",
    )
    return {
        "run_id": run_id,
        "crawled": crawled,
        "loaded": loaded,
        "analyzed": analyzed.posts,
        "scored": scored,
        "alerts": alerted,
        "notified": notified,
    }


def last_complete_day(config: Config) -> date:
    return datetime.now(ZoneInfo(config.timezone)).date() - timedelta(days=1)


@flow(name="koubei-daily", log_prints=True)
def daily(config_path: str, day: date | None = None, crawl: bool = True) -> dict:
    """Crawl every source now, then score and alert on ``day`` (default: yesterday)."""
    day = day or last_complete_day(_config(config_path))
    return _pipeline(config_path, [day], crawl, "daily")


@flow(name="koubei-backfill", log_prints=True)
def backfill(config_path: str, start: date, end: date, crawl: bool = True) -> dict:
    """Crawl once, then replay scoring and alert rules day by day from ``start`` to ``end``."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return _pipeline(config_path, days, crawl, "backfill")
