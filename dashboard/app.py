"""koubei dashboard (first version): open alerts, daily sentiment, complaint Pareto.

Crawled text is only ever shown through st.dataframe (never as HTML or markdown), and
every query is parameterized in warehouse.read. Start with `koubei dashboard`.
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import streamlit as st

from flows.config import load_config
from warehouse import read

st.set_page_config(page_title="koubei 口碑", layout="wide")
config = load_config(Path(os.environ.get("KOUBEI_CONFIG", "koubei.yaml")))
db = config.warehouse.path

st.title("koubei 口碑 · reputation watch")
try:
    st.caption(f"Data as of {read.data_as_of(db)}")
    alerts = read.open_alerts(db)
except Exception as exc:  # the warehouse may be missing or busy; say so, do not crash
    st.warning(f"The warehouse cannot be read right now: {exc}")
    st.stop()

st.header("Open alerts")
st.dataframe(alerts, hide_index=True, width="stretch")

brand = st.selectbox("Brand", read.brands(db))
daily = read.daily_sentiment(db, brand).melt(id_vars=["day", "brand"], var_name="sentiment", value_name="posts")
st.header("Sentiment over time")
st.altair_chart(
    alt.Chart(daily)
    .mark_bar()
    .encode(
        x="day:T",
        y="posts:Q",
        color=alt.Color(
            "sentiment:N", scale=alt.Scale(domain=["negative", "neutral", "positive"], range=["#d62728", "#bbbbbb", "#2ca02c"])
        ),
    ),
    width="stretch",
)
st.header("Complaint areas (Pareto)")
pareto = read.complaint_pareto(db, brand)
if pareto.empty:
    st.info("No complaints found for this brand.")
else:
    bars = alt.Chart(pareto).mark_bar().encode(x=alt.X("aspect:N", sort="-y"), y="count:Q")
    line = (
        alt.Chart(pareto)
        .mark_line(point=True, color="black")
        .encode(x=alt.X("aspect:N", sort=None), y=alt.Y("cumulative_share:Q", axis=alt.Axis(format="%")))
    )
    st.altair_chart(alt.layer(bars, line).resolve_scale(y="independent"), width="stretch")
