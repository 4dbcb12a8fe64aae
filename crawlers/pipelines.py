"""Validate each item (pydantic) and append it to the run's staging file.

Invalid items are written to a ``.rejected.jsonl`` file beside it with the reason,
never silently dropped; counts go to the crawl stats and from there to crawl_runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from crawlers.items import StagedPost


class StagingPipeline:
    def __init__(self, staging_file: str, stats, since: str | None = None) -> None:
        self.path = Path(staging_file)
        self.stats = stats
        self.since = datetime.fromisoformat(since) if since else None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("KOUBEI_STAGING_FILE"), crawler.stats, settings.get("KOUBEI_SINCE"))

    def open_spider(self, spider=None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.out = self.path.open("a", encoding="utf-8")
        self.rejected = self.path.with_suffix(".rejected.jsonl").open("a", encoding="utf-8")

    def close_spider(self, spider=None) -> None:
        self.out.close()
        self.rejected.close()

    def process_item(self, item, spider=None):
        try:
            record = StagedPost.model_validate(dict(item)).staging_record()
        except ValidationError as exc:
            err = exc.errors()[0]
            reason = f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            self.stats.inc_value("koubei/rejected")
            self.stats.inc_value(f"koubei/rejected/{err['type']}")
            self.rejected.write(json.dumps({"reason": reason, "item": dict(item)}, ensure_ascii=False, default=str) + "\n")
            return None
        published = record.get("published_at")
        if self.since and published and datetime.fromisoformat(published) < self.since:
            self.stats.inc_value("koubei/skipped_old")  # stored by an earlier crawl
            return None
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()
        self.stats.inc_value("koubei/items")
        return item
