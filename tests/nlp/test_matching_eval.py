"""Brand matching and complaint-area detection against the labelled sets in tests/nlp/data/,
through the command that reports them (koubei matching-eval)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

DATA = Path(__file__).parent / "data"


def _scores(data: Path) -> dict[tuple[str, str], tuple[float, float]]:
    result = CliRunner().invoke(app, ["matching-eval", "--data", str(data), "-c", str(DATA / "matching_brands.yaml")])
    assert result.exit_code == 0, result.output
    # result.output also carries the model loader's progress lines: keep the table's rows
    rows = [line.split("\t") for line in result.stdout.splitlines() if line.count("\t") == 6][1:]
    return {(task, script): (float(p), float(r)) for task, script, p, r, *_ in rows}


def test_labelled_set_is_big_enough_and_covers_both_scripts_and_traps():
    import json

    posts = [json.loads(line) for line in (DATA / "matching_set.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(posts) >= 300
    assert {p["script"] for p in posts} == {"zh-Hans", "zh-Hant", "en"}
    assert sum(1 for p in posts if not p["brands"]) >= 20  # fruit, grain, scenery, brand-less complaints


@pytest.mark.parametrize("script", ["all", "zh-Hans", "zh-Hant", "en"])
def test_matching_meets_its_targets_on_the_labelled_set(script):
    scores = _scores(DATA / "matching_set.jsonl")
    # the labelled set trains the complaint-area model: this guards the system on its own
    # data against regressions; the held-out test below is the honest figure
    for task in ("brands", "aspects+model"):
        precision, recall = scores[(task, script)]
        assert precision >= 0.9 and recall >= 0.85, (task, script, precision, recall)


def test_held_out_set_floor():
    """60 posts written after the word lists were last changed and before the complaint-area
    model was last trained, used for neither (the fourth such set: the three before it guided
    changes and joined the labelled set). It avoids the words the lists know, so word lists
    alone find an eighth of its areas. What unseen phrasing gets: brands hold; complaint areas
    stay below the 0.9 / 0.85 aims (docs/decisions.md), so this guards the floor."""
    scores = _scores(DATA / "matching_heldout.jsonl")
    brand_precision, brand_recall = scores[("brands", "all")]
    assert brand_precision >= 0.95 and brand_recall == 1.0
    precision, recall = scores[("aspects", "all")]  # word lists alone
    assert precision >= 0.9 and recall >= 0.1, (precision, recall)
    precision, recall = scores[("aspects+model", "all")]  # with the complaint-area model
    assert precision >= 0.8 and recall >= 0.6, (precision, recall)
