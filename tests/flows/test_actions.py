"""Alert actions are applied at once, or queued while another process writes, never lost."""

from datetime import date

import pytest

from flows.actions import apply_pending, queue_path, record_action
from flows.alerts import AlertCandidate, AlertTransitionError, apply
from warehouse.db import reader, writer


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "a.duckdb"
    with writer(path) as con:
        apply(con, [AlertCandidate("lumo", "negative_spike", date(2026, 11, 15), "high", "spike", {}, ["p"])], 3)
    return path


def _alert(db):
    with reader(db) as con:
        return con.execute("SELECT alert_id, status FROM alerts").fetchone()


def test_action_applies_at_once_with_history(db):
    alert_id, _ = _alert(db)
    assert record_action(db, alert_id, "acknowledge", "ana", "on it") == "applied"
    with reader(db) as con:
        assert con.execute("SELECT status FROM alerts").fetchone() == ("acknowledged",)
        assert con.execute(
            "SELECT actor, from_status, to_status, note FROM alert_events ORDER BY event_at DESC LIMIT 1"
        ).fetchone() == ("ana", "open", "acknowledged", "on it")
    with pytest.raises(AlertTransitionError, match="unknown action"):
        record_action(db, alert_id, "delete", "ana")


def test_action_while_another_process_writes_is_queued_then_applied(db, another_writer):
    alert_id, _ = _alert(db)
    with another_writer(db):
        assert record_action(db, alert_id, "acknowledge", "ben", "seen during the run") == "queued"
        assert queue_path(db).exists()
    with writer(db) as con:  # what the flow's alert stage does first
        assert apply_pending(con, db) == [f"applied acknowledged on {alert_id} by ben"]
        assert con.execute("SELECT status FROM alerts").fetchone() == ("acknowledged",)
    assert not queue_path(db).exists()
