"""The demo's config as an object, for benchmarks and tools that need its brands."""

from __future__ import annotations

from importlib import resources

import yaml

from flows.config import Config, parse_config


def demo_brands_config() -> Config:
    text = resources.files("crawlers.demo_site").joinpath("demo.yaml").read_text(encoding="utf-8")
    return parse_config(
        yaml.safe_load(text.replace("{base_url}", "http://127.0.0.1:1").replace("{data_dir}", "/tmp/koubei-demo"))
    )
