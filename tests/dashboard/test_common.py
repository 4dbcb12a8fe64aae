"""dashboard/common.py: helpers every page uses."""

from __future__ import annotations

from dashboard.common import mark_terms
from flows.config import _default_taxonomy


def test_marks_what_a_slotted_word_list_entry_matched():
    delivery = next(a for a in _default_taxonomy() if a.id == "delivery")
    marked = mark_terms("说好11点送达，晚了40分钟，少一份南瓜粥", delivery.words())
    assert "【晚了40】分钟" in marked and "【少一份】南瓜粥" in marked and "【送达】" in marked
    # plain words are still literal text, never patterns
    assert mark_terms("a.b and a+b", ["a+b"]) == "a.b and 【a+b】"


def test_marks_the_mei_you_form_of_a_word_listed_with_mei():
    delivery = next(a for a in _default_taxonomy() if a.id == "delivery")
    assert mark_terms("点了两份饭，都没有给筷子", delivery.words()) == "点了两份饭，都【没有给筷子】"
