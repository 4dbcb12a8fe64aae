"""Selector sources: a site no extractor knows, described in a few lines of config."""

from zoneinfo import ZoneInfo

import pytest

from crawlers.extract.page import extract_page
from flows.config import ConfigError, parse_config

MTB_COMMENTS = {
    "post": "li.mtbnewsCommentContainer",
    "body": ".mtbnewsCommentMessage",
    "quote": "blockquote",
    "author": ".mtbnewsCommentAuthorName a::text",
    "author_url": ".mtbnewsCommentAuthorName a::attr(href)",
    "time": "time::attr(datetime)",
    "post_id": ".mtbnewsCommentMessageContainer::attr(id)",
    "title": "//h1",
}


def _source(selectors: dict) -> dict:
    config = parse_config(
        {
            "brands": [{"id": "b", "name": "B", "aliases": {"en": ["B"]}}],
            "sources": [
                {"id": "mtb", "kind": "selectors", "start_urls": ["https://www.mtb-news.de/news/"], "selectors": selectors}
            ],
        }
    )
    return config.sources[0].model_dump(mode="json")


def test_comments_of_a_news_article_by_selectors(shared_data):
    source = _source(MTB_COMMENTS)
    body = (shared_data / "html/article_with_comments_mtb-news_de.html").read_bytes()
    result = extract_page(
        body,
        "https://www.mtb-news.de/news/reifen-tubeless-montieren/",
        "mtb",
        ZoneInfo("Europe/Berlin"),
        None,
        source["selectors"],
    )
    posts = result.posts
    assert result.engine == "selectors" and len(posts) == 5  # the manifest's 6th "comment" is an ad slot, no body
    assert [p["author_name"] for p in posts[:5]] == ["RockyRider66", "dasK", "JensDey", "Haentz", "JensDey"]
    first = posts[0]
    assert first["platform_id"] == "comment-17896826"
    assert first["author_url"] == "https://www.mtb-news.de/forum/m/profile.80773/"
    assert first["published_at"].isoformat() == "2022-01-26T13:05:00+01:00"  # a German month name
    assert first["text"] == "Wo gehört das Logo den regulär hin?"
    assert first["quoted_text"].startswith("Ich ziehe meine Reifen inzwischen mit dem Logo")
    assert (
        first["thread_title"] == "MTB-Reifen auf Tubeless umrüsten Schritt für Schritt: so einfach montierst du Tubeless-Reifen"
    )


@pytest.mark.parametrize(
    ("selectors", "problem"),
    [
        ({"post": "li.c"}, "sources.0.selectors.body: Field required"),
        ({"post": "li[", "body": "p"}, "sources.0.selectors.post: Value error, invalid selector 'li['"),
        ({"post": "//li[", "body": "p"}, "invalid selector '//li['"),
    ],
)
def test_broken_selectors_are_refused_at_load_with_the_key(selectors, problem):
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[").replace(".", r"\.")):
        _source(selectors)


def test_selectors_kind_needs_selectors():
    with pytest.raises(ConfigError, match="kind selectors needs a selectors block"):
        parse_config(
            {
                "brands": [{"id": "b", "name": "B", "aliases": {"en": ["B"]}}],
                "sources": [{"id": "x", "kind": "selectors", "start_urls": ["https://example.com/"]}],
            }
        )


def test_extract_command_reads_a_saved_page_as_a_configured_selector_source(shared_data, tmp_path):
    import json

    import yaml
    from typer.testing import CliRunner

    from flows.cli import app

    config = tmp_path / "koubei.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "brands": [{"id": "b", "name": "B", "aliases": {"en": ["B"]}}],
                "sources": [
                    {
                        "id": "mtb",
                        "kind": "selectors",
                        "timezone": "Europe/Berlin",
                        "start_urls": ["https://www.mtb-news.de/news/"],
                        "selectors": MTB_COMMENTS,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    page = str(shared_data / "html/article_with_comments_mtb-news_de.html")
    url = "https://www.mtb-news.de/news/reifen-tubeless-montieren/"
    result = CliRunner().invoke(app, ["extract", page, "--url", url, "--source", "mtb", "-c", str(config)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["author"] for r in rows][:2] == ["RockyRider66", "dasK"] and rows[0]["published"] == "2022-01-26T13:05:00+01:00"
    missing = CliRunner().invoke(app, ["extract", page, "--url", url, "--source", "nope", "-c", str(config)])
    assert missing.exit_code == 2 and "no source 'nope'" in missing.output
