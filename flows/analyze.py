"""Analyze stage: clean text, language and script, brands, aspects, intents, sentiment.

Reads posts that have no analysis for the configured model, whose text changed since, or
that were read under other reading rules (brands, complaint areas, the complaint-area
model: a changed config reaches the history too), scores them outside any database
connection, then writes the rows in one short transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from flows.config import Config
from flows.corrections import OFFICIAL, reapply_corrections
from flows.scoring import official_accounts
from nlp.complaints.model import ComplaintAreaModel
from nlp.sentiment import stated_complaints
from nlp.sentiment.inquiry import InquiryGate
from nlp.sentiment.scorer import Scorer, SentimentResult
from nlp.text.intents import match_intents
from nlp.text.language import detect_language, detect_script
from nlp.text.matching import AspectMatcher, BrandMatcher
from nlp.text.normalize import clean_text
from warehouse.db import registered, transaction, writer

ANALYSIS_SCHEMA = pa.schema(
    [
        ("post_key", pa.string()),
        ("model_id", pa.string()),
        ("model_version", pa.string()),
        ("is_current", pa.bool_()),
        ("language", pa.string()),
        ("script", pa.string()),
        ("brands", pa.list_(pa.string())),
        ("aspects", pa.list_(pa.struct([("aspect", pa.string()), ("polarity", pa.string())]))),
        ("intents", pa.list_(pa.string())),
        ("label", pa.string()),
        ("p_negative", pa.float64()),
        ("p_neutral", pa.float64()),
        ("p_positive", pa.float64()),
        ("flags", pa.list_(pa.string())),
        ("content_hash", pa.string()),
        ("analyzed_at", pa.timestamp("us", tz="UTC")),
        ("reading", pa.string()),  # TextReader.fingerprint (migration 007)
    ]
)


# Bump when code in nlp/text changes what a post reads as (cleaning, matching, the word-list
# rules): like a config change, it makes the next run read every post again.
# 2: intent cues rewritten (nlp/text/intents.py); 3: loyalty cues, read with sentiment;
# 4: refunds told in praise are not escalations; 5: Chinese inquiries read neutral;
# 6: stated complaints read negative; 7: the builtin model reads Chinese in Simplified;
# 8: the more specific complaint evidence wins where two areas overlap, pair groups, 特别 negates nothing;
# 9: word-list slots ({n}, {hours}) and 不到/提前 as negators, the flag ``official``;
# 10: problem words that end together compete for the nearest target (快递很快，质量很差);
# 11: negated degrees, fears and "not one", English negator scope, bare negators before evidence;
# 12: English clauses pair a target and a problem word across 16 characters, not 12
READING_CODE_VERSION = 12

# post_key, text_raw, content_hash, source_id, author name, local day
PendingPost = tuple[str, str, str, str, str | None, date]


@dataclass(frozen=True)
class Analyzed:
    """What an analyze run did: how many posts it read, and their days, whose stored scores
    (author scores, post risk) are out of date until those days are scored again."""

    posts: int
    days: tuple[date, ...]


def pending_posts(db: Path, model_id: str, model_version: str, reading: str) -> list[PendingPost]:
    """Posts without an analysis by this model version, or whose analysis is of another text
    or was read under other rules than ``reading`` (TextReader.fingerprint)."""
    with writer(db) as con:
        return con.execute(
            """
            SELECT p.post_key, p.text_raw, p.content_hash, p.source_id, au.display_name, p.local_day FROM posts p
            LEFT JOIN authors au ON au.author_key = p.author_key
            LEFT JOIN post_analysis a ON a.post_key = p.post_key AND a.model_id = ? AND a.model_version = ?
            WHERE a.post_key IS NULL OR a.content_hash <> p.content_hash OR a.reading IS DISTINCT FROM ?
            ORDER BY p.post_key
            """,
            [model_id, model_version, reading],
        ).fetchall()


@dataclass(frozen=True)
class TextReader:
    """Everything the analyze stage reads a post's text with, set up once per run: the brand
    and complaint-area matchers and, with the builtin scorer, the complaint-area model and the
    inquiry gate (both read the scorer's embedding)."""

    brands: BrandMatcher
    aspects: AspectMatcher
    allowed_areas: frozenset[str]
    complaints: ComplaintAreaModel | None
    fingerprint: str = ""  # names the rules above: rows read under others are read again
    inquiries: InquiryGate | None = None

    @classmethod
    def from_config(cls, config: Config, scorer: Scorer | None = None) -> TextReader:
        taxonomy = config.aspect_taxonomy()
        embedded = bool(scorer and scorer.embedding_size)  # only the builtin scorer gives the embedding
        complaints = ComplaintAreaModel.load(config.sentiment.complaint_model) if embedded else None
        inquiries = InquiryGate.load() if embedded else None
        for model in (complaints, inquiries):
            if model and scorer:
                model.check_embedding(scorer.embedding_source)
        rules = {  # what decides what a post reads as (not: competitor flags, severities)
            "code": READING_CODE_VERSION,
            "brands": [b.model_dump(mode="json", exclude={"competitor"}) for b in config.brands],
            "areas": [a.model_dump(mode="json", exclude={"severity", "names"}) for a in taxonomy],
            "complaint_model": complaints.digest() if complaints else None,
            "inquiry_gate": inquiries.digest() if inquiries else None,
        }
        fingerprint = hashlib.sha1(json.dumps(rules, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
        return cls(
            BrandMatcher(config.brands),
            AspectMatcher(taxonomy),
            frozenset(a.id for a in taxonomy),
            complaints,
            fingerprint,
            inquiries,
        )

    def read(self, text: str, sentiment: SentimentResult | None = None, official: bool = False) -> dict:
        """Language, script, brands, complaint areas (with polarity), intents and, given the
        scorer's result, the sentiment of a cleaned text.

        A brand's own accounts answer complaints ("已为您退款", "sorry about the delay"): their
        posts (``official``) name complaint areas and refunds without being complaints or a
        customer's churn, so they get no areas and no intents, and the flag ``official`` (an
        analyst's reading later re-reads intents, but not theirs). A Chinese post in which the word
        lists find no complaint may read neutral where the model read an inquiry as negative
        (nlp/sentiment/inquiry.py), and a post read neutral in which they find one reads
        negative (nlp/sentiment/stated_complaints.py); areas and intents then read that sentiment."""
        language = detect_language(text)
        areas = [] if official else self.aspects.match(text)
        listed_complaint = any(a["polarity"] == "negative" for a in areas)
        if sentiment is not None and self.inquiries:
            sentiment = self.inquiries.settle(
                sentiment,
                language,
                has_complaint=lambda: listed_complaint or "churn_or_escalation" in match_intents(text),
            )
        if sentiment is not None:
            sentiment = stated_complaints.settle(sentiment, listed_complaint)
        if self.complaints and sentiment is not None and not official:
            areas = self.complaints.add_to(areas, text, sentiment.embedding, sentiment.label, self.allowed_areas)
        reading = {
            "language": language,
            "script": detect_script(text) if language == "zh" else None,
            "brands": self.brands.match(text),
            "aspects": areas,
            "intents": [] if official else match_intents(text, sentiment.label if sentiment else None),
        }
        flags = [*(sentiment.flags if sentiment else ()), *([OFFICIAL] if official else [])]
        if sentiment:
            reading |= sentiment.as_dict()
        if sentiment or flags:  # without a model, `koubei analyze` prints no empty flags
            reading["flags"] = flags
        return reading


def analyze_rows(
    rows: list[PendingPost], cleaned: list[str], reader: TextReader, scorer: Scorer, official: set[tuple[str, str]]
) -> pa.Table:
    sentiments = scorer.score(cleaned)
    now = datetime.now(UTC)
    records = []
    for (post_key, _, content_hash, source_id, author, _), text, sentiment in zip(rows, cleaned, sentiments, strict=True):
        records.append(
            {
                "post_key": post_key,
                "model_id": scorer.model_id,
                "model_version": scorer.model_version,
                "is_current": True,
                **reader.read(text, sentiment, official=(source_id, author) in official),  # with its sentiment
                "content_hash": content_hash,
                "analyzed_at": now,
                "reading": reader.fingerprint,
            }
        )
    return pa.Table.from_pylist(records, schema=ANALYSIS_SCHEMA)


def write_analysis(db: Path, table: pa.Table, cleaned: dict[str, str]) -> None:
    new_clean = pa.table({"post_key": list(cleaned), "text_clean": list(cleaned.values())})
    with writer(db) as con, registered(con, new_analysis=table, new_clean=new_clean), transaction(con):
        # Older scores stay for comparison in SQL, but only one row per post is current.
        con.execute("UPDATE post_analysis SET is_current = FALSE WHERE post_key IN (SELECT post_key FROM new_analysis)")
        con.execute("INSERT OR REPLACE INTO post_analysis SELECT * FROM new_analysis")
        con.execute("UPDATE posts SET text_clean = c.text_clean FROM new_clean c WHERE posts.post_key = c.post_key")
        reapply_corrections(con, list(cleaned))  # an analyst's complaint areas outlive a new model version


def analyze_pending(
    config: Config, scorer: Scorer, chunk: int = 512, progress: Callable[[int, int], None] | None = None
) -> Analyzed:
    db = config.warehouse.path
    reader, official = TextReader.from_config(config, scorer), official_accounts(config)
    rows = pending_posts(db, scorer.model_id, scorer.model_version, reader.fingerprint)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        cleaned = [clean_text(row[1]) for row in part]  # once: scored, matched and stored
        table = analyze_rows(part, cleaned, reader, scorer, official)
        write_analysis(db, table, {row[0]: text for row, text in zip(part, cleaned, strict=True)})
        if progress:
            progress(min(start + chunk, len(rows)), len(rows))
    return Analyzed(len(rows), tuple(sorted({row[5] for row in rows})))
