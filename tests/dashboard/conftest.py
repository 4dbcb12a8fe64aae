"""The dashboard over a copy of the demo warehouse (the session's backfilled DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import WarehouseCopy
from warehouse.db import writer

HOSTILE_TEXT = (
    "鲁莫 <script>alert(1)</script> <img src=x onerror=alert(2)> **bold** [click](javascript:alert(3)) "
    "<b>not bold</b> # not a heading"
)


def add_hostile_post(db: Path) -> str:
    """A crawled post whose text and URL try script, HTML, markdown and link tricks."""
    key = "hostile-post"
    with writer(db) as con:
        con.execute(
            """INSERT INTO posts (post_key, source_id, kind, url, author_key, published_at, local_day, text_raw,
                                  text_clean, content_hash)
               SELECT ?, 'demo-forum-zh', 'post', 'javascript:alert(4)', author_key, max(published_at), max(local_day),
                      ?, ?, 'h'
               FROM posts WHERE source_id = 'demo-forum-zh' GROUP BY author_key ORDER BY count(*) DESC LIMIT 1""",
            [key, HOSTILE_TEXT, HOSTILE_TEXT],
        )
        con.execute(
            """INSERT INTO post_analysis (post_key, model_id, model_version, language, brands, aspects, intents, label,
                                          p_negative, p_neutral, p_positive, flags, content_hash, analyzed_at)
               SELECT ?, model_id, model_version, 'zh', ['lumo'], [], [], 'negative', 0.9, 0.05, 0.05, [], 'h', now()
               FROM post_analysis LIMIT 1""",
            [key],
        )
    return key


@pytest.fixture
def dashboard_warehouse(warehouse_copy) -> WarehouseCopy:
    return warehouse_copy
