"""The one YAML config file, validated with pydantic.

Strings may reference environment variables as ``${NAME}``; secrets (webhook URLs,
SMTP passwords) must come that way and are never written in the file itself.
"""

from __future__ import annotations

import os
import re
from datetime import time as clock_time
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator, model_validator

from nlp.text.matching import SLOTS, spoken_forms, unknown_slots

_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")
Script = Literal["zh-Hans", "zh-Hant", "en"]


class ConfigError(ValueError):
    """A config problem, phrased as 'key: problem' so the user can fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Brand(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
    name: str
    aliases: dict[Script, list[str]] = Field(default_factory=dict)
    # Context words that mark an alias hit as something else (小米 the grain, apple the fruit).
    exclude_context: list[str] = Field(default_factory=list)
    # Per alias that is mostly an ordinary word: a hit of it counts only when one of these
    # words stands in the same post (苹果: 手机, 平板, iPad ...). Matched like aliases
    # (script-, width- and case-insensitive), so 苹果 covers 蘋果 too.
    require_context: dict[str, list[str]] = Field(default_factory=dict)
    competitor: bool = False
    # Official accounts per source id: replies from these stop the response clock.
    official_accounts: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_alias(self) -> Brand:
        if not any(self.aliases.values()):
            raise ValueError("needs at least one alias in zh-Hans, zh-Hant or en")
        from nlp.text.matching import canonical

        known = {canonical(a) for a in self.all_aliases()}
        for alias, words in self.require_context.items():
            if canonical(alias) not in known:
                raise ValueError(f"require_context names {alias!r}, which is not one of its aliases")
            if not words:
                raise ValueError(f"require_context for {alias!r} lists no words (the alias would never count)")
        return self

    def all_aliases(self) -> list[str]:
        return [a for names in self.aliases.values() for a in names] + [self.name]


def _check_selector(value: str) -> str:
    """A CSS selector (parsel's dialect, with ::text and ::attr(name)) or an XPath (starting
    with / ./ .. or ( ); refused at load time when it does not compile."""
    from crawlers.extract.selectors import compile_check

    compile_check(value)
    return value


Selector = Annotated[str, Field(min_length=1), AfterValidator(_check_selector)]


class Selectors(_Strict):
    """Where things are on a page of a source no extractor knows. ``post`` is the repeated
    container; the post fields are looked up inside it, the page fields in the whole page."""

    post: Selector
    body: Selector
    quote: Selector | None = None  # inside body: taken out and kept as quoted text
    author: Selector | None = None
    author_url: Selector | None = None
    time: Selector | None = None
    post_id: Selector | None = None
    likes: Selector | None = None
    title: Selector | None = None  # page
    next_page: Selector | None = None  # page: link(s) to follow
    thread_links: Selector | None = None  # page: link(s) to follow


class Source(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
    kind: Literal["structured", "discuz", "phpbb", "vbulletin", "xenforo", "tieba", "discourse", "rss", "selectors"]
    start_urls: list[HttpUrl] = Field(min_length=1)
    language: Literal["zh", "en", "auto"] = "auto"
    timezone: str = "UTC"
    max_pages: int = Field(default=500, ge=1, le=100_000)
    max_depth: int = Field(default=6, ge=0, le=50)
    # Loopback/private targets are refused unless a source opts in (the demo, tests).
    allow_private_network: bool = False
    selectors: Selectors | None = None  # required for kind: selectors

    @model_validator(mode="after")
    def _selectors_for_kind(self) -> Source:
        if self.kind == "selectors" and self.selectors is None:
            raise ValueError("kind selectors needs a selectors block (post, body, ...)")
        return self

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        _zone(value)
        return value


class Schedule(_Strict):
    time: clock_time = clock_time(6, 30)
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        _zone(value)
        return value

    def cron(self) -> str:
        return f"{self.time.minute} {self.time.hour} * * *"


class Sentiment(_Strict):
    # "builtin" = the offline e5-small model this project builds; otherwise a hub id or a
    # local directory holding any AutoModelForSequenceClassification.
    model: str = "builtin"
    batch_size: int = Field(default=32, ge=1, le=1024)
    threads: int | None = Field(default=None, ge=1, le=256)
    # The builtin model's runtime (nlp.sentiment.scorer.RUNTIMES): "onnx-int8" is faster on
    # the same dev accuracy; "torch" is the exact fp32 reference. Scores carry which one
    # made them in their model version ("3" or "3+int8").
    runtime: Literal["onnx-int8", "torch"] = "onnx-int8"
    # Complaint-area weights retrained on this deployment's corrections
    # (`koubei model train-complaints --out FILE`); unset: the packaged weights.
    complaint_model: Path | None = None


class Crawl(_Strict):
    user_agent: str = "koubei/0.1 (+social listening; contact: {contact})"
    contact: str = "ops@example.com"
    concurrency_per_domain: int = Field(default=2, ge=1, le=32)
    delay_seconds: float = Field(default=0.5, ge=0, le=60)
    max_response_mb: int = Field(default=10, ge=1, le=200)
    timeout_seconds: int = Field(default=30, ge=1, le=600)
    http_cache: bool = True  # conditional requests (ETag / Last-Modified) against the copy of the last crawl
    revisit_days: int = Field(default=7, ge=0, le=365)  # daily crawls stage posts from this long before the newest stored one


class AlertRules(_Strict):
    baseline_days: int = Field(default=21, ge=7, le=60)
    spike_min_count: int = Field(default=8, ge=1)
    spike_mad_threshold: float = Field(default=4.0, gt=0)
    spike_min_ratio: float = Field(default=2.0, ge=1)
    share_jump_min_posts: int = Field(default=10, ge=1)
    share_jump_points: float = Field(default=0.25, gt=0, le=1)
    detractor_min_influence: float = Field(default=0.8, ge=0, le=1)
    response_clock_hours: float = Field(default=24, gt=0)
    coordinated_min_authors: int = Field(default=4, ge=2)  # 3 gave a false positive on the demo backtest
    emerging_min_count: int = Field(default=5, ge=1)
    emerging_share_points: float = Field(default=0.25, gt=0, le=1)
    advocate_top_n: int = Field(default=3, ge=1)
    advocate_min_score: float = Field(default=0.15, ge=0)
    advocate_min_positive_share: float = Field(default=0.7, ge=0, le=1)  # smoothed, over >= 3 mentions
    cooldown_days: int = Field(default=3, ge=0)


class Notification(_Strict):
    kind: Literal["webhook", "slack", "feishu", "dingtalk", "wecom", "email"]
    # Name of the environment variable holding the URL (or SMTP password for email).
    secret_env: str
    to: list[str] = Field(default_factory=list)
    min_severity: Literal["low", "medium", "high"] = "medium"
    # The language of the alert's sentence; unset: Chinese for the Chinese workplace bots
    # (feishu, dingtalk, wecom), English for the rest. The JSON webhook carries both.
    language: Literal["en", "zh"] | None = None

    def message_language(self) -> str:
        return self.language or ("zh" if self.kind in ("feishu", "dingtalk", "wecom") else "en")


class Warehouse(_Strict):
    path: Path = Path("data/koubei.duckdb")
    staging_dir: Path = Path("data/staging")
    state_dir: Path | None = None  # crawl state (HTTP cache); default: crawl_state beside staging_dir

    def crawl_state_dir(self) -> Path:
        return self.state_dir or self.staging_dir.parent / "crawl_state"


Role = Literal["viewer", "responder", "admin"]


class DashboardUser(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]
    role: Role = "viewer"
    password_hash: Annotated[str, Field(pattern=r"^\$argon2id\$")]  # `koubei dashboard-user NAME` prints one


class Dashboard(_Strict):
    users: list[DashboardUser] = Field(default_factory=list)
    oidc: bool = False  # log in with st.login (provider in .streamlit/secrets.toml [auth]) instead of passwords
    oidc_roles: dict[str, Role] = Field(default_factory=dict)  # e-mail -> role; other OIDC users are viewers
    language: Literal["en", "zh"] = "en"
    refresh_seconds: int = Field(default=60, ge=10, le=3600)

    @model_validator(mode="after")
    def _unique_users(self) -> Dashboard:
        names = [u.name for u in self.users]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate user {dupes[0]!r}")
        return self


def _known_slots(word: str) -> str:
    unknown = unknown_slots(word)
    if unknown:
        raise ValueError(f"{word!r}: unknown slot {unknown[0]} (word lists know {', '.join(SLOTS)})")
    return word


# A word list per script; an entry may hold SLOTS such as {n} (nlp/text/matching.py).
Words = dict[Script, list[Annotated[str, AfterValidator(_known_slots)]]]


class PairGroup(_Strict):
    """Problem words that count only next to these targets, not the area's other ones."""

    targets: Words
    problems: Words


class Aspect(_Strict):
    """A complaint area: complaint terms, and problem words that count only next to a target."""

    id: str
    terms: Words
    targets: Words = Field(default_factory=dict)
    problems: Words = Field(default_factory=dict)
    pairs: list[PairGroup] = Field(default_factory=list)
    # longer words in which the area's terms and problem words say nothing (不熟悉 holds the
    # term 不熟, 差不多 the problem word 差)
    not_in: Words = Field(default_factory=dict)
    severity: float = Field(default=1.0, ge=0, le=5)
    # What people read in the dashboard, per interface language; the id where none is given.
    names: dict[Literal["en", "zh"], str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _not_in_holds_evidence(self) -> Aspect:
        evidence = [
            word
            for table in (self.terms, self.problems, *(g.problems for g in self.pairs))
            for words in table.values()
            for word in words
        ]
        for words in self.not_in.values():
            for word in words:
                if not any(e in word for e in evidence):
                    raise ValueError(f"not_in {word!r} of {self.id!r} holds none of the area's terms or problem words")
        return self

    def name(self, language: str) -> str:
        return self.names.get(language) or self.id  # type: ignore[call-overload]

    def words(self) -> list[str]:
        """Every word that can be evidence for this area (the dashboard marks them in a post)."""
        tables = [self.terms, self.targets, self.problems, *(t for g in self.pairs for t in (g.targets, g.problems))]
        return [form for table in tables for words in table.values() for word in words for form in spoken_forms(word)]


@cache
def _default_taxonomy() -> tuple[Aspect, ...]:
    """flows/aspects.yaml, parsed once: the dashboard asks for area names and severities on
    every rerun, and this file is part of the package, not of a deployment's config."""
    from importlib import resources

    data = yaml.safe_load(resources.files("flows").joinpath("aspects.yaml").read_text(encoding="utf-8"))
    return tuple(Aspect.model_validate(item) for item in data)


class Config(_Strict):
    project: str = "koubei"
    timezone: str = "Asia/Shanghai"
    brands: list[Brand] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    aspects: list[Aspect] = Field(default_factory=list)
    schedule: Schedule = Schedule()
    sentiment: Sentiment = Sentiment()
    crawl: Crawl = Crawl()
    alerts: AlertRules = AlertRules()
    notifications: list[Notification] = Field(default_factory=list)
    warehouse: Warehouse = Warehouse()
    dashboard: Dashboard = Dashboard()

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        for label, ids in (("brands", [b.id for b in self.brands]), ("sources", [s.id for s in self.sources])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{label}: duplicate id {dupes[0]!r}")
        return self

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def aspect_taxonomy(self) -> list[Aspect]:
        """The configured aspects, or the packaged default taxonomy (flows/aspects.yaml)."""
        return list(self.aspects) if self.aspects else list(_default_taxonomy())

    def area_names(self, language: str) -> dict[str, str]:
        """Each complaint area's name in an interface language ("en" or "zh"), by area id."""
        return {a.id: a.name(language) for a in self.aspect_taxonomy()}

    def aspect_severity(self) -> dict[str, float]:
        """Each complaint area's severity (post risk weight), by area id."""
        return {a.id: a.severity for a in self.aspect_taxonomy()}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as Asia/Shanghai)") from exc


def _expand_env(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, f"{path}.{i}") for i, v in enumerate(value)]
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{path}: environment variable {name} is not set (export {name}=...)")
            return os.environ[name]

        return _ENV_REF.sub(sub, value)
    return value


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return f"{key}: {first['msg']}"


def parse_config(data: Any) -> Config:
    if not isinstance(data, dict):
        raise ConfigError("(top level): expected a mapping of settings")
    try:
        return Config.model_validate(_expand_env(data, ""))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def load_config(path: Path) -> Config:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found (copy koubei.example.yaml and edit it)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_config(data)
