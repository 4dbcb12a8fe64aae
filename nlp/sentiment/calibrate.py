"""Temperature scaling (Guo et al. 2017) on the calibration split, one temperature per language.

Why per language: with one temperature fitted on all calibration rows (mostly Chinese
reviews, where the model is right and sure), English tweets stayed overconfident (expected
calibration error 0.148 on the three-class dev rows). Scaling leaves every argmax, and so
every label and accuracy, unchanged; only the probabilities move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nlp.sentiment.model import TrainedPartMeta, read_meta, write_meta

MIN_ROWS_PER_LANGUAGE = 100  # fewer calibration rows than this: the overall temperature serves


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature that minimizes the negative log-likelihood of ``labels``."""
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)
    loss_fn = nn.CrossEntropyLoss()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp().item())


def fit_language_temperatures(
    logits: np.ndarray | torch.Tensor, labels: Sequence[int], texts: Sequence[str]
) -> tuple[float, dict[str, float]]:
    """(overall temperature, {language: temperature}) for languages with enough rows."""
    from nlp.text.language import detect_language

    z = torch.as_tensor(np.asarray(logits), dtype=torch.float32)
    y = torch.as_tensor(list(labels), dtype=torch.long)
    languages = np.array([detect_language(t) for t in texts])
    per_language = {}
    for language in sorted(set(languages)):
        rows = torch.as_tensor(np.flatnonzero(languages == language))
        if len(rows) >= MIN_ROWS_PER_LANGUAGE:
            per_language[str(language)] = round(fit_temperature(z[rows], y[rows]), 4)
    return round(fit_temperature(z, y), 4), per_language


def recalibrate(weights_dir: Path, version: str) -> TrainedPartMeta:
    """Refit the temperatures of a trained part on the calibration split and save its meta
    under ``version`` (probabilities change, so stored scores must tell them apart)."""
    from nlp.sentiment.datasets import load_all
    from nlp.sentiment.scorer import BuiltinScorer

    calib = [e for e in load_all() if e.split == "calib"]
    texts = [e.text for e in calib]
    logits, _ = BuiltinScorer(weights_dir=weights_dir).logits(texts)
    overall, per_language = fit_language_temperatures(logits, [e.label for e in calib], texts)
    meta = replace(read_meta(weights_dir), temperature=overall, language_temperatures=per_language, version=version)
    write_meta(meta, weights_dir)
    return meta
