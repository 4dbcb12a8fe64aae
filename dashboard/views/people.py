"""Advocates and detractors: leaderboards per brand with influence, score, the posts behind it
and its trend over the last week, profile links, and one author's recent posts."""

from __future__ import annotations

import streamlit as st

from dashboard.common import Context, brand_picker, context, posts_table, selected_row, show_freshness
from flows.scoring import WINDOW_DAYS
from warehouse import read

TREND_DAYS = 7


def _board(ctx: Context, brand: str, by: str, title_key: str) -> None:
    st.subheader(ctx.t(title_key))
    board = read.leaderboard(ctx.db, brand, by, trend_days=TREND_DAYS)
    if board.empty:
        st.info(ctx.t("nobody"))
        return
    event = posts_table(board, key=f"board-{by}", selectable=True)
    row = selected_row(event)
    if row is not None:
        chosen = board.iloc[row]
        st.text(f"{ctx.t('recent_posts')} {chosen['author']} ({chosen['source']})")
        posts_table(read.author_posts(ctx.db, chosen["author_key"]), key=f"author-posts-{by}")


ctx = context()
st.title(ctx.t("page_people"))
show_freshness(ctx)
brand = brand_picker(ctx, "people-brand")
st.caption(ctx.t("board_help").format(window=WINDOW_DAYS, trend=TREND_DAYS))
# One board above the other, each at full width: side by side, the counts behind a score and
# its trend fell off the right edge of both tables.
_board(ctx, brand, "advocacy", "advocates")
_board(ctx, brand, "detraction", "detractors")
