"""Send new and escalated alerts to the configured targets, once per alert state.

Formats: generic JSON webhook, Slack-compatible, Feishu, DingTalk and WeCom bots, and
e-mail over SMTP. Secrets (URLs, SMTP password) come from environment variables named
in the config. ``notification_log`` records each (alert, target, state) sent, so a rerun
or a retry never sends the same state to the same target twice, even when another target
failed; ``alerts.notified_state`` is set once every target has it.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from email.message import EmailMessage

import duckdb

from flows.alerts import SEVERITY_RANK, rule_title
from flows.config import Config, Notification


class NotifyError(RuntimeError):
    pass


def _text(alert: dict, language: str = "en") -> str:
    reason = alert["reason_zh"] if language == "zh" and alert.get("reason_zh") else alert["reason"]
    brand = alert.get("brand_name") or alert["brand_id"]  # by name, as the inbox and the sentences
    return f"[koubei {alert['severity'].upper()}] {brand} · {rule_title(alert['rule'], language)}: {reason}"


def payload(kind: str, alert: dict, language: str = "en") -> dict:
    text = _text(alert, language)
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
        text = _text(alert, target.message_language())
        message["Subject"] = text[:180]
        message["From"] = user or "koubei@localhost"
        message["To"] = ", ".join(target.to)
        message.set_content(text + "\n\nEvidence: " + ", ".join(alert.get("evidence") or []))
        server, _, port = host.partition(":")
        with smtplib.SMTP(server, int(port or 25), timeout=timeout) as smtp:
            if password:
                smtp.login(user, password)
            smtp.send_message(message)
        return
    request = urllib.request.Request(
        secret,
        data=json.dumps(payload(target.kind, alert, target.message_language()), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status >= 300:
            raise NotifyError(f"{target.kind} answered HTTP {response.status}")


def due_alerts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        """SELECT a.alert_id, a.brand_id, a.rule, a.severity, a.status, v.explanation, v.explanation_zh, a.evidence, a.day
           FROM alerts a JOIN v_open_alerts v USING (alert_id)
           WHERE a.status = 'open' AND coalesce(a.notified_state, '') <> a.severity || ':' || a.status"""
    ).fetchall()
    cols = ["alert_id", "brand_id", "rule", "severity", "status", "reason", "reason_zh", "evidence", "day"]
    return [dict(zip(cols, r, strict=True)) for r in rows]


def target_key(target: Notification) -> str:
    return f"{target.kind}:{target.secret_env}"


def _already_sent(con: duckdb.DuckDBPyConnection, alert_id: str, target: str, state: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM notification_log WHERE alert_id = ? AND target = ? AND state = ?", [alert_id, target, state]
        ).fetchall()[0][0]
    )


def notify(config: Config, con: duckdb.DuckDBPyConnection) -> int:
    """Send what is due to every target whose minimum severity it meets; raise if any failed."""
    failures = []
    sent = 0
    names = {b.id: b.name for b in config.brands}
    for alert in due_alerts(con):
        alert["brand_name"] = names.get(alert["brand_id"])
        state = f"{alert['severity']}:{alert['status']}"
        complete = True
        for target in config.notifications:
            if SEVERITY_RANK[alert["severity"]] < SEVERITY_RANK[target.min_severity]:
                continue
            if _already_sent(con, alert["alert_id"], target_key(target), state):
                continue
            try:
                send(target, alert)
            except Exception as exc:  # collected: one bad target must not block the others
                complete = False
                failures.append(f"{target.kind}: {exc}")
                continue
            con.execute("INSERT INTO notification_log VALUES (?, ?, ?, now())", [alert["alert_id"], target_key(target), state])
            sent += 1
        if complete:
            con.execute("UPDATE alerts SET notified_state = ? WHERE alert_id = ?", [state, alert["alert_id"]])
    if failures:
        raise NotifyError("; ".join(failures[:5]))
    return sent
