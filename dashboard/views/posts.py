"""Posts: search and filters, then one post's original and cleaned text side by side with
the brand and complaint-area terms that matched marked in 【】, where each complaint area
came from (an analyst, the word lists or the complaint-area model), forms in which responders
correct the complaint areas and the sentiment, and a link to the source."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.common import Context, context, mark_terms, period_picker, posts_table, safe_url, selected_row, show_freshness
from flows.actions import pending_actions, record_correction, record_sentiment_correction
from flows.corrections import FLAG, LABELS, CorrectionError
from nlp.text.intents import INTENTS
from nlp.text.matching import AspectMatcher
from warehouse import read


def _aspects(post: pd.Series) -> list[dict]:
    return list(post["aspects"]) if post["aspects"] is not None else []


def _terms(ctx: Context, post: pd.Series) -> list[str]:
    brands = set(post["brands"] if post["brands"] is not None else [])
    aspects = {a["aspect"] for a in _aspects(post)}
    terms = [alias for b in ctx.config.brands if b.id in brands for aliases in b.aliases.values() for alias in aliases]
    for area in ctx.config.aspect_taxonomy():
        if area.id in aspects:
            terms += area.words()
    return terms


@st.cache_resource(show_spinner=False)
def _word_lists(taxonomy: str) -> AspectMatcher:
    from flows.config import Aspect

    return AspectMatcher([Aspect.model_validate(a) for a in json.loads(taxonomy)])


def _provenance(ctx: Context, post: pd.Series, correction: pd.DataFrame) -> str:
    """Each stored complaint area with its source: an analyst's correction (who, when, why), the
    word lists (their terms are marked), or else the complaint-area model, which names no word."""
    if not correction.empty:
        source = _by_analyst(ctx, correction.iloc[0])
        parts = [f"{ctx.area_name(a['aspect'])} ({a['polarity']})" for a in _aspects(post)]
        return f"{ctx.t('aspect')}: {'; '.join(parts) or '—'} · {source}"
    taxonomy = json.dumps([a.model_dump() for a in ctx.config.aspect_taxonomy()], ensure_ascii=False)
    by_words = {a["aspect"] for a in _word_lists(taxonomy).match(post["text_clean"] or "")}
    parts = [
        f"{ctx.area_name(a['aspect'])} ({a['polarity']}, {ctx.t('by_words') if a['aspect'] in by_words else ctx.t('by_model')})"
        for a in _aspects(post)
    ]
    return f"{ctx.t('aspect')}: {'; '.join(parts) or '—'}"


def _by_analyst(ctx: Context, fix: pd.Series) -> str:
    return f"{ctx.t('by_analyst')} {fix['actor']} {fix['corrected_at']:%Y-%m-%d %H:%M}" + (
        f": {fix['note']}" if fix["note"] else ""
    )


def _reading_provenance(ctx: Context, correction: pd.DataFrame) -> str | None:
    """The analyst's reading in force, with what the post read before; None without one."""
    if correction.empty:
        return None
    fix = correction.iloc[0]
    before = fix["previous"]
    was = f" ({ctx.t('before')}: {before['label']}, p_negative {before['p_negative']:.2f})" if before is not None else ""
    return f"{ctx.t('sentiment')}: {fix['label']} · {_by_analyst(ctx, fix)}{was}"


def _save(ctx: Context, record: Callable[[str | None], str], form: str, saved: str) -> None:
    """Run a correction with the form's note and say how it went (applied, queued, refused)."""
    state = st.session_state
    try:
        outcome = record(state[f"{form}-note"] or None)
    except CorrectionError as exc:
        state["posts-flash"] = ("error", f"{ctx.t('action_failed')}: {exc}")
        return
    state["posts-flash"] = ("success", ctx.t(saved)) if outcome == "applied" else ("info", ctx.t("queued"))


def _save_areas(ctx: Context, post_key: str, form: str) -> None:
    state = st.session_state
    areas = [{"aspect": a, "polarity": "negative"} for a in state[f"{form}-negative"]]
    areas += [{"aspect": a, "polarity": "positive"} for a in state[f"{form}-positive"]]
    severity = ctx.config.aspect_severity()
    _save(ctx, lambda note: record_correction(ctx.db, post_key, areas, ctx.user.name, note, severity), form, "correction_saved")


def _save_reading(ctx: Context, post_key: str, form: str) -> None:
    label, severity = st.session_state[f"{form}-label"], ctx.config.aspect_severity()
    _save(
        ctx,
        lambda note: record_sentiment_correction(ctx.db, post_key, label, ctx.user.name, note, severity),
        form,
        "reading_saved",
    )


