"""Brand, aspect and intent matching on a canonical form of the text.

Canonical form: Simplified script (OpenCC), NFKC width folding, case folded. Aliases
are canonicalized the same way, so 魯莫, 鲁莫 and ＬＵＭＯ all match the alias 鲁莫/Lumo.
Brands are found with spaCy's PhraseMatcher over tokens that never split a brand (one per
Han character, one per Latin word), so Latin aliases match whole words only; an
``exclude_context`` word next to a hit rejects it (小米粥 is not the phone maker, apple pie
is not the company). Complaint areas and intents use regular expressions on the same form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.text.language import to_simplified

CONTEXT_CHARS = 8  # an exclude_context word this close to a hit rejects it ("eat an apple", "小米粥")
_NEGATORS = ("不", "没", "沒", "无", "無", "未", "别", "not ", "no ", "never ", "n't ")
_CONTRAST = re.compile(r"但是|但|不过|可是|然而|却|\bbut\b|\bhowever\b|\bthough\b")

CHURN = (
    "再也不买",
    "再也不用",
    "退款",
    "投诉",
    "12315",
    "黑猫投诉",
    "曝光",
    "维权",
    "卸载",
    "switching to",
    "switch to",
    "cancel my subscription",
    "chargeback",
    "lawsuit",
    "never again",
    "uninstall",
)
RECOMMEND = ("推荐", "回购", "安利", "would recommend", "highly recommend", "recommend it")


def canonical(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Term:
    key: str
    pattern: re.Pattern[str]


def _pattern(alias: str) -> re.Pattern[str]:
    form = re.escape(canonical(alias))
    if re.fullmatch(r"[\w\s.&'-]+", alias, re.ASCII):
        return re.compile(rf"(?<![a-z0-9]){form}(?![a-z0-9])")
    return re.compile(form)


# One token per Han character (a brand name can never be split inside a token, and a
# Chinese alias matches wherever its characters stand in a row), one per Latin word or
# number (so "Lumo" does not match inside "Lumos"), one per other symbol.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\d_\u3400-\u9fff\uf900-\ufaff]+|\d+|\S", re.UNICODE)


class BrandMatcher:
    """Brand and competitor mentions with spaCy's PhraseMatcher over the canonical form.

    Text and aliases are tokenized the same way (_TOKEN) into spaCy Docs, so matching is
    script-, width- and case-insensitive and respects Latin word boundaries. An
    ``exclude_context`` word within CONTEXT_CHARS of a hit rejects it (小米粥, apple pie).
    """

    def __init__(self, brands: Iterable) -> None:
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc
        from spacy.vocab import Vocab

        self.make_doc = Doc  # imported here, not per post: spaCy loads only when a matcher is built
        self.vocab = Vocab()
        self.matcher = PhraseMatcher(self.vocab)
        self.excludes: dict[str, list[str]] = {}
        self.order: list[str] = []
        for brand in brands:
            self.matcher.add(brand.id, [self._doc(canonical(alias)) for alias in brand.all_aliases()])
            self.excludes[brand.id] = [canonical(w) for w in brand.exclude_context]
            self.order.append(brand.id)

    def _doc(self, form: str):
        spans = [m.span() for m in _TOKEN.finditer(form)]
        words = [form[a:b] for a, b in spans]
        spaces = [b < len(form) and form[b].isspace() for _, b in spans]
        doc = self.make_doc(self.vocab, words=words, spaces=spaces)
        doc.user_data["offsets"] = spans
        return doc

    def match(self, text: str) -> list[str]:
        form = canonical(text)
        doc = self._doc(form)
        offsets = doc.user_data["offsets"]
        found: set[str] = set()
        for match_id, start, end in self.matcher(doc):
            brand = self.vocab.strings[match_id]
            begin, finish = offsets[start][0], offsets[end - 1][1]
            window = form[max(0, begin - CONTEXT_CHARS) : finish + CONTEXT_CHARS]
            if brand not in found and not any(word in window for word in self.excludes[brand]):
                found.add(brand)
        return [brand for brand in self.order if brand in found]


class AspectMatcher:
    """Complaint areas from the config's bilingual taxonomy, with negation and contrast.

    A taxonomy term is a complaint expression (慢, 泄露, rude...). It counts as negative
    unless a negator stands just before it (不慢 is not slow); text is split at contrast
    words so 快递很慢但是客服很好 yields delivery negative, and the service clause stays
    separate.
    """

    def __init__(self, aspects: Iterable) -> None:
        self.terms: list[Term] = []
        for aspect in aspects:
            for words in aspect.terms.values():
                for word in words:
                    self.terms.append(Term(aspect.id, _pattern(word)))

    def match(self, text: str) -> list[dict[str, str]]:
        found: dict[str, str] = {}
        for clause in _CONTRAST.split(canonical(text)):
            for term in self.terms:
                for hit in term.pattern.finditer(clause):
                    before = clause[max(0, hit.start() - 4) : hit.start()]
                    negated = any(before.endswith(n) or before.endswith(n.strip()) for n in _NEGATORS)
                    polarity = "positive" if negated else "negative"
                    if found.get(term.key) != "negative":
                        found[term.key] = polarity
        return [{"aspect": k, "polarity": v} for k, v in found.items()]


def match_intents(text: str, churn: Sequence[str] = CHURN, recommend: Sequence[str] = RECOMMEND) -> list[str]:
    form = canonical(text)
    intents = []
    if any(canonical(w) in form for w in churn):
        intents.append("churn_or_escalation")
    if any(canonical(w) in form for w in recommend) and not any(
        n + canonical(w) in form for w in recommend for n in ("不", "不会")
    ):
        intents.append("recommend")
    return intents
