"""Warehouse loader throughput: 1,000,000 synthetic posts through the Arrow upsert,
next to a plain ``executemany`` INSERT of 20,000 rows measured in the same run.

    python bench/load_throughput.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from warehouse.db import writer
from warehouse.load import POST_SCHEMA, upsert_posts


def synthetic_posts(n: int, offset: int = 0) -> pa.Table:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    keys = [hashlib.sha1(str(i + offset).encode()).hexdigest() for i in range(n)]
    published = [start + timedelta(minutes=i % 500_000) for i in range(n)]
    columns = {
        "post_key": keys,
        "source_id": [f"src{i % 7}" for i in range(n)],
        "kind": ["post"] * n,
        "platform_id": [str(i + offset) for i in range(n)],
        "url": [f"https://forum.example.com/t/{i // 20}#p{i}" for i in range(n)],
        "thread_id": [str(i // 20) for i in range(n)],
        "thread_title": [f"thread {i // 20}" for i in range(n)],
        "parent_key": [None] * n,
        "floor": [i % 20 + 1 for i in range(n)],
        "author_key": [f"a{i % 50_000}" for i in range(n)],
        "published_at": published,
        "local_day": [d.date() for d in published],
        "fetched_at": [start] * n,
        "text_raw": [f"鲁莫外卖第{i}条评论，配送{'很快' if i % 3 else '太慢'}了" for i in range(n)],
        "quoted_text": [None] * n,
        "rating": [float(i % 5 + 1) for i in range(n)],
        "rating_max": [5.0] * n,
        "item_name": [None] * n,
        "likes": [i % 40 for i in range(n)],
        "replies": [i % 9 for i in range(n)],
        "views": [i % 900 for i in range(n)],
        "language_hint": ["zh"] * n,
        "content_hash": keys,
        "first_run_id": ["bench"] * n,
    }
    return pa.table(columns, schema=POST_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = synthetic_posts(args.rows)
        with writer(Path(tmp) / "bench.duckdb") as con:
            started = time.perf_counter()
            upsert_posts(con, table)
            loader_s = time.perf_counter() - started
            started = time.perf_counter()
            upsert_posts(con, table.slice(0, args.rows // 10))  # re-load 10%: the idempotent upsert path
            reload_s = time.perf_counter() - started
            assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == args.rows
        baseline = synthetic_posts(args.baseline_rows, offset=10**9).to_pylist()
        with writer(Path(tmp) / "baseline.duckdb") as con:
            cols = [f.name for f in POST_SCHEMA]
            started = time.perf_counter()
            con.executemany(
                f"INSERT INTO posts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [[row[c] for c in cols] for row in baseline],
            )
            baseline_s = time.perf_counter() - started
    loader_rate, baseline_rate = args.rows / loader_s, args.baseline_rows / baseline_s
    print(f"loader: {args.rows} rows in {loader_s:.2f}s; reload of {args.rows // 10} existing rows in {reload_s:.2f}s")
    print(f"baseline executemany: {args.baseline_rows} rows in {baseline_s:.2f}s")
    print(
        f"loader_rows_per_s={loader_rate:.0f} executemany_rows_per_s={baseline_rate:.0f} speedup={loader_rate / baseline_rate:.1f}"
    )


if __name__ == "__main__":
    main()
