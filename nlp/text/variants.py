"""Look-alike and filter-dodging characters folded onto the characters they stand for.

Two sources, applied in order: cjkfold (Unicode's EquivalentUnifiedIdeograph data: Kangxi
and CJK radicals, compatibility ideographs that NFKC leaves alone), then the reviewable
table ``data/filter_dodges.tsv`` of rare characters used to dodge keyword filters, which no
Unicode table records as variants. A legitimate rare character not in either is kept.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from cjkfold import fold


@cache
def dodge_table() -> dict[int, str]:
    text = resources.files("nlp.text").joinpath("data/filter_dodges.tsv").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        dodge, meant, *_ = line.split("\t")
        table[ord(dodge)] = meant
    return table


def fold_variants(text: str) -> str:
    return fold(text).translate(dodge_table())
