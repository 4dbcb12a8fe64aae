"""Map any classifier's labels onto koubei's three classes.

Supported label sets (read from the model's ``id2label``):
* three classes named like negative / neutral / positive (any case, abbreviations);
* two classes negative / positive: neutral gets probability 0;
* one-to-five stars ("1 star" ... "5 stars"): 1-2 negative, 3 neutral, 4-5 positive;
* generic LABEL_0.. names: two labels read as (negative, positive), three as
  (negative, neutral, positive), five as stars.
"""

from __future__ import annotations

import re

import numpy as np

_NAMES = {
    "negative": 0,
    "neg": 0,
    "bad": 0,
    "neutral": 1,
    "neu": 1,
    "mixed": 1,
    "positive": 2,
    "pos": 2,
    "good": 2,
}


class LabelMapError(ValueError):
    pass


def mapping_matrix(id2label: dict[int, str]) -> np.ndarray:
    """A (n_labels, 3) matrix M so that our_probs = model_probs @ M."""
    n = len(id2label)
    labels = [str(id2label[i]).strip().lower() for i in range(n)]
    matrix = np.zeros((n, 3))
    if all(label in _NAMES for label in labels):
        for i, label in enumerate(labels):
            matrix[i, _NAMES[label]] = 1.0
        return matrix
    stars = [re.match(r"^([1-5])\s*stars?$", label) for label in labels]
    if all(stars):
        for i, match in enumerate(stars):
            matrix[i, _star_class(int(match.group(1)))] = 1.0
        return matrix
    if all(re.fullmatch(r"label_\d+", label) for label in labels):
        order = {2: [0, 2], 3: [0, 1, 2], 5: [_star_class(s) for s in range(1, 6)]}.get(n)
        if order:
            for i, cls in enumerate(order):
                matrix[i, cls] = 1.0
            return matrix
    raise LabelMapError(f"cannot map labels {labels} to negative/neutral/positive")


def _star_class(stars: int) -> int:
    return 0 if stars <= 2 else 1 if stars == 3 else 2
