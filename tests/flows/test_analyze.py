"""The analyze stage on a copy of the demo warehouse: which posts it reads again, and when."""

from __future__ import annotations

import pytest

from flows.analyze import TextReader, analyze_pending, pending_posts
from flows.config import Brand
from warehouse.db import reader

pytestmark = pytest.mark.slow  # needs the session's demo warehouse


@pytest.fixture(scope="module")
def scorer(demo_pipeline):
    from flows.daily import _scorer

    sentiment = demo_pipeline[1].sentiment
    return _scorer(sentiment.model, sentiment.batch_size, sentiment.threads, sentiment.runtime)


def _watching_delivery(config):
    """The config plus a brand whose alias is a common English word."""
    watched = Brand(id="delivery_co", name="Delivery Co", aliases={"en": ["delivery"]}, competitor=True)
    return config.model_copy(update={"brands": [*config.brands, watched]})


def _pending(config, scorer) -> int:
    fingerprint = TextReader.from_config(config, scorer).fingerprint
    return len(pending_posts(config.warehouse.path, scorer.model_id, scorer.model_version, fingerprint))


def test_a_new_reading_code_version_reads_every_post_again(warehouse_copy, scorer, monkeypatch):
    import flows.analyze

    assert _pending(warehouse_copy.config, scorer) == 0
    monkeypatch.setattr(flows.analyze, "READING_CODE_VERSION", flows.analyze.READING_CODE_VERSION + 1)
    with reader(warehouse_copy.db) as con:
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert _pending(warehouse_copy.config, scorer) == posts


def test_a_changed_brand_reaches_the_history_at_the_next_run_and_only_then(warehouse_copy, scorer):
    config = warehouse_copy.config
    assert _pending(config, scorer) == 0  # the demo run read everything under these rules
    with reader(warehouse_copy.db) as con:
        posts, rows = con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_analysis)").fetchone()
        # posts that say "delivery" as a word: the alias added below must find exactly these
        expected = con.execute(
            r"SELECT count(*) FROM posts WHERE regexp_matches(lower(text_clean), '(^|[^a-z])delivery([^a-z]|$)')"
        ).fetchone()[0]
    assert expected > 0

    # Only what decides what a post reads as counts: a new severity or name re-reads nothing.
    severities = [a.model_copy(update={"severity": 4.5}) for a in config.aspect_taxonomy()]
    assert _pending(config.model_copy(update={"aspects": severities}), scorer) == 0
    renamed = [a.model_copy(update={"names": {"zh": f"领域 {a.id}"}}) for a in config.aspect_taxonomy()]
    assert _pending(config.model_copy(update={"aspects": renamed}), scorer) == 0  # nor a display name

    changed = _watching_delivery(config)
    assert _pending(changed, scorer) == posts
    analyzed = analyze_pending(changed, scorer)
    assert _pending(changed, scorer) == 0
    with reader(warehouse_copy.db) as con:
        found = con.execute(
            "SELECT count(*) FROM post_analysis WHERE is_current AND list_contains(brands, 'delivery_co')"
        ).fetchone()[0]
        assert con.execute("SELECT count(*) FROM post_analysis").fetchone()[0] == rows  # replaced, not added
        days = [row[0] for row in con.execute("SELECT DISTINCT local_day FROM posts ORDER BY 1").fetchall()]
    assert found == expected
    # every day's stored scores are out of date now; the daily flow scores these days again
    assert analyzed.posts == posts and list(analyzed.days) == days


def test_the_days_of_posts_read_again_are_scored_again(warehouse_copy, scorer):
    from flows.scoring import score_days
    from warehouse.db import writer

    config = warehouse_copy.config
    changed = _watching_delivery(config)
    analyzed = analyze_pending(changed, scorer)
    mentions = _count(warehouse_copy.db, "post_analysis WHERE is_current AND list_contains(brands, 'delivery_co')")
    risked = "(SELECT DISTINCT post_key FROM post_risk WHERE brand_id = 'delivery_co')"
    assert mentions > 0 and _count(warehouse_copy.db, risked) == 0  # stored risk predates the brand
    with writer(warehouse_copy.db) as con:  # the daily flow's score stage, on those days
        score_days(con, changed, analyzed.days)
    assert _count(warehouse_copy.db, risked) == mentions  # the whole history knows the new brand


def _count(db, relation: str) -> int:
    with reader(db) as con:
        return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
