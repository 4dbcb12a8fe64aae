"""The dashboard over a copy of the demo warehouse (the session's backfilled DuckDB file)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.config import Config, load_config
from flows.demo import demo_config_text
from warehouse.db import writer

HOSTILE_TEXT = (
    "鲁莫 <script>alert(1)</script> <img src=x onerror=alert(2)> **bold** [click](javascript:alert(3)) "
    "<b>not bold</b> # not a heading"
)


@dataclass(frozen=True)
class DashboardWarehouse:
    config_path: Path
    config: Config

    @property
    def db(self) -> Path:
        return self.config.warehouse.path


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
def dashboard_warehouse(demo_pipeline, tmp_path, monkeypatch) -> DashboardWarehouse:
    """A private copy of the demo warehouse and a config for it (with the demo's logins);
    KOUBEI_CONFIG points at it, as `koubei dashboard` does."""
    _config_path, config, _first, _last, _result = demo_pipeline
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(config.warehouse.path, data_dir / "koubei.duckdb")
    config_path = tmp_path / "koubei.yaml"
    config_path.write_text(demo_config_text("http://127.0.0.1:1", data_dir), encoding="utf-8")
    monkeypatch.setenv("KOUBEI_CONFIG", str(config_path))
    return DashboardWarehouse(config_path, load_config(config_path))
