"""Refining the shipped student with an English-only teacher, on CPU with a few real rows."""

from __future__ import annotations

import json

import pytest
import torch
from torch.nn import functional as F

from nlp.sentiment import distill
from nlp.sentiment.model import WEIGHTS_DIR, read_meta
from nlp.sentiment.refine import ENGLISH, RefineRecipe, load_student, rows_of, run, subset

TINY = RefineRecipe(teacher_epochs=1, teacher_batch=8, student_epochs=2, student_batch=8, augment_variants=1, chinese_rows=40)


@pytest.fixture(scope="module")
def refined(bundle_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("refined")
    logged: list[str] = []
    report = run(bundle_dir, out, TINY, log=logged.append)
    return out, report, logged


@pytest.mark.slow
def test_the_teacher_learns_english_only_and_is_read_back(refined, bundle_dir, tmp_path):
    import shutil

    out, report, logged = refined
    assert (out / "english-teacher.pt").exists() and not any("teacher read from" in line for line in logged)
    assert set(report["english_teacher"]) == set(ENGLISH)  # scored where it was taught
    shutil.copy(out / "english-teacher.pt", tmp_path / "english-teacher.pt")
    again: list[str] = []
    second = run(bundle_dir, tmp_path, TINY, log=again.append)
    assert any("teacher read from" in line for line in again)
    assert second["english_teacher"] == report["english_teacher"]
    assert second["student_after"] == report["student_after"]  # seeded: the same refinement twice


@pytest.mark.slow
def test_refined_student_keeps_its_embedding_space_and_loads_as_the_builtin_scorer(refined, bundle_dir):
    from nlp.sentiment.scorer import BuiltinScorer

    out, report, _ = refined
    assert {"student_before", "english_teacher", "student_after", "recipe"} <= set(report)
    assert json.loads((out / "refined" / "refine-report.json").read_text()) == report  # travels with the weights
    meta, shipped = read_meta(out / "refined"), read_meta(WEIGHTS_DIR)
    assert meta.version == f"{shipped.version}.en" and meta.encoder_layers == shipped.encoder_layers
    # rows taught: the English ones, one variant each, the Chinese sample (more than the English alone)
    assert meta.train_examples > 2 * len(rows_of(distill.load_bundle(bundle_dir).splits["train"], english=True))
    bundle = distill.load_bundle(bundle_dir)
    calib = bundle.splits["calib"]
    before, after = load_student(bundle, WEIGHTS_DIR), load_student(bundle, out / "refined")
    chinese = subset(calib, rows_of(calib, english=False))
    old = distill.outputs(before.forward_with_embedding, chinese, bundle.pad_id, torch.device("cpu"))
    new = distill.outputs(after.forward_with_embedding, chinese, bundle.pad_id, torch.device("cpu"))
    # the complaint-area model reads the embedding head: it must stay in the same space
    assert F.cosine_similarity(old[:, 3:], new[:, 3:], dim=1).min() > 0.9
    assert (old[:, :3].argmax(1) == new[:, :3].argmax(1)).float().mean() >= 0.9  # Chinese held to its own outputs
    scorer = BuiltinScorer(weights_dir=out / "refined", with_embeddings=True)
    assert [r.label for r in scorer.score(["质量太差了，再也不买", "great phone, works perfectly"])] == ["negative", "positive"]


@pytest.mark.slow
def test_the_model_card_shows_the_refinement_from_its_report(refined):
    from nlp.sentiment.evaluate import _refinement_section

    out, _, _ = refined
    section = _refinement_section(out / "refined" / "refine-report.json")
    assert section[0] == "## Refinement: an English-only teacher"
    sst2 = next(line for line in section if line.startswith("| sst2 |"))
    assert sst2.count("|") == 5 and "—" not in sst2  # the English teacher has a figure for English sets
    assert any(line.startswith("| waimai_10k |") and "| — |" in line for line in section)
