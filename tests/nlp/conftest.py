"""A training bundle of a few real rows per source and split, shared by the distillation
and refinement tests (built once per test module)."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from nlp.sentiment.bundle import export_bundle


@pytest.fixture(scope="module")
def few_examples():
    from nlp.sentiment.datasets import load_all

    by_cell = defaultdict(list)
    for e in load_all():
        by_cell[(e.source, e.split)].append(e)
    rng = random.Random(3)
    return [e for rows in by_cell.values() for e in rng.sample(rows, min(8, len(rows)))]


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory, few_examples):
    directory = tmp_path_factory.mktemp("bundle")
    export_bundle(directory, few_examples)
    return directory
