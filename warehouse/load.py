"""Bulk, idempotent loads of staged items through Arrow (never row by row).

A staging file is loaded inside one transaction: a load killed half-way leaves
nothing behind, and loading the same file again changes nothing, so the next run
simply loads every staged file of the run again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from crawlers.items import StagedPost
from warehouse.db import registered, transaction
from warehouse.keys import author_key, content_hash, post_key

log = logging.getLogger(__name__)

POST_SCHEMA = pa.schema(
    [
        ("post_key", pa.string()),
        ("source_id", pa.string()),
        ("kind", pa.string()),
        ("platform_id", pa.string()),
        ("url", pa.string()),
        ("thread_id", pa.string()),
        ("thread_title", pa.string()),
        ("parent_key", pa.string()),
        ("floor", pa.int32()),
        ("author_key", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("local_day", pa.date32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("text_raw", pa.string()),
        ("quoted_text", pa.string()),
        ("rating", pa.float64()),
        ("rating_max", pa.float64()),
        ("item_name", pa.string()),
        ("likes", pa.int32()),
        ("replies", pa.int32()),
        ("views", pa.int32()),
        ("language_hint", pa.string()),
        ("content_hash", pa.string()),
        ("first_run_id", pa.string()),
    ]
)

AUTHOR_SCHEMA = pa.schema(
    [
        ("author_key", pa.string()),
        ("source_id", pa.string()),
        ("platform_id", pa.string()),
        ("display_name", pa.string()),
        ("profile_url", pa.string()),
        ("followers", pa.int32()),
        ("post_count", pa.int32()),
        ("rank", pa.string()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("last_seen", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass
class LoadResult:
    posts: int
    authors: int
    quarantined: int


@dataclass
class Quarantined:
    source_id: str | None
    url: str | None
    reason: str
    payload: str


def read_staging(path: Path) -> tuple[list[StagedPost], list[Quarantined]]:
    """Parse a JSON-lines staging file; bad lines (a torn last line included) are quarantined."""
    good: list[StagedPost] = []
    bad: list[Quarantined] = []
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                good.append(StagedPost.model_validate_json(line))
            except ValidationError as exc:
                record = _loose_json(line)
                bad.append(Quarantined(record.get("source_id"), record.get("url"), _first_error(exc), line[:2000]))
    return good, bad


def _loose_json(line: str) -> dict:
    try:
        value = json.loads(line)
        return value if isinstance(value, dict) else {}
    except json.JSONDecodeError:
        return {}


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}"


def _local_day(moment: datetime | None, zone: ZoneInfo):
    return moment.astimezone(zone).date() if moment else None


def posts_table(items: Iterable[StagedPost], run_id: str, zone: ZoneInfo) -> pa.Table:
    rows = []
    for it in items:
        url = str(it.url)
        rows.append(
            {
                "post_key": post_key(it.source_id, it.platform_id, url),
                "source_id": it.source_id,
                "kind": it.kind,
                "platform_id": it.platform_id,
                "url": url,
                "thread_id": it.thread_id,
                "thread_title": it.thread_title,
                "parent_key": post_key(it.source_id, it.parent_platform_id, url) if it.parent_platform_id else None,
                "floor": it.floor,
                "author_key": author_key(it.source_id, it.author_platform_id, _str(it.author_url), it.author_name),
                "published_at": it.published_at,
                "local_day": _local_day(it.published_at, zone),
                "fetched_at": it.fetched_at,
                "text_raw": it.text,
                "quoted_text": it.quoted_text,
                "rating": it.rating,
                "rating_max": it.rating_max,
                "item_name": it.item_name,
                "likes": it.likes,
                "replies": it.replies,
                "views": it.views,
                "language_hint": it.language_hint,
                "content_hash": content_hash(it.text),
                "first_run_id": run_id,
            }
        )
    return pa.Table.from_pylist(rows, schema=POST_SCHEMA)


def _str(value) -> str | None:
    return str(value) if value is not None else None


def authors_table(items: Iterable[StagedPost]) -> pa.Table:
    rows = []
    for it in items:
        seen = it.published_at or it.fetched_at
        rows.append(
            {
                "author_key": author_key(it.source_id, it.author_platform_id, _str(it.author_url), it.author_name),
                "source_id": it.source_id,
                "platform_id": it.author_platform_id,
                "display_name": it.author_name,
                "profile_url": _str(it.author_url),
                "followers": it.author_followers,
                "post_count": it.author_posts,
                "rank": it.author_rank,
                "first_seen": seen,
                "last_seen": seen,
            }
        )
    return pa.Table.from_pylist(rows, schema=AUTHOR_SCHEMA)


_POST_COLUMNS = [f.name for f in POST_SCHEMA]
_POST_UPDATE = ["thread_title", "likes", "replies", "views", "rating", "fetched_at", "text_raw", "quoted_text", "content_hash"]


def upsert_posts(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    """Insert new posts, refresh engagement and edited text of known ones. Returns rows staged.

    Call inside a transaction. Known keys are updated, then only unseen keys inserted
    (an anti-join), so post_key stays unique without an index slowing bulk inserts.
    """
    with registered(con, staged_posts=table):
        duplicates = con.execute("SELECT count(*) - count(DISTINCT post_key) FROM staged_posts").fetchone()[0]
        # One row per key (the latest fetch wins) when a batch repeats a post.
        source = (
            "staged_posts"
            if duplicates == 0
            else "(SELECT * FROM staged_posts QUALIFY row_number() OVER (PARTITION BY post_key ORDER BY fetched_at DESC) = 1)"
        )
        cols = ", ".join(_POST_COLUMNS)
        updates = ", ".join(f"{c} = s.{c}" for c in _POST_UPDATE)
        con.execute(f"UPDATE posts SET {updates} FROM {source} s WHERE posts.post_key = s.post_key")
        con.execute(
            f"INSERT INTO posts ({cols}) SELECT {cols} FROM {source} s WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.post_key = s.post_key)"
        )
    return table.num_rows


def upsert_authors(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    with registered(con, staged_authors=table):
        con.execute(
            """
            INSERT INTO authors
            SELECT author_key, any_value(source_id), any_value(platform_id), arg_max(display_name, last_seen),
                   any_value(profile_url), max(followers), max(post_count), arg_max(rank, last_seen),
                   min(first_seen), max(last_seen)
            FROM staged_authors GROUP BY author_key
            ON CONFLICT (author_key) DO UPDATE SET
                display_name = excluded.display_name,
                followers = coalesce(excluded.followers, authors.followers),
                post_count = coalesce(excluded.post_count, authors.post_count),
                rank = coalesce(excluded.rank, authors.rank),
                first_seen = least(authors.first_seen, excluded.first_seen),
                last_seen = greatest(authors.last_seen, excluded.last_seen)
            """
        )
    return table.num_rows


def quarantine(con: duckdb.DuckDBPyConnection, run_id: str, rows: list[Quarantined]) -> None:
    if not rows:
        return
    table = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "source_id": q.source_id,
                "url": q.url,
                "reason": q.reason,
                "payload": q.payload,
                "quarantined_at": datetime.now(UTC),
            }
            for q in rows
        ]
    )
    with registered(con, staged_quarantine=table):
        # Idempotent like the rest: the same bad line of the same run is kept once.
        con.execute(
            """INSERT INTO quarantine SELECT s.* FROM staged_quarantine s
               WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.run_id = s.run_id AND q.payload = s.payload)"""
        )


def load_staging_file(con: duckdb.DuckDBPyConnection, path: Path, run_id: str, zone: ZoneInfo) -> LoadResult:
    """Load one staging file atomically (one transaction)."""
    items, bad = read_staging(path)
    with transaction(con):
        n_posts = upsert_posts(con, posts_table(items, run_id, zone)) if items else 0
        n_authors = upsert_authors(con, authors_table(items)) if items else 0
        quarantine(con, run_id, bad)
    return LoadResult(n_posts, n_authors, len(bad))


def iter_staging_files(staging_dir: Path, run_id: str) -> Iterator[Path]:
    yield from sorted((Path(staging_dir) / run_id).glob("*.jsonl"))
