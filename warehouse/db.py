"""Opening the DuckDB file: migrations on write, clear errors when another process writes.

DuckDB allows one read-write process or many read-only ones. The flow is the only
writer and keeps its connection short; readers get ``WarehouseBusy`` (or retry with
backoff) instead of hanging while it writes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file for writing."""


class WarehouseMissing(FileNotFoundError):
    """There is no DuckDB file yet, or its schema is older than this koubei (readers never migrate)."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used" in text


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in warehouse/migrations, in order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK and re-raise: all of the block's writes or none."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables) -> Iterator[duckdb.DuckDBPyConnection]:
    """Arrow tables (or DataFrames) visible to SQL under the given names for the block only."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield con
    finally:
        for name in tables:
            con.unregister(name)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply migrations not applied yet, each in its own transaction; returns versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        applied.append(version)
    return applied


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise WarehouseBusy(f"{path} is being written by a running koubei flow; try again when it finishes") from None
        raise


@contextlib.contextmanager
def writer(path: Path, retries: int = 20, wait: float = 0.5) -> Iterator[duckdb.DuckDBPyConnection]:
    """The read-write connection, migrated; waits (bounded) for readers or another writer."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _retry(lambda: _open(path, False), retries, wait)
    try:
        migrate(con)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def reader(path: Path, retries: int = 0, wait: float = 0.25) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, held only for the ``with`` block."""
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(f"{path} does not exist yet; run `koubei run` or `koubei demo` first")
    con = _retry(lambda: _open(path, True), retries, wait)
    try:
        _require_current_schema(con, path)
        yield con
    finally:
        con.close()


def _require_current_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    latest = max(version for version, _, _ in migrations())
    try:
        found = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0] or 0
    except duckdb.CatalogException:
        found = 0
    if found < latest:
        con.close()
        raise WarehouseMissing(
            f"{path} has schema version {found}, this koubei needs {latest}; run `koubei run` (the writer migrates it) and retry"
        )


def _retry(open_fn, retries: int, wait: float):
    delay = wait
    for attempt in range(retries + 1):
        try:
            return open_fn()
        except WarehouseBusy:
            if attempt == retries:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def snapshot_path(path: Path) -> Path:
    return Path(f"{path}.snapshot")


def publish_snapshot(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Copy the warehouse, as of now, to ``<db>.snapshot`` for readers to use while a flow writes.

    ``con`` must be the writer's connection: holding it keeps other writers out while the
    file is copied. The copy is swapped in atomically, so a reader of the old snapshot
    keeps its file and a new reader gets the whole new one.
    """
    con.execute("CHECKPOINT")
    target = snapshot_path(path)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(path, partial)
    os.replace(partial, target)
    return target
