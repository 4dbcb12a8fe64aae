"""What every page shares: the session's context, safe display of crawled text, pickers.

Crawled text is untrusted. It reaches the page only through ``st.text``, ``st.code`` or
``st.dataframe`` cells, which render it literally; never through markdown, HTML, captions,
expander labels or widget labels (those parse markdown). Links are offered only for
http(s) URLs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.auth import User
from dashboard.i18n import t, t_or
from flows.alerts import rule_title
from flows.config import Config, load_config
from nlp.text.matching import word_pattern
from warehouse import read


@dataclass(frozen=True)
class Context:
    config: Config
    db: Path
    user: User
    lang: str

    def t(self, key: str) -> str:
        return t(key, self.lang)

    def area_name(self, area_id: str) -> str:
        """A complaint area as people read it in this language (config ``names``), else its id."""
        return self.area_names.get(area_id, area_id)

    @cached_property
    def area_names(self) -> dict[str, str]:
        return self.config.area_names(self.lang)

    def brand_name(self, brand_id: str) -> str:
        """A brand as the config names it (Qingshan Tea for qingshan), else its id."""
        return next((b.name for b in self.config.brands if b.id == brand_id), brand_id)

    def rule_title(self, rule: str) -> str:
        return rule_title(rule, self.lang)

    def status_label(self, status: str) -> str:
        return t_or(f"status_{status}", status, self.lang)

    def reading_reasons(self, flags: list[str] | None) -> list[str]:
        """Why a post reads as it does, where a rule moved the model's reading (its flags);
        flags that need no words (empty_text: the post shows it) give none."""
        return [reason for flag in flags or [] if (reason := t_or(f"reading_{flag}", "", self.lang))]


@st.cache_resource(show_spinner=False)
def _config_at(path: str, mtime: float) -> Config:
    return load_config(Path(path))


def config() -> Config:
    """The config named by KOUBEI_CONFIG, re-read when the file changes."""
    path = os.environ.get("KOUBEI_CONFIG", "koubei.yaml")
    return _config_at(path, Path(path).stat().st_mtime if Path(path).exists() else 0.0)


def context() -> Context:
    """The logged-in session's context; pages only run after the login gate set it."""
    cfg = config()
    user = st.session_state.get("user")
    if not isinstance(user, User):
        st.stop()
    return Context(cfg, cfg.warehouse.path, user, st.session_state.get("lang", cfg.dashboard.language))


def show_freshness(ctx: Context) -> None:
    fresh = read.freshness(ctx.db)
    as_of = "—" if fresh.as_of is None or pd.isna(fresh.as_of) else pd.Timestamp(fresh.as_of).strftime("%Y-%m-%d %H:%M UTC")
    note = f" ({ctx.t('snapshot_note')})" if fresh.from_snapshot else ""
    st.caption(f"{ctx.t('data_as_of')} {as_of}{note}")


def safe_url(url: object) -> str | None:
    """The URL if it is http(s), else None: a crawled ``javascript:`` link is never clickable."""
    if isinstance(url, str) and re.match(r"^https?://", url, re.IGNORECASE):
        return url
    return None


def mark_terms(text: str, terms: list[str]) -> str:
    """Wrap each occurrence of the terms in 【】, as plain text (highlighting without markup).
    A word-list entry with a slot (晚了{n}) marks what it matched (晚了40分钟)."""
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms or not text:
        return text
    pattern = re.compile("|".join(word_pattern(term)[0] for term in terms), re.IGNORECASE)
    return pattern.sub(lambda m: f"【{m.group(0)}】", text)


def posts_table(
    frame: pd.DataFrame,
    key: str,
    height: int | None = None,
    selectable: bool = False,
    area_names: dict[str, str] | None = None,
):
    """Posts as a grid: text cells are literal, links only for http(s) URLs, complaint areas by
    their ``area_names`` (Context.area_names) where given."""
    shown = frame.copy()
    if "url" in shown:
        shown["url"] = shown["url"].map(safe_url)
    names = area_names or {}
    if "aspects" in shown:  # list of {aspect, polarity} -> "delivery (negative); price_billing (positive)"
        shown["aspects"] = shown["aspects"].map(
            lambda items: (
                "; ".join(f"{names.get(a['aspect'], a['aspect'])} ({a['polarity']})" for a in items) if items is not None else ""
            )
        )
    # When a post was written, how it reads, then its words: what a reader scans. Placed last,
    # the text was cut to a few characters on every page that lists posts.
    lead = [c for c in ("published_at", "label", "text", "text_clean") if c in shown]
    shown = shown[lead + [c for c in shown.columns if c not in lead]]
    hidden = [c for c in ("post_key", "author_key") if c in shown]
    return st.dataframe(
        shown.drop(columns=hidden),
        hide_index=True,
        width="stretch",
        height=height or "auto",
        key=key,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
        column_config={
            "url": st.column_config.LinkColumn("url", display_text="↗"),
            "profile_url": st.column_config.LinkColumn("profile", display_text="↗"),
            "text": st.column_config.TextColumn("text", width="large"),
            "text_clean": st.column_config.TextColumn("text_clean", width="large"),
        },
    )


def selected_row(event) -> int | None:
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return rows[0] if rows else None


def period_picker(ctx: Context, key: str, default_days: int = 30) -> tuple[date | None, date | None]:
    first, last = read.day_range(ctx.db)
    if first is None or last is None:
        return None, None
    start_default = max(first, last - timedelta(days=default_days - 1))
    picked = st.date_input(ctx.t("period"), (start_default, last), min_value=first, max_value=last, key=key)
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return start_default, last  # half-picked range while the user chooses the second date


def brand_picker(ctx: Context, key: str) -> str | None:
    brands = [b.id for b in ctx.config.brands]
    return st.selectbox(ctx.t("brand"), brands, format_func=ctx.brand_name, key=key) if brands else None


def clock_text(ctx: Context, start: datetime, hours: float, now: datetime | None = None) -> tuple[str, bool]:
    """('5 h 20 min left', False) or ('overdue by 3 h 0 min', True) against the response clock."""
    now = now or datetime.now(UTC)
    remaining = pd.Timestamp(start).to_pydatetime() + timedelta(hours=hours) - now
    overdue = remaining.total_seconds() < 0
    minutes = int(abs(remaining.total_seconds()) // 60)
    span = f"{minutes // 60} h {minutes % 60} min"
    return (f"{ctx.t('overdue')} {span}" if overdue else f"{span} {ctx.t('left')}"), overdue
