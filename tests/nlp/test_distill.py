"""The training bundle and the teacher -> student distillation, on CPU with a few real rows."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from nlp.sentiment.bundle import TokenizedSplit
from nlp.sentiment.distill import PREFIX_TOKENS, UNLABELLED, Recipe, augmented, load_bundle, run, spread_layers


def test_bundle_rebuilds_the_base_encoder_exactly(bundle_dir, few_examples):
    """Only the vocabulary rows the texts use travel, yet the encoder is the one `koubei model build` makes."""
    from transformers import AutoModel, AutoTokenizer

    from nlp.sentiment.base_build import bert_from_tensors, build_base_model
    from nlp.sentiment.model import PREFIX

    summary = json.loads((bundle_dir / "bundle.json").read_text())
    assert summary["vocab_rows"] < 5000 < summary["header"]["vocab"]
    bundle = load_bundle(bundle_dir)
    compact = bert_from_tensors(bundle.header, bundle.tensors, bundle.pad_id).eval()
    base_dir = build_base_model()
    full = AutoModel.from_pretrained(base_dir, add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    vocab_ids = np.load(bundle_dir / "bundle.npz")["vocab_ids"]
    train = [e for e in few_examples if e.split == "train"]
    text = train[0].text
    original = tokenizer(PREFIX + text, truncation=True, max_length=summary["max_tokens"])["input_ids"]
    assert vocab_ids[bundle.splits["train"].ids[0]].tolist() == original
    with torch.no_grad():
        ours = compact(input_ids=torch.from_numpy(bundle.splits["train"].ids[0][None])).last_hidden_state
        theirs = full(input_ids=torch.tensor([original])).last_hidden_state
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_spread_layers_keeps_first_and_last():
    assert spread_layers(12, 6) == [0, 2, 4, 7, 9, 11]
    assert spread_layers(12, 4) == [0, 4, 7, 11]
    assert spread_layers(12, 1) == [11]


def test_augmented_variants_keep_the_prefix_and_end_and_carry_no_label():
    rng = np.random.default_rng(0)
    rows = [np.concatenate([[0, 41, 1294, 12], rng.integers(100, 200, size=n), [2]]) for n in (1, 5, 30)]
    split = TokenizedSplit(rows, np.array([0, 2, 2]), ["sst2", "sst2", "waimai_10k"])
    extra = augmented(split, ["sst2"], 5, random.Random(1))
    assert 0 < len(extra.ids) <= 10
    assert set(extra.sources) == {"sst2_augmented"} and (extra.labels == UNLABELLED).all()
    for ids in extra.ids:
        assert ids[:PREFIX_TOKENS].tolist() == [0, 41, 1294, 12] and ids[-1] == 2 and len(ids) > PREFIX_TOKENS + 1
        assert set(ids[PREFIX_TOKENS:-1].tolist()) <= set(rows[0][PREFIX_TOKENS:-1].tolist() + rows[1][PREFIX_TOKENS:-1].tolist())
    again = augmented(split, ["sst2"], 5, random.Random(1))
    assert [a.tolist() for a in again.ids] == [a.tolist() for a in extra.ids]


@pytest.fixture(scope="module")
def tiny_student(bundle_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("distilled")
    # hidden_weight on (the default recipe's layer-by-layer loss), stated so a default change cannot skip it
    recipe = Recipe(teacher_epochs=1, student_epochs=1, student_layers=(2,), batch_size=8, augment_variants=2, hidden_weight=1.0)
    report = run(bundle_dir, out, recipe, log=lambda _: None, teacher_file=out / "teacher.pt")
    return out, report


@pytest.mark.slow
def test_a_saved_teacher_is_read_back_instead_of_retrained(tiny_student, bundle_dir, tmp_path):
    """Several students in parallel processes share one teacher through the file."""
    out, report = tiny_student
    assert (out / "teacher.pt").exists()
    logged: list[str] = []
    recipe = Recipe(teacher_epochs=1, student_layers=(), batch_size=8)
    again = run(bundle_dir, tmp_path, recipe, log=logged.append, teacher_file=out / "teacher.pt")
    assert any("teacher read from" in line for line in logged) and not any("step" in line for line in logged)
    assert again["teacher"]["dev"] == report["teacher"]["dev"]


@pytest.mark.slow
def test_distilled_student_loads_as_the_builtin_scorer(tiny_student):
    from nlp.sentiment.model import read_meta
    from nlp.sentiment.scorer import BuiltinScorer

    out, report = tiny_student
    assert {"teacher", "student-2"} <= set(report) and report["transfer_rows"] > report["training_rows"]
    assert set(report["student-2"]["dev"]) >= {"sst2", "waimai_10k", "waimai_10k_hant", "tweeteval_val"}
    assert report["student-2"]["embedding_cosine_dev"] > 0.8
    meta = read_meta(out / "student-2")
    assert meta.encoder_layers == meta.top_layers == 2 and meta.embedding_head
    scorer = BuiltinScorer(weights_dir=out / "student-2", with_embeddings=True)
    assert len(scorer.model.encoder.encoder.layer) == 2
    results = scorer.score(["质量太差了", "great phone", ""])
    assert results[0].embedding.shape == (384,) and np.linalg.norm(results[0].embedding) == pytest.approx(1.0, abs=1e-5)
    assert results[2].flags == ("empty_text",)
    assert scorer.embedding_source.startswith("koubei-sentiment-e5s embedding head ")


@pytest.mark.slow
def test_a_trained_part_missing_a_layer_is_refused(tiny_student, tmp_path):
    from safetensors.torch import load_file, save_file

    from nlp.sentiment.base_build import build_base_model
    from nlp.sentiment.model import load_classifier

    out, _ = tiny_student
    state = load_file(out / "student-2" / "trained_part.safetensors")
    save_file(
        {k: v for k, v in state.items() if not k.startswith("encoder.encoder.layer.0.")}, tmp_path / "trained_part.safetensors"
    )
    (tmp_path / "meta.json").write_text((out / "student-2" / "meta.json").read_text())
    with pytest.raises(ValueError, match="does not fit"):
        load_classifier(build_base_model(), tmp_path)