def _correction_forms(ctx: Context, post: pd.Series, place: str) -> None:
    """Responders set the post's complaint areas and its sentiment; viewers only read them."""
    if not ctx.user.can_act:
        return
    if any(getattr(i, "post_key", None) == post["post_key"] for i in pending_actions(ctx.db)):
        st.warning(ctx.t("pending_correction"))
    areas = [a.id for a in ctx.config.aspect_taxonomy()]
    stored = _aspects(post)
    form = f"correct-{place}-{post['post_key']}"  # a linked post may also be the selected one
    with st.expander(ctx.t("correct_areas")), st.form(form):
        st.caption(ctx.t("correction_help"))
        for polarity, label in (("negative", "complained_about"), ("positive", "praised")):
            chosen = [a["aspect"] for a in stored if a["polarity"] == polarity and a["aspect"] in areas]
            st.multiselect(ctx.t(label), areas, default=chosen, key=f"{form}-{polarity}", format_func=ctx.area_name)
        st.text_input(ctx.t("note"), key=f"{form}-note", max_chars=500)
        st.form_submit_button(ctx.t("save_correction"), on_click=_save_areas, args=(ctx, post["post_key"], form))
    form = f"reading-{place}-{post['post_key']}"
    with st.expander(ctx.t("correct_reading")), st.form(form):
        st.caption(ctx.t("reading_help"))
        current = LABELS.index(post["label"]) if post["label"] in LABELS else 0
        st.radio(ctx.t("sentiment"), LABELS, index=current, key=f"{form}-label", horizontal=True)
        st.text_input(ctx.t("note"), key=f"{form}-note", max_chars=500)
        st.form_submit_button(ctx.t("save_correction"), on_click=_save_reading, args=(ctx, post["post_key"], form))


def _filters(ctx: Context) -> read.PostFilter:
    any_ = ctx.t("any")
    row1 = st.columns(4)
    brand = row1[0].selectbox(
        ctx.t("brand"), [any_, *(b.id for b in ctx.config.brands)], format_func=ctx.brand_name, key="posts-brand"
    )
    source = row1[1].selectbox(ctx.t("sources"), [any_, *read.sources(ctx.db)], key="posts-source")
    language = row1[2].selectbox(ctx.t("languages"), [any_, "zh", "en", "other"], key="posts-language")
    label = row1[3].selectbox(ctx.t("sentiment"), [any_, "negative", "neutral", "positive"], key="posts-label")
    row2 = st.columns([1, 1, 1, 2])
    # NO_AREA: the negative posts no Pareto bar counts, where an analyst finds what the lists missed
    aspect = row2[0].selectbox(
        ctx.t("aspect"),
        [any_, *(a.id for a in ctx.config.aspect_taxonomy()), read.NO_AREA],
        key="posts-aspect",
        format_func=lambda a: ctx.t("no_area") if a == read.NO_AREA else ctx.area_name(a),
    )
    # churn or escalation: the posts a PR team answers first (退款, 投诉到12315, chargeback)
    intent = row2[1].selectbox(ctx.t("intent"), [any_, *INTENTS], key="posts-intent")
    with row2[2]:
        start, end = period_picker(ctx, "posts-period", default_days=3650)
    contains = row2[3].text_input(ctx.t("search"), key="posts-contains", max_chars=200)

    def pick(value: str) -> str | None:
        return None if value == any_ else value

    return read.PostFilter(
        brand=pick(brand),
        source=pick(source),
        language=pick(language),
        label=pick(label),
        complaint=pick(aspect),  # posts complaining about the area, as the Complaints page counts them
        intent=pick(intent),
        start=start,
        end=end,
        contains=contains or None,
    )


def _detail(ctx: Context, post: pd.Series, place: str) -> None:
    st.subheader(ctx.t("post"))
    st.text(f"{post['published_at']} · {post['source']} · {post['author']} · {post['label']} (p_negative {post['p_negative']})")
    flags = [] if post["flags"] is None else list(post["flags"])
    analyst = _reading_provenance(ctx, read.sentiment_correction(ctx.db, post["post_key"])) if FLAG in flags else None
    for reason in [analyst] if analyst else ctx.reading_reasons(flags):  # an analyst's reading overrides the rules
        st.text(reason)
    left, right = st.columns(2)
    with left:
        st.text(ctx.t("original"))
        st.code(post["text_raw"], language=None, wrap_lines=True)
    with right:
        st.text(ctx.t("cleaned"))
        st.code(mark_terms(post["text_clean"] or "", _terms(ctx, post)), language=None, wrap_lines=True)
    st.text(_provenance(ctx, post, read.area_correction(ctx.db, post["post_key"])))
    st.text(f"{ctx.t('intent')}: {', '.join(post['intents'] if post['intents'] is not None else []) or '—'}")
    _correction_forms(ctx, post, place)
    url = safe_url(post["url"])
    if url:
        st.link_button(ctx.t("open_source"), url)


ctx = context()
st.title(ctx.t("page_posts"))
flash = st.session_state.pop("posts-flash", None)
if flash:
    getattr(st, flash[0])(flash[1])
show_freshness(ctx)
linked = st.query_params.get("post")  # ?post=<post_key> opens one post directly (shareable link)
if linked:
    found = read.search_posts(ctx.db, read.PostFilter(post_key=linked), limit=1)
    if not found.empty:
        _detail(ctx, found.iloc[0], "linked")
posts = read.search_posts(ctx.db, _filters(ctx))
st.text(f"{len(posts)} {ctx.t('results')}")
event = posts_table(
    posts[["published_at", "label", "text_clean", "author", "source", "language", "p_negative", "url"]],
    key="posts-results",
    selectable=True,
)
row = selected_row(event)
if row is not None:
    _detail(ctx, posts.iloc[row], "selected")
