"""The run summary: what the PR team and the operator want to see after a run.

Written in the team's language (the config's ``dashboard.language``): a Chinese team reads its
alerts' Chinese sentences (``v_open_alerts.explanation_zh``) and rule titles, as in the
dashboard. Brands are shown by their configured names (the ``brands`` table), as in the
alerts' sentences; source ids stay as configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flows.alerts import rule_title
from warehouse.db import reader
from warehouse.read import counted_negative, names_no_area

# (English, Chinese) per table title and column
TITLES = {
    "posts": ("Posts per source and language", "各来源、各语言的帖子"),
    "negative_share": ("Negative share per brand", "各品牌负面占比"),
    "alerts": ("Open alerts", "未处理预警"),
    "complaints": ("Top complaint areas, last 7 days", "近 7 天主要投诉领域"),
    "without_area": ("Negative posts in no complaint area, last 7 days", "近 7 天未计入任何投诉领域的负面帖子"),
    "advocates": ("Top advocates", "头部拥护者"),
    "detractors": ("Top detractors", "头部批评者"),
}
COLUMNS = {
    "source": ("source", "来源"),
    "language": ("language", "语言"),
    "posts": ("posts", "帖子数"),
    "brand": ("brand", "品牌"),
    "negative": ("negative", "负面"),
    "share": ("share", "占比"),
    "severity": ("severity", "级别"),
    "rule": ("rule", "规则"),
    "first_day": ("first day", "首日"),
    "latest_day": ("latest day", "最近一天"),
    "reason": ("reason", "原因"),
    "author": ("author", "作者"),
    "advocacy": ("advocacy", "拥护度"),
    "detraction": ("detraction", "批评度"),
    "area": ("complaint area", "投诉领域"),
    "complaints": ("complaints", "投诉数"),
    "cumulative": ("cumulative share", "累计占比"),
    "without_area": ("no complaint area", "无投诉领域"),
}
HEADERS = {
    "posts": ["source", "language", "posts"],
    "negative_share": ["brand", "negative", "posts", "share"],
    "alerts": ["severity", "brand", "rule", "first_day", "latest_day", "reason"],
    "complaints": ["brand", "area", "complaints", "cumulative"],
    "without_area": ["brand", "without_area", "negative", "share"],
    "advocates": ["brand", "author", "source", "advocacy"],
    "detractors": ["brand", "author", "source", "detraction"],
}


# A brand's configured name, or its id where the brands table has no row for it (a brand
# since removed from the config).
_BRAND_NAME = "coalesce((SELECT b.name FROM brands b WHERE b.brand_id = brand), brand)"


# The Pareto of complaint areas over the last 7 days with posts, its top 3 per brand: where a
# PR team's week went (v_complaint_pareto covers all history; the dashboard picks a period).
_COMPLAINTS = f"""
    WITH recent AS (
        SELECT brand_id AS brand, asp.aspect AS aspect, count(*) AS n
        FROM v_post_brand, UNNEST(aspects) AS t(asp)
        WHERE asp.polarity = 'negative' AND local_day > (SELECT max(local_day) FROM v_post_brand) - INTERVAL 7 DAY
        GROUP BY ALL)
    SELECT {_BRAND_NAME}, aspect, n,
           round(sum(n) OVER (PARTITION BY brand ORDER BY n DESC, aspect ROWS UNBOUNDED PRECEDING)
                 / sum(n) OVER (PARTITION BY brand), 2)
    FROM recent
    QUALIFY row_number() OVER (PARTITION BY brand ORDER BY n DESC, aspect) <= 3
    ORDER BY brand, n DESC, aspect"""


# What those bars leave out: each brand's negative posts of the same 7 days that name no
# complaint area (official accounts' posts aside), where the areas found least often on real
# text (customer service, safety) and the model's misreadings wait (docs/operations.md).
_WITHOUT_AREA = f"""
    WITH recent AS (
        SELECT b AS brand, {names_no_area("a.")} AS no_area
        FROM posts p JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current, UNNEST(a.brands) AS t(b)
        WHERE {counted_negative("a.")}
          AND p.local_day > (SELECT max(local_day) FROM v_post_brand) - INTERVAL 7 DAY)
    SELECT {_BRAND_NAME}, count(*) FILTER (WHERE no_area), count(*), round(count(*) FILTER (WHERE no_area) / count(*), 2)
    FROM recent GROUP BY brand ORDER BY brand"""


def summary_tables(db: Path, language: str = "en", area_names: Mapping[str, str] | None = None) -> dict[str, list[tuple]]:
    """The summary's tables; complaint areas by ``area_names`` (Config.area_names) where given."""
    explanation = "explanation_zh" if language == "zh" else "explanation"
    with reader(db, retries=10) as con:
        tables = {
            "posts": con.execute(
                """SELECT p.source_id, coalesce(a.language, '?'), count(*) FROM posts p
                   LEFT JOIN post_analysis a ON a.post_key = p.post_key AND a.is_current GROUP BY ALL ORDER BY 1, 2"""
            ).fetchall(),
            "negative_share": con.execute(
                f"""SELECT {_BRAND_NAME}, sum(negative), sum(total), round(sum(negative) / sum(total), 3)
                   FROM v_daily_sentiment GROUP BY brand ORDER BY brand"""
            ).fetchall(),
            "alerts": con.execute(
                f"SELECT severity, {_BRAND_NAME}, rule, day, last_day, {explanation} FROM v_open_alerts"
            ).fetchall(),
            "complaints": con.execute(_COMPLAINTS).fetchall(),
            "without_area": con.execute(_WITHOUT_AREA).fetchall(),
            "advocates": con.execute(
                f"SELECT {_BRAND_NAME}, author, source, round(advocacy, 3) FROM v_advocates WHERE advocacy > 0 QUALIFY row_number() OVER (PARTITION BY brand ORDER BY advocacy DESC) <= 3 ORDER BY brand, advocacy DESC"
            ).fetchall(),
            "detractors": con.execute(
                f"SELECT {_BRAND_NAME}, author, source, round(detraction, 3) FROM v_advocates WHERE detraction > 0 QUALIFY row_number() OVER (PARTITION BY brand ORDER BY detraction DESC) <= 3 ORDER BY brand, detraction DESC"
            ).fetchall(),
        }
    tables["alerts"] = [(s, b, rule_title(rule, language), *rest) for s, b, rule, *rest in tables["alerts"]]
    names = area_names or {}
    tables["complaints"] = [(b, names.get(area, area), *rest) for b, area, *rest in tables["complaints"]]
    return tables


def _in(language: str, pair: tuple[str, str]) -> str:
    return pair[1] if language == "zh" else pair[0]


def _table(title: str, header: list[str], rows: list[tuple]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows] or ["| " + " | ".join(["—"] * len(header)) + " |"]
    return "\n".join(lines) + "\n"


def summary_markdown(db: Path, language: str = "en", area_names: Mapping[str, str] | None = None) -> str:
    tables = summary_tables(db, language, area_names)
    return "\n".join(
        _table(_in(language, TITLES[name]), [_in(language, COLUMNS[c]) for c in HEADERS[name]], rows)
        for name, rows in tables.items()
    )
