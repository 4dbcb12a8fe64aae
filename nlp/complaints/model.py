"""Complaint areas a word list misses, read from the base e5 sentence embedding.

Why: on posts written after the taxonomy was last changed, word lists found about half the
complaint areas (占线, "scripted answer", "glass in my salad" are in no list). A logistic
regression per area over the embedding that the sentiment pass already computes (the base
model's own top layers beside the retrained ones, nlp/sentiment/model.py) generalizes from
meaning, not words. It fills gaps: its areas count only for posts in which the word lists
found no complaint, and it never removes a word-list result.

* Features: the embedding plus TF-IDF character unigrams and bigrams of the post's canonical
  form (Simplified, folded variants, lower case; nlp/text/matching.py), weighted by half. Why:
  on real reviews the embedding alone mixed up areas that a word or two tells apart (信号,
  电池, 送餐费); cross-validated on the 274 labelled real reviews, with the word lists in
  front, the n-grams raised recall by about 0.06 at the same precision; on real reviews held
  out after the change, about 0.03 precision at the same recall (docs/decisions.md). The
  vocabulary is the character pairs seen at least twice in the training posts; a weights
  file without one (written before) reads the embedding alone. What moved real-review recall
  most was more labelled real reviews (0.60 -> 0.69 for 290 of them).

* Trained on the labelled matching set (tests/nlp/data/matching_set.jsonl) and the labelled
  real reviews that are not held out (matching_real_tune.jsonl), plus analysts' corrections where a
  deployment adds them, by ``koubei model train-complaints``; C and the
  probability threshold are chosen by 5-fold cross-validation on that set: the highest
  recall whose precision is at least 0.9 (thresholds by 0.05: a coarser grid gave up a
  quarter of the recall to miss the bar by 0.004).
* Gate: areas come from the model only for posts the sentiment model does not read as
  positive ("complained about" needs a complaint); word-list hits keep their own negation rules.
* Only the builtin scorer provides the embedding; with another sentiment model, the word
  lists work alone. Areas missing from a deployment's own taxonomy are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

WEIGHTS_FILE = Path(__file__).parent / "weights" / "complaint_areas.json"
NGRAM_RANGE = (1, 2)
NGRAM_MIN_POSTS = 2
NGRAM_WEIGHT = 0.5  # next to a unit-length embedding: the better half of 0.5 and 1 in cross-validation
GRID_C = (10.0, 100.0, 1000.0)
GRID_THRESHOLD = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
MIN_PRECISION = 0.9


class ComplaintModelError(ValueError):
    """A weights file that is not what ``koubei model train-complaints`` writes."""


@dataclass
class ComplaintAreaModel:
    areas: list[str]
    coef: list[list[float]]  # one row per area, over the embedding and then the n-grams
    intercept: list[float]
    threshold: float
    c: float
    cv_precision: float
    cv_recall: float
    trained_on: str
    base_model_id: str
    ngrams: list[str] = field(default_factory=list)
    ngram_idf: list[float] = field(default_factory=list)
    # The embedding space the coefficients read (nlp.sentiment.model.embedding_source);
    # files written before it existed read the base e5 embedding, named by base_model_id.
    embedding_source: str = ""

    def __post_init__(self) -> None:
        widths = {len(row) for row in self.coef}
        if len(self.ngram_idf) != len(self.ngrams) or len(widths) != 1 or widths.pop() <= len(self.ngrams):
            raise ComplaintModelError("coefficients, n-grams and their weights do not fit together")
        self._vectorizer = _vectorizer(self.ngrams, self.ngram_idf) if self.ngrams else None
        # converted once: the lists hold thousands of numbers and predict runs once per post
        self._coef, self._intercept = np.asarray(self.coef), np.asarray(self.intercept)

    def check_embedding(self, source: str) -> None:
        """Weights read in another embedding space than the scorer's give wrong areas without
        any error (a 6-layer student's embedding under base-e5 weights: recall 0.75 -> 0.48)."""
        expected = self.embedding_source or self.base_model_id
        if source != expected:
            raise ComplaintModelError(
                f"the complaint-area weights read the embedding of {expected!r}, but the sentiment model gives "
                f"{source!r}: run `koubei model train-complaints`"
            )

    def probabilities(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        features = _features(texts, np.asarray(embeddings, dtype=np.float64), self._vectorizer)
        return _probabilities(features, self._coef, self._intercept)

    def predict(self, text: str, embedding: np.ndarray | None, label: str) -> list[str]:
        """Areas complained about in a post, from its text, embedding and sentiment label."""
        if embedding is None or label == "positive":
            return []
        probs = self.probabilities([text], embedding[None, :])[0]
        return [area for area, p in zip(self.areas, probs, strict=True) if p >= self.threshold]

    def add_to(
        self,
        found: list[dict[str, str]],
        text: str,
        embedding: np.ndarray | None,
        label: str,
        allowed: AbstractSet[str],
    ) -> list[dict[str, str]]:
        """Word-list results, plus the model's areas (as complaints) when the word lists found no
        complaint at all: where they did, the model's extra areas were mostly wrong (an app
        crash also read as delivery), so it fills gaps and never second-guesses a hit."""
        if any(a["polarity"] == "negative" for a in found):
            return found
        have = {a["aspect"] for a in found}
        extra = [a for a in self.predict(text, embedding, label) if a in allowed and a not in have]
        return found + [{"aspect": area, "polarity": "negative"} for area in extra]

    def digest(self) -> str:
        """SHA-1 (12 hex digits) of everything the model predicts with: names these weights."""
        import hashlib

        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data["coef"] = [[round(x, 5) for x in row] for row in self.coef]
        data["ngram_idf"] = [round(x, 5) for x in self.ngram_idf]
        path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> ComplaintAreaModel | None:
        """Weights from ``path`` (a deployment's own; missing is an error), else the packaged
        weights (None where a build has none)."""
        if path is None:
            if not WEIGHTS_FILE.exists():
                return None
            path = WEIGHTS_FILE
        try:
            return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no complaint-area weights there (sentiment.complaint_model)") from None
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ComplaintModelError(f"{path}: not complaint-area weights written by koubei ({exc})") from None


def _vectorizer(ngrams: Sequence[str] | None = None, idf: Sequence[float] | None = None):
    """TF-IDF over character n-grams: unfitted (to learn a vocabulary), or rebuilt from a saved one."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        min_df=NGRAM_MIN_POSTS,
        sublinear_tf=True,
        vocabulary=list(ngrams) if ngrams else None,
    )
    if ngrams:
        vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


def _features(texts: Sequence[str], embeddings: np.ndarray, vectorizer) -> np.ndarray | sparse.csr_matrix:
    if vectorizer is None:
        return embeddings
    from nlp.text.matching import canonical

    ngrams = vectorizer.transform([canonical(t) for t in texts]) * NGRAM_WEIGHT
    return sparse.hstack([sparse.csr_matrix(embeddings), ngrams]).tocsr()


def _probabilities(features, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(features @ coef.T + intercept)))


def _fit(features, targets: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((targets.shape[1], features.shape[1]))
    intercept = np.full(targets.shape[1], -20.0)  # an area without examples never fires
    for j in range(targets.shape[1]):
        if targets[:, j].sum() >= 2:
            fitted = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(features, targets[:, j])
            coef[j], intercept[j] = fitted.coef_[0], fitted.intercept_[0]
    return coef, intercept


def _fit_on(texts: Sequence[str], embeddings: np.ndarray, targets: np.ndarray, c: float):
    """Learn the n-gram vocabulary from these posts only, then the areas; returns what predicts."""
    from nlp.text.matching import canonical

    vectorizer = _vectorizer().fit([canonical(t) for t in texts])
    coef, intercept = _fit(_features(texts, embeddings, vectorizer), targets, c)
    return vectorizer, coef, intercept


def _micro(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    tp = int((gold & predicted).sum())
    found, expected = int(predicted.sum()), int(gold.sum())
    return (tp / found if found else 1.0), (tp / expected if expected else 1.0)


def train_complaint_model(
    posts: Sequence[dict],
    embeddings: np.ndarray,
    labels: Sequence[str],
    areas: Sequence[str],
    trained_on: str,
    base_model_id: str,
    embedding_source: str = "",
) -> tuple[ComplaintAreaModel, list[tuple[float, float, float, float]]]:
    """Fit on labelled posts ({"aspects": [...]}) and their embeddings; returns the model and
    the cross-validation grid (C, threshold, precision, recall)."""
    from sklearn.model_selection import KFold

    areas = list(areas)
    gold = np.array([[a in p["aspects"] for a in areas] for p in posts], dtype=bool)
    not_praise = np.array([label != "positive" for label in labels])[:, None]
    texts = [p["text"] for p in posts]
    grid = []
    for c in GRID_C:
        out_of_fold = np.zeros(gold.shape)
        for train_rows, test_rows in KFold(5, shuffle=True, random_state=0).split(embeddings):
            # the vocabulary is learnt inside each fold too, so no held-out post shapes it
            vectorizer, coef, intercept = _fit_on([texts[i] for i in train_rows], embeddings[train_rows], gold[train_rows], c)
            features = _features([texts[i] for i in test_rows], embeddings[test_rows], vectorizer)
            out_of_fold[test_rows] = _probabilities(features, coef, intercept)
        for threshold in GRID_THRESHOLD:
            grid.append((c, threshold, *_micro(gold, (out_of_fold >= threshold) & not_praise)))
    eligible = [g for g in grid if g[2] >= MIN_PRECISION] or grid
    c, threshold, precision, recall = max(eligible, key=lambda g: (g[3], g[2]))
    vectorizer, coef, intercept = _fit_on(texts, embeddings, gold, c)
    model = ComplaintAreaModel(
        areas,
        coef.tolist(),
        intercept.tolist(),
        threshold,
        c,
        round(precision, 4),
        round(recall, 4),
        trained_on,
        base_model_id,
        ngrams=vectorizer.get_feature_names_out().tolist(),
        ngram_idf=vectorizer.idf_.tolist(),
        embedding_source=embedding_source,
    )
    return model, grid
