import numpy as np
import pytest

from nlp.sentiment.labels import LabelMapError, mapping_matrix


def test_three_two_and_five_class_maps():
    three = mapping_matrix({0: "Negative", 1: "neutral", 2: "POSITIVE"})
    assert (np.array([0.2, 0.3, 0.5]) @ three).tolist() == [0.2, 0.3, 0.5]
    two = mapping_matrix({0: "NEG", 1: "POS"})
    assert (np.array([0.9, 0.1]) @ two).tolist() == [0.9, 0.0, 0.1]
    stars = mapping_matrix({i: f"{i + 1} star{'s' if i else ''}" for i in range(5)})
    assert np.allclose(np.array([0.1, 0.2, 0.3, 0.25, 0.15]) @ stars, [0.3, 0.3, 0.4])
    generic = mapping_matrix({0: "LABEL_0", 1: "LABEL_1"})
    assert (np.array([0.3, 0.7]) @ generic).tolist() == [0.3, 0.0, 0.7]


def test_unknown_labels_are_an_error():
    with pytest.raises(LabelMapError, match="cannot map"):
        mapping_matrix({0: "spam", 1: "ham"})
