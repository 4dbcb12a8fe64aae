"""People acting on alerts (acknowledge, resolve, dismiss, reopen) without losing an action.

DuckDB has one writer. When the daily flow holds the file, an action is appended to a
queue file beside it (``<db>.actions.jsonl``) and applied, in order, by the flow's alert
stage (or the next action that gets the file). Every applied action is an
``alert_events`` row with who, when and the note.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.alerts import AlertTransitionError, transition
from warehouse.db import WarehouseBusy, writer

ACTIONS = {"acknowledge": "acknowledged", "resolve": "resolved", "dismiss": "dismissed", "reopen": "open"}


@dataclass(frozen=True)
class AlertAction:
    alert_id: str
    to_status: str
    actor: str
    note: str | None
    requested_at: str


def queue_path(db: Path) -> Path:
    return Path(f"{db}.actions.jsonl")


def claimed_path(db: Path) -> Path:
    """Where a queue being applied is moved, so new actions start a fresh queue meanwhile."""
    return Path(f"{db}.actions.applying")


def record_action(db: Path, alert_id: str, action: str, actor: str, note: str | None = None) -> str:
    """Apply now if the warehouse is free, else queue. Returns 'applied' or 'queued'."""
    if action not in ACTIONS:
        raise AlertTransitionError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    item = AlertAction(alert_id, ACTIONS[action], actor, note, datetime.now(UTC).isoformat())
    try:
        with writer(db, retries=2, wait=0.2) as con:
            apply_pending(con, db)
            transition(con, item.alert_id, item.to_status, item.actor, item.note)
        return "applied"
    except WarehouseBusy:
        with queue_path(db).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return "queued"


def apply_pending(con: duckdb.DuckDBPyConnection, db: Path) -> list[str]:
    """Apply queued actions in order; returns a line per action (applied or why not)."""
    queue = queue_path(db)
    if not queue.exists():
        return []
    claimed = claimed_path(db)
    os.replace(queue, claimed)  # new actions go to a fresh queue while these are applied
    report = []
    for line in claimed.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = AlertAction(**json.loads(line))
        try:
            transition(con, item.alert_id, item.to_status, item.actor, item.note)
            report.append(f"applied {item.to_status} on {item.alert_id} by {item.actor}")
        except AlertTransitionError as exc:  # e.g. acknowledged twice: keep going, say so
            report.append(f"skipped: {exc}")
    claimed.unlink()
    return report


def pending_actions(db: Path) -> list[AlertAction]:
    """Actions queued (or being applied) while the flow writes, oldest first: shown to people as pending."""
    items = []
    for path in (claimed_path(db), queue_path(db)):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            continue
        items += [AlertAction(**json.loads(line)) for line in lines if line.strip()]
    return items
