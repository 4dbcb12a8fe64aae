"""The bundled demo: render the story, serve it on 127.0.0.1, write its config."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from crawlers.demo_site.render import render_site
from crawlers.demo_site.story import DAYS, build_story, default_start


def demo_config_text(base_url: str, data_dir: Path) -> str:
    template = resources.files("crawlers.demo_site").joinpath("demo.yaml").read_text(encoding="utf-8")
    return template.replace("{base_url}", base_url).replace("{data_dir}", data_dir.as_posix())


def prepare_demo(data_dir: Path, start: date | None = None) -> tuple[Path, date, date]:
    """Render the site into ``data_dir/demo_site``; returns (site root, first day, last day)."""
    start = start or default_start()
    root = data_dir / "demo_site"
    render_site(root, start, build_story())
    return root, start, start + timedelta(days=DAYS - 1)


def write_demo_config(data_dir: Path, base_url: str) -> Path:
    path = data_dir / "koubei.demo.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(demo_config_text(base_url, data_dir), encoding="utf-8")
    return path
