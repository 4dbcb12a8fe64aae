"""Language (zh, en, other) and Chinese script (zh-Hans, zh-Hant) of a text."""

from __future__ import annotations

import re
from functools import cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")


@cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def detect_language(text: str) -> str:
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    if _KANA_HANGUL.search(text) and han < 2 * len(_KANA_HANGUL.findall(text)):
        return "other"
    if han and han * 2 >= latin * 0.5:  # a Han character carries about a word's meaning
        return "zh"
    if latin:
        return "en"
    return "other"


def detect_script(text: str) -> str | None:
    """zh-Hant when characters change under Traditional->Simplified, zh-Hans otherwise."""
    han = "".join(_HAN.findall(text))
    if not han:
        return None
    simplified = to_simplified(han)
    traditional_only = sum(a != b for a, b in zip(han, simplified, strict=False))
    simplified_only = sum(a != b for a, b in zip(han, _converter("s2t").convert(han), strict=False))
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"
