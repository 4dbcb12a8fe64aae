"""English lemmas: spaCy's English tokenizer and the lookup lemmatizer of spacy-lookups-data.

Why: one taxonomy or intent phrase then covers its inflections (charge / charged / charges,
delivery / deliveries, cancel / cancelled), and contractions split the English way
(won't -> "wo not"), so a negator before a complaint is seen. Both parts come from PyPI
from spaCy's own publisher: `spacy` (English tokenizer exceptions) and `spacy-lookups-data`
(the English lemma table). No statistical English pipeline is loaded: the official trained
ones are not on PyPI (docs/decisions.md, "Text layer").
"""

from __future__ import annotations

import re
from functools import lru_cache

_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def english_pipeline():
    """spaCy's blank English language with the lookup lemmatizer, loaded once per process."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


LONGEST_RUN = 2000
# A run longer than that is cut after its last punctuation within the first 2,000 characters
# (or at 2,000): spaCy's tokenizer takes time quadratic in the length of a run without spaces
# where infixes abound (a:a:a:..., 鲁a:鲁a:...; a hostile 100,000-character post took 19 s).
# Only hostile text has such runs in English; a long Chinese run is cut where a clause ends.
_LONG_RUN = re.compile(r"\S{1000,1999}[^\w\s]|\S{2000}")


@lru_cache(maxsize=4096)  # the aspect and intent matchers ask for the same post in turn
def lemma_form(text: str) -> str:
    """Lemmas of the case-folded text joined by single spaces (the lookup table is lower-case);
    text without Latin letters is returned as is."""
    if not _LATIN.search(text):
        return text
    if any(len(run) > LONGEST_RUN for run in text.split()):
        text = _LONG_RUN.sub(r"\g<0> ", text)
    return " ".join(token.lemma_ for token in english_pipeline()(text.casefold()) if not token.is_space)
