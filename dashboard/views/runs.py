"""Runs (admins): pipeline runs per source with counts, durations and errors, and what
was quarantined, by reason."""

from __future__ import annotations

import streamlit as st

from dashboard.common import context, show_freshness
from warehouse import read

ctx = context()
if not ctx.user.can_see_runs:  # the navigation hides the page; this guards a typed URL too
    st.stop()
st.title(ctx.t("runs_title"))
show_freshness(ctx)
runs = read.runs(ctx.db)
if runs.empty:
    st.info(ctx.t("no_runs"))
else:
    st.dataframe(runs, hide_index=True, width="stretch")
st.subheader(ctx.t("quarantine"))
st.dataframe(read.quarantine_counts(ctx.db), hide_index=True, width="stretch")
