"""bench/dashboard_latency.py builds its synthetic warehouse through the current migrations
and renders every page on it: a schema change that breaks the bench's data fails here, not
on the day someone measures (a migration that added columns to alerts once did)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dashboard_latency.py"


def _bench():
    spec = importlib.util.spec_from_file_location("dashboard_latency", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_latency_bench_builds_its_warehouse_and_renders_every_page(tmp_path, monkeypatch):
    bench = _bench()
    monkeypatch.setenv("KOUBEI_CONFIG", "")  # page_times points it at the bench's config; restored after
    db = tmp_path / "bench.duckdb"
    bench.build_warehouse(db, 300)
    times = bench.page_times(bench.write_config(tmp_path, db), repeats=1)
    assert list(times) == bench.PAGES and all(seconds > 0 for seconds in times.values())
