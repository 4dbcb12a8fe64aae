"""Alerts inbox (landing page): open alerts by severity and age, with reason, evidence,
response clock and the actions a responder may take. The list refreshes itself in a
fragment, so the rest of the page (and what the user typed) stays where it is."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.common import Context, clock_text, context, posts_table, show_freshness
from flows.actions import ACTIONS, AlertAction, pending_actions, record_action
from flows.alerts import TRANSITIONS, AlertTransitionError, event_note
from warehouse import read
from warehouse.db import WarehouseBusy, WarehouseMissing

SEVERITY_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


def _act(ctx: Context, alert_id: str, action: str) -> None:
    note = st.session_state.get(f"note-{alert_id}") or None
    try:
        outcome = record_action(ctx.db, alert_id, action, ctx.user.name, note)
    except AlertTransitionError as exc:
        st.session_state["flash"] = ("error", f"{ctx.t('action_failed')}: {exc}")
        return
    if outcome == "applied":
        st.session_state["flash"] = ("success", f"{ctx.t('applied')} {ACTIONS[action]}")
    else:
        st.session_state["flash"] = ("info", ctx.t("queued"))
    st.session_state[f"note-{alert_id}"] = ""


def _actions(ctx: Context, alert_id: str, status: str) -> None:
    if not ctx.user.can_act:
        st.caption(ctx.t("viewer_note"))
        return
    st.text_input(ctx.t("note"), key=f"note-{alert_id}")
    allowed = [action for action, target in ACTIONS.items() if target in TRANSITIONS[status]]
    for column, action in zip(st.columns(len(allowed) + 2)[: len(allowed)], allowed, strict=True):
        column.button(ctx.t(f"action_{action}"), key=f"{action}-{alert_id}", on_click=_act, args=(ctx, alert_id, action))


def _details(ctx: Context, alert: pd.Series) -> None:
    with st.expander(f"{ctx.t('evidence')} ({alert['evidence_posts']})"):
        posts_table(read.posts_by_key(ctx.db, list(alert["evidence"])), key=f"evidence-{alert['alert_id']}")
        st.text(f"{ctx.t('rule')}: {alert['rule']}")  # the id analysts filter on in SQL
        st.text(ctx.t("thresholds"))
        st.json(json.loads(alert["thresholds"]), expanded=False)
        st.text(ctx.t("history"))
        st.dataframe(_history(ctx, alert["alert_id"]), hide_index=True, width="stretch")


def _history(ctx: Context, alert_id: str) -> pd.DataFrame:
    """The alert's events in the interface language: statuses by name, koubei's notes translated."""
    events = read.alert_history(ctx.db, alert_id)
    for column in ("from_status", "to_status"):
        events[column] = [None if s is None else ctx.status_label(s) for s in events[column]]
    events["note"] = [event_note(n, a, ctx.lang) for n, a in zip(events["note"], events["actor"], strict=True)]
    return events.rename(columns={c: ctx.t(f"event_{c}") for c in events.columns})


def _card(ctx: Context, alert: pd.Series, pending: list[AlertAction]) -> None:
    with st.container(border=True, key=f"alert-{alert['alert_id']}"):
        head, clock = st.columns([3, 1])
        with head:
            st.badge(alert["severity"].upper(), color=SEVERITY_COLOR.get(alert["severity"], "gray"))
            st.text(
                f"{ctx.brand_name(alert['brand'])} · {ctx.rule_title(alert['rule'])} · {ctx.status_label(alert['status'])}"
                f" · {alert['day']:%Y-%m-%d} → {alert['last_day']:%Y-%m-%d}"
            )
            # literal: reasons quote crawled author names
            st.text(alert["reason_zh"] if ctx.lang == "zh" else alert["reason"])
        with clock:
            text, overdue = clock_text(ctx, alert["clock_start"], ctx.config.alerts.response_clock_hours)
            (st.error if overdue else st.info)(f"{ctx.t('clock')}: {text}")
        if pending:
            st.warning(ctx.t("pending_actions"))
        for item in pending:
            st.text(f"{item.to_status} · {item.actor} · {item.requested_at[:19]} · {item.note or ''}")
        _details(ctx, alert)
        _actions(ctx, alert["alert_id"], alert["status"])


def _inbox(ctx: Context) -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        getattr(st, flash[0])(flash[1])
    try:
        show_freshness(ctx)
        alerts = read.open_alerts(ctx.db)
    except (WarehouseBusy, WarehouseMissing) as exc:
        st.warning(f"{ctx.t('no_data')}: {exc}")
        return
    if alerts.empty:
        st.success(ctx.t("no_open_alerts"))
        return
    st.text(f"{len(alerts)} {ctx.t('open_alerts')}")
    pending: dict[str, list[AlertAction]] = {}
    for item in pending_actions(ctx.db):
        if isinstance(item, AlertAction):
            pending.setdefault(item.alert_id, []).append(item)
    for _, alert in alerts.iterrows():
        _card(ctx, alert, pending.get(alert["alert_id"], []))


ctx = context()
st.title(ctx.t("page_inbox"))
st.fragment(run_every=ctx.config.dashboard.refresh_seconds)(_inbox)(ctx)
