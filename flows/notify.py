"""Send new and escalated alerts to the configured targets, once per alert state.

Formats: generic JSON webhook, Slack-compatible, Feishu, DingTalk and WeCom bots, and
e-mail over SMTP. Secrets (URLs, SMTP password) come from environment variables named
in the config. ``notified_state`` ("severity:status") records what was last sent, so
a rerun never sends the same state twice.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from email.message import EmailMessage

import duckdb

from flows.alerts import SEVERITY_RANK
from flows.config import Config, Notification


class NotifyError(RuntimeError):
    pass


def _text(alert: dict) -> str:
    return f"[koubei {alert['severity'].upper()}] {alert['brand_id']} · {alert['rule']}: {alert['reason']}"


def payload(kind: str, alert: dict) -> dict:
    text = _text(alert)
    if kind == "slack":
        return {"text": text}
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if kind in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": text}}
    return {
        "event": "alert",
        "alert": {k: (str(v) if not isinstance(v, int | float | str | list | None) else v) for k, v in alert.items()},
    }


def send(target: Notification, alert: dict, timeout: float = 10) -> None:
    secret = os.environ.get(target.secret_env)
    if not secret:
        raise NotifyError(f"environment variable {target.secret_env} is not set for the {target.kind} notification")
    if target.kind == "email":
        host, _, rest = secret.partition("|")  # KOUBEI_SMTP="host:port|user|password"
        user, _, password = rest.partition("|")
        message = EmailMessage()
        message["Subject"] = _text(alert)[:180]
        message["From"] = user or "koubei@localhost"
        message["To"] = ", ".join(target.to)
        message.set_content(_text(alert) + "\n\nEvidence: " + ", ".join(alert.get("evidence") or []))
        server, _, port = host.partition(":")
        with smtplib.SMTP(server, int(port or 25), timeout=timeout) as smtp:
            if password:
                smtp.login(user, password)
            smtp.send_message(message)
        return
    request = urllib.request.Request(
        secret,
        data=json.dumps(payload(target.kind, alert), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status >= 300:
            raise NotifyError(f"{target.kind} answered HTTP {response.status}")


def due_alerts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        """SELECT alert_id, brand_id, rule, severity, status, reason, evidence, day FROM alerts
           WHERE status = 'open' AND coalesce(notified_state, '') <> severity || ':' || status"""
    ).fetchall()
    cols = ["alert_id", "brand_id", "rule", "severity", "status", "reason", "evidence", "day"]
    return [dict(zip(cols, r, strict=True)) for r in rows]


def notify(config: Config, con: duckdb.DuckDBPyConnection) -> int:
    """Send what is due to every target whose minimum severity it meets; raise if any failed."""
    failures = []
    sent = 0
    for alert in due_alerts(con):
        ok = True
        for target in config.notifications:
            if SEVERITY_RANK[alert["severity"]] < SEVERITY_RANK[target.min_severity]:
                continue
            try:
                send(target, alert)
                sent += 1
            except Exception as exc:  # collected: one bad target must not block the others
                ok = False
                failures.append(f"{target.kind}: {exc}")
        if ok:
            con.execute("UPDATE alerts SET notified_state = severity || ':' || status WHERE alert_id = ?", [alert["alert_id"]])
    if failures:
        raise NotifyError("; ".join(failures[:5]))
    return sent
