"""Complaints: the Pareto of complaint areas (bars by count, cumulative share line) per
brand and period, what it leaves uncounted (negative posts that name no area), drilling down
to the posts of one area or of none."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.common import Context, brand_picker, context, period_picker, posts_table, show_freshness
from warehouse import read


def pareto_chart(ctx: Context, pareto: pd.DataFrame) -> alt.LayerChart:
    pareto = pareto.assign(area=pareto["aspect"].map(ctx.area_name))  # what people read; the id stays for queries
    area_order = pareto["area"].tolist()
    bars = (
        alt.Chart(pareto)
        .mark_bar(color="#d62728")
        .encode(
            # whole names, slanted: "Privacy and data security" was cut to "Privacy and data…"
            x=alt.X(
                "area:N",
                sort=area_order,
                title=ctx.t("complaint_area"),
                axis=alt.Axis(labelAngle=-40, labelLimit=240, labelOverlap=False),
            ),
            y=alt.Y("count:Q", title=ctx.t("posts_count")),
            tooltip=["area:N", "aspect:N", "count:Q"],
        )
    )
    line = (
        alt.Chart(pareto)
        .mark_line(point=True, color="black")
        .encode(
            x=alt.X("area:N", sort=area_order),
            y=alt.Y(
                "cumulative_share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title=ctx.t("cumulative_share")
            ),
            tooltip=[alt.Tooltip("cumulative_share:Q", format=".0%")],
        )
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


ctx = context()
st.title(ctx.t("page_complaints"))
show_freshness(ctx)

left, right = st.columns(2)
with left:
    brand = brand_picker(ctx, "complaints-brand")
with right:
    start, end = period_picker(ctx, "complaints-period")

st.subheader(ctx.t("pareto"))
pareto = read.complaint_pareto(ctx.db, brand, start, end)
if pareto.empty:
    st.info(ctx.t("no_complaints"))
else:
    st.altair_chart(pareto_chart(ctx, pareto), width="stretch")
# What the bars leave out, said beside them: an area found less often than the others is a bar
# drawn too short, and its complaints wait among these posts.
without_area, negative = read.negatives_without_area(ctx.db, brand, start, end)
if without_area:
    st.caption(ctx.t("without_area").format(n=without_area, total=negative, no_area=ctx.t("no_area")))
choices = pareto["aspect"].tolist() + ([read.NO_AREA] if without_area else [])
if not choices:
    st.stop()

st.subheader(ctx.t("drill_down"))
aspect = st.selectbox(
    ctx.t("complaint_area"),
    choices,
    key="complaints-aspect",
    format_func=lambda a: ctx.t("no_area") if a == read.NO_AREA else ctx.area_name(a),
)
# the posts the bar counts: a complaint in this area, mixed posts whose overall label is not negative included
posts = read.search_posts(ctx.db, read.PostFilter(brand=brand, complaint=aspect, start=start, end=end))
st.text(f"{len(posts)} {ctx.t('results')}")
posts_table(
    posts[["published_at", "source", "author", "p_negative", "aspects", "url", "text_clean"]],
    key="complaints-posts",
    area_names=ctx.area_names,
)
