"""The staged item: one post, review or comment, validated before it is written.

Flat on purpose: a staging file is JSON lines of these, readable by DuckDB and
pyarrow directly, partitionable by source and day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, field_validator

MAX_TEXT_CHARS = 100_000


class StagedPost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: str
    kind: Literal["post", "review", "comment"]
    url: HttpUrl
    platform_id: str | None = None
    thread_id: str | None = None
    thread_title: str | None = None
    parent_platform_id: str | None = None
    floor: int | None = Field(default=None, ge=0)
    author_name: str = Field(min_length=1, max_length=200)
    author_platform_id: str | None = None
    author_url: HttpUrl | None = None
    author_followers: int | None = Field(default=None, ge=0)
    author_posts: int | None = Field(default=None, ge=0)
    author_rank: str | None = None
    published_at: AwareDatetime | None = None
    fetched_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    quoted_text: str | None = None
    rating: float | None = None
    rating_max: float | None = None
    item_name: str | None = None
    likes: int | None = Field(default=None, ge=0)
    replies: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)
    language_hint: str | None = None

    @field_validator("published_at", "fetched_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return value.astimezone(UTC) if value else value

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value

    def staging_record(self) -> dict:
        return self.model_dump(mode="json")
