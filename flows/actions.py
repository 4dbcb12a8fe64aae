"""People acting on the data (alert actions; complaint-area and sentiment corrections) without losing an action.

DuckDB has one writer. When the daily flow holds the file, an action is appended to a
queue file beside it (``<db>.actions.jsonl``) and applied, in order, by the flow's alert
and publish stages (or the next action that gets the file). Every applied alert action is
an ``alert_events`` row with who, when and the note; every correction an
``area_corrections`` or ``sentiment_corrections`` row (flows/corrections.py).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.alerts import AlertTransitionError, transition
from flows.corrections import CorrectionError, checked_areas, checked_label, correct_areas, correct_sentiment
from warehouse.db import WarehouseBusy, writer

ACTIONS = {"acknowledge": "acknowledged", "resolve": "resolved", "dismiss": "dismissed", "reopen": "open"}


@dataclass(frozen=True)
class AlertAction:
    alert_id: str
    to_status: str
    actor: str
    note: str | None
    requested_at: str
    kind: str = "alert"


@dataclass(frozen=True)
class AreaCorrection:
    post_key: str
    aspects: list[dict[str, str]]
    actor: str
    note: str | None
    requested_at: str
    # Severity of the corrected areas in the config the correction was made with: the post's
    # risk is recomputed with it when the queued correction is applied.
    severity: dict[str, float] = field(default_factory=dict)
    kind: str = "areas"


@dataclass(frozen=True)
class SentimentCorrection:
    post_key: str
    label: str
    actor: str
    note: str | None
    requested_at: str
    severity: dict[str, float] = field(default_factory=dict)  # the post's areas' severities: its risk is recomputed
    kind: str = "sentiment"


Action = AlertAction | AreaCorrection | SentimentCorrection
_KINDS: dict[str, type[Action]] = {"alert": AlertAction, "areas": AreaCorrection, "sentiment": SentimentCorrection}


def queue_path(db: Path) -> Path:
    return Path(f"{db}.actions.jsonl")


def claimed_path(db: Path) -> Path:
    """Where a queue being applied is moved, so new actions start a fresh queue meanwhile."""
    return Path(f"{db}.actions.applying")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def record_action(db: Path, alert_id: str, action: str, actor: str, note: str | None = None) -> str:
    """Act on an alert now if the warehouse is free, else queue. Returns 'applied' or 'queued'."""
    if action not in ACTIONS:
        raise AlertTransitionError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    return _record(db, AlertAction(alert_id, ACTIONS[action], actor, note, _now()))


def record_correction(
    db: Path,
    post_key: str,
    areas: Iterable[Mapping[str, str]],
    actor: str,
    note: str | None,
    severity: Mapping[str, float],
) -> str:
    """Set a post's complaint areas now if the warehouse is free, else queue. ``severity``: the
    config's severity per area. Returns 'applied' or 'queued'; CorrectionError on areas outside it."""
    areas = checked_areas(areas, known=severity)
    used = {a["aspect"]: float(severity[a["aspect"]]) for a in areas}
    return _record(db, AreaCorrection(post_key, areas, actor, note, _now(), used))


def record_sentiment_correction(
    db: Path, post_key: str, label: str, actor: str, note: str | None, severity: Mapping[str, float]
) -> str:
    """Set a post's sentiment reading now if the warehouse is free, else queue. ``severity``: the
    config's severity per area (the post's risk is recomputed). Returns 'applied' or 'queued'."""
    return _record(db, SentimentCorrection(post_key, checked_label(label), actor, note, _now(), dict(severity)))


def _apply(con: duckdb.DuckDBPyConnection, item: Action) -> str:
    if isinstance(item, AlertAction):
        transition(con, item.alert_id, item.to_status, item.actor, item.note)
        return f"applied {item.to_status} on {item.alert_id} by {item.actor}"
    if isinstance(item, SentimentCorrection):
        correct_sentiment(con, item.post_key, item.label, item.actor, item.note, item.severity)
        return f"applied reading {item.label} on {item.post_key} by {item.actor}"
    correct_areas(con, item.post_key, item.aspects, item.actor, item.note, item.severity)
    return f"applied complaint areas on {item.post_key} by {item.actor}"


def _record(db: Path, item: Action) -> str:
    try:
        with writer(db, retries=2, wait=0.2) as con:
            apply_pending(con, db)
            _apply(con, item)
        return "applied"
    except WarehouseBusy:
        with queue_path(db).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return "queued"


def rejected_path(db: Path) -> Path:
    """Queued lines that could not be read (a damaged queue): kept for a person, never dropped."""
    return Path(f"{db}.actions.rejected")


def _parse(line: str) -> Action:
    """An action from a queued line; ValueError when the line is not one."""
    try:
        data = json.loads(line)
        return _KINDS[data.get("kind", "alert")](**data)  # lines queued before corrections existed have no kind
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable queued action ({type(exc).__name__}): {line[:200]}") from None


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
        try:
            report.append(_apply(con, _parse(line)))
        except (AlertTransitionError, CorrectionError) as exc:  # e.g. acknowledged twice: keep going, say so
            report.append(f"skipped: {exc}")
        except ValueError as exc:
            with rejected_path(db).open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            report.append(f"skipped, kept in {rejected_path(db).name}: {exc}")
    claimed.unlink()
    return report


def pending_actions(db: Path) -> list[Action]:
    """Actions queued (or being applied) while the flow writes, oldest first: shown to people as pending."""
    items = []
    for path in (claimed_path(db), queue_path(db)):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            with contextlib.suppress(ValueError):  # a damaged line is reported when the queue is applied
                items.append(_parse(line))
    return items
