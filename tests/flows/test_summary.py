"""The run summary on the demo's real warehouse, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from flows.summary import summary_markdown, summary_tables
from warehouse import read
from warehouse.db import reader


def test_summary_counts_every_post_and_names_the_planted_alert(demo_pipeline):
    config = demo_pipeline[1]
    tables = summary_tables(config.warehouse.path)
    with reader(config.warehouse.path) as con:
        assert sum(n for *_, n in tables["posts"]) == con.execute("SELECT count(*) FROM posts").fetchone()[0]
    # brands by their configured names, as in the alerts' sentences
    names = {brand.name for brand in config.brands}
    for table in ("negative_share", "alerts", "advocates", "detractors"):
        column = 0 if table != "alerts" else 1
        assert {row[column] for row in tables[table]} <= names, table
    assert {row[0] for row in tables["negative_share"]} == names
    text = summary_markdown(config.warehouse.path)
    assert "### Open alerts" in text and "| severity | brand | rule | first day | latest day | reason |" in text
    spike = next(line for line in text.splitlines() if "| Negative spike |" in line)
    assert spike.startswith("| high | Lumo | Negative spike | 2026-11-23 | ")
    assert re.search(r"Worst day: \d+ negative posts about Lumo on 2026-11-23", spike)


def test_a_chinese_team_reads_its_summary_in_chinese(demo_pipeline):
    text = summary_markdown(demo_pipeline[1].warehouse.path, "zh")
    assert "### 未处理预警" in text and "### 各品牌负面占比" in text and "| 级别 | 品牌 | 规则 |" in text
    spike = next(line for line in text.splitlines() if "| 负面帖子激增 |" in line)
    assert "最严重的一天：Lumo 在 " in spike
    assert not re.search(r"Worst day|Open alerts|negative posts about", text)


def test_the_summary_names_each_brands_top_complaint_areas_of_the_last_week(demo_pipeline):
    config = demo_pipeline[1]
    tables = summary_tables(config.warehouse.path, "zh", config.area_names("zh"))
    lumo = [row for row in tables["complaints"] if row[0] == "Lumo"]
    assert len(lumo) == 3 and [row[2] for row in lumo] == sorted((row[2] for row in lumo), reverse=True)
    with reader(config.warehouse.path) as con:
        counted = dict(
            con.execute(
                """SELECT asp.aspect, count(*) FROM v_post_brand, UNNEST(aspects) AS t(asp)
                   WHERE brand_id = 'lumo' AND asp.polarity = 'negative'
                     AND local_day >= (SELECT max(local_day) FROM v_post_brand) - 6 GROUP BY 1"""
            ).fetchall()
        )
    names = config.area_names("zh")
    top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(names[area], n) for area, n in top] == [(row[1], row[2]) for row in lumo]  # areas by their Chinese names
    assert lumo[-1][3] == round(sum(n for _, n in top) / sum(counted.values()), 2)  # the Pareto's cumulative share
    assert "### Top complaint areas, last 7 days" in summary_markdown(config.warehouse.path)


def test_the_summary_says_how_many_negative_posts_no_complaint_bar_counts(demo_pipeline):
    """The complaint table's bars leave out negative posts that name no area; the summary
    counts them per brand over the same 7 days, as the dashboard's Complaints page does."""
    config = demo_pipeline[1]
    db = config.warehouse.path
    rows = {row[0]: row[1:] for row in summary_tables(db)["without_area"]}
    assert set(rows) == {brand.name for brand in config.brands}
    with reader(db) as con:
        last = con.execute("SELECT max(local_day) FROM v_post_brand").fetchone()[0]
    for brand in config.brands:
        without_area, negative = read.negatives_without_area(db, brand.id, last - timedelta(days=6), last)
        assert rows[brand.name][:2] == (without_area, negative)
        assert rows[brand.name][2] == pytest.approx(without_area / negative, abs=0.006)  # rounded to 2 places
    assert rows["Lumo"][0] > 0  # the demo holds such posts (用料低廉, 周五才发货 ...)
    assert "### Negative posts in no complaint area, last 7 days" in summary_markdown(db)
