"""Overview: per brand, daily sentiment, share of voice against competitors, and negative
volume with the days alerts fired, filtered by period, source and language."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard.common import brand_picker, context, period_picker, show_freshness
from warehouse import read

SENTIMENT_COLORS = alt.Scale(domain=["negative", "neutral", "positive"], range=["#d62728", "#b0b0b0", "#2ca02c"])

ctx = context()
st.title(ctx.t("page_overview"))
show_freshness(ctx)

left, middle, right, far = st.columns(4)
with left:
    brand = brand_picker(ctx, "overview-brand")
with middle:
    start, end = period_picker(ctx, "overview-period")
with right:
    sources = st.multiselect(ctx.t("sources"), read.sources(ctx.db), key="overview-sources")
with far:
    languages = st.multiselect(ctx.t("languages"), ["zh", "en", "other"], key="overview-languages")

daily = read.daily_sentiment(ctx.db, brand, start, end, sources or None, languages or None)
st.subheader(ctx.t("sentiment_over_time"))
if daily.empty:
    st.info(ctx.t("no_data"))
else:
    long = daily.melt(id_vars=["day", "brand"], var_name="sentiment", value_name="posts")
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("posts:Q", title=ctx.t("posts_count")),
            color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS, title=ctx.t("sentiment")),
            tooltip=["day:T", "sentiment:N", "posts:Q"],
        ),
        width="stretch",
    )

    st.subheader(ctx.t("negative_with_alerts"))
    negatives = (
        alt.Chart(daily)
        .mark_line(point=True, color="#d62728")
        .encode(x=alt.X("day:T", title=None), y=alt.Y("negative:Q", scale=alt.Scale(zero=True), title=ctx.t("posts_count")))
    )
    alerts = read.alert_days(ctx.db, brand)
    alerts = alerts[(alerts["day"].dt.date >= start) & (alerts["day"].dt.date <= end)] if start and not alerts.empty else alerts
    markers = (
        alt.Chart(alerts)
        .mark_rule(strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x="day:T",
            color=alt.Color(
                "severity:N", scale=alt.Scale(domain=["high", "medium", "low"], range=["#b30000", "#e69500", "#3182bd"])
            ),
            tooltip=["day:T", "rule:N", "severity:N", "status:N"],
        )
    )
    st.altair_chart(alt.layer(negatives, markers), width="stretch")

st.subheader(ctx.t("share_of_voice"))
voice = read.share_of_voice(ctx.db, start, end)
st.altair_chart(
    alt.Chart(voice)
    .mark_bar()
    .encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=ctx.t("share_of_voice")),
        y=alt.Y("brand:N", sort="-x", title=None),
        color=alt.Color("competitor:N", scale=alt.Scale(domain=[False, True], range=["#1f77b4", "#9e9e9e"])),
        tooltip=["brand:N", "mentions:Q", alt.Tooltip("share:Q", format=".1%")],
    ),
    width="stretch",
)
