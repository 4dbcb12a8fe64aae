from pathlib import Path

import pytest

from flows.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]

MINIMAL = {
    "brands": [{"id": "acme", "name": "ACME", "aliases": {"en": ["ACME"]}}],
    "sources": [{"id": "s1", "kind": "rss", "start_urls": ["https://example.com/feed.xml"]}],
}


def test_example_config_is_valid():
    config = load_config(REPO / "koubei.example.yaml")
    assert [b.id for b in config.brands] == ["acme", "rival"]
    assert config.schedule.cron() == "30 6 * * *"
    assert {a.id for a in config.aspect_taxonomy()} >= {"delivery", "privacy", "safety", "customer_service"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["sources"][0].update(kind="ftp"), "sources.0.kind"),
        (lambda c: c["sources"][0].update(start_urls=["not a url"]), "sources.0.start_urls.0"),
        (lambda c: c["brands"][0].update(aliases={}), "brands.0"),
        (lambda c: c.update(timezone_typo="x"), "timezone_typo"),
        (lambda c: c.update(schedule={"time": "06:30", "timezone": "Mars/Olympus"}), "schedule.timezone"),
        (lambda c: c["sources"].append(dict(c["sources"][0])), "duplicate id"),
        # a pair group without problem words could never match: an error, not a silent no-op
        (
            lambda c: c.update(aspects=[{"id": "speed", "terms": {}, "pairs": [{"targets": {"en": ["app"]}}]}]),
            "aspects.0.pairs.0.problems",
        ),
    ],
)
def test_errors_name_the_key(change, message):
    import copy

    data = copy.deepcopy(MINIMAL)
    change(data)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config(data)


def test_secrets_come_from_environment(monkeypatch):
    data = {**MINIMAL, "sources": [{"id": "s1", "kind": "rss", "start_urls": ["${FEED_URL}"]}]}
    with pytest.raises(ConfigError, match=r"sources\.0\.start_urls\.0: environment variable FEED_URL is not set"):
        parse_config(data)
    monkeypatch.setenv("FEED_URL", "https://example.org/rss")
    assert str(parse_config(data).sources[0].start_urls[0]) == "https://example.org/rss"


def test_broken_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("brands: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yaml")


def test_the_sentiment_runtime_default_is_the_scorers():
    """The config cannot import the scorer (torch) to read its constants, so they are checked here."""
    from typing import get_args

    from flows.config import Sentiment
    from nlp.sentiment.scorer import DEFAULT_RUNTIME, RUNTIMES

    assert Sentiment().runtime == DEFAULT_RUNTIME
    assert set(get_args(Sentiment.model_fields["runtime"].annotation)) == set(RUNTIMES)
    with pytest.raises(ConfigError, match=r"sentiment\.runtime"):
        parse_config({**MINIMAL, "sentiment": {"runtime": "tensorrt"}})
