"""Brand, aspect and intent matching on a canonical form of the text.

Canonical form: Simplified script (OpenCC), NFKC width folding, case folded. Aliases
are canonicalized the same way, so 魯莫, 鲁莫 and ＬＵＭＯ all match the alias 鲁莫/Lumo.
Brands are found with spaCy's PhraseMatcher over tokens that never split a brand (one per
Han character, one per Latin word), so Latin aliases match whole words only; an
``exclude_context`` word near a hit rejects the brand for the whole post (小米粥 is not the
phone maker, apple pie is not the company; one sense per post), and an alias with
``require_context`` counts only in a post that holds one of its words (苹果 is a fruit unless
the post talks phones, tablets, computers). Complaint areas and intents
use regular expressions on the same form, after English words are replaced by their lemmas
(nlp/text/english.py), so one phrase covers its inflections.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from nlp.text.english import lemma_form
from nlp.text.language import to_simplified

CONTEXT_CHARS = 20  # an exclude_context word this close to a hit rejects it ("eat an apple", "小米粥")
# Matched on the canonical (Simplified) form. 不会 ("will not": 完全不会发烫, 不会卡顿) ends
# in 会, so it is listed apart from 不; so are 不到 and 提前 before a duration (不到一个小时就送到,
# 提前两个小时送达: praise of the delivery, not a late one). 没有什么 and 没啥 negate across
# their filler word (没有什么色差 praises the colour). A fear or an expectation is no complaint
# either (担心会送错，结果完全没问题; 以为会迟到，结果提前了).
_NEGATORS = (
    "不", "不会", "不到", "提前", "没", "没有", "无", "未", "别", "没什么", "没有什么", "没啥", "没有任何", "毫无",
    "不是很", "不是太", "不是特别", "不是非常", "不算", "不算太", "不算很", "没那么", "没有那么", "没有很", "没很",
    "没有一个", "没一个", "担心", "担心会", "怕会", "生怕", "以为", "以为会", "还以为", "本以为", "原以为",
    "not ", "no ", "never ",
)  # fmt: skip
_NEGATOR_WORDS = frozenset(n.strip() for n in _NEGATORS)
# Words that end in a negator's character without negating: 特别差 is "especially bad", not
# "don't be bad" (before this, 特别差, 特别慢 and 特别难吃 read as praise of that area);
# 是不是送错了 asks whether it went wrong. A longer negator still wins (不是特别咸).
NOT_NEGATING = ("特别", "分别", "区别", "个别", "差别", "级别", "类别", "识别", "告别", "性别", "是不是")
PAIR_GAP = 12  # a target and a problem word this close (in characters) within one clause make a hit
# 12 characters reach six Chinese words but two English ones ("support is poor"), so a clause
# written without Chinese gets a wider gap ("support is universally poor"). 16, not more: at 20
# and 24 the training split's positive English reviews gained false pairs ("this bad boy",
# "almost without fail"), at 16 none (docs/decisions.md, session 20).
PAIR_GAP_LATIN = 16
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # a Chinese character: the clause gets PAIR_GAP
_CONTRAST = re.compile(r"但是|但|不过|可是|然而|却|\bbut\b|\bhowever\b|\bthough\b")


def canonical(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Term:
    key: str
    literal: str  # the term's matching form: a plain substring test skips most regex calls
    pattern: re.Pattern[str]
    group: int = 0  # targets and problem words pair only within their group of an area

    def finditer(self, clause: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(clause) if self.literal in clause else iter(())


class TermIndex:
    """Terms by the first two characters of their matching form: a clause is searched only
    for the terms whose opening pair occurs in it. (Testing every one of ~700 terms against
    every clause was the text layer's largest cost.) Candidates keep the terms' order, so
    results do not depend on the index."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = list(terms)
        self.by_opening: dict[str, list[int]] = {}
        for position, term in enumerate(self.terms):
            self.by_opening.setdefault(term.literal[:2], []).append(position)

    def candidates(self, clause: str) -> list[Term]:
        positions = sorted(p for opening in _openings(clause) & self.by_opening.keys() for p in self.by_opening[opening])
        return [self.terms[p] for p in positions]


@lru_cache(maxsize=16)
def _openings(clause: str) -> frozenset[str]:
    """Every character and pair of characters in a clause: four indexes (terms, targets,
    problem words, not_in) look up the same clause in turn."""
    return frozenset({clause[i : i + 2] for i in range(len(clause) - 1)} | set(clause) | {""})


# Slots a word-list entry may hold where the words around a number carry the complaint, not
# the number: 晚了{n} covers 晚了20分钟 and 晚了快一个小时, 少{n}份 covers 少一份 and 少2份.
# {hours} is one hour or more up to 19 (2个小时, 一个半小时, 三个多钟头), not half an hour,
# not 24小时 (a service promise), and not one followed by 就 or 内: 一个小时就到了 praises,
# 一小时内送达 promises. Before these slots, only 一个小时 and 两个小时 were listed, so 送了2个小时
# and 一个半小时才送达 named no area (about 1.5% of negative waimai reviews, docs/decisions.md).
_ABOUT = "(?:快|近|将近|足足|整整|差不多|大概|大约|约)?"
SLOTS = {
    # bounded runs: a hostile run of digits cannot make a search quadratic
    # English number words as lemmatized (an -> a): waited two hours, took an hour
    "{n}": _ABOUT
    + r"(?:\d{1,6}(?:\.\d{1,2})?|[一二两三四五六七八九十百几俩半]{1,6}|(?:a|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\b)",
    "{hours}": _ABOUT
    + r"(?<![\d一二两三四五六七八九十])(?:1\d|[1-9]|[一二两三四五六七八九十几俩]{1,2})(?:\.\d)?个?[多半]?个?(?:小时|钟头)(?!就|内|以内|之内)",
}
_SLOT = re.compile("(" + "|".join(re.escape(slot) for slot in SLOTS) + ")")


def unknown_slots(word: str) -> list[str]:
    """The ``{...}`` placeholders in a word-list entry that are not SLOTS (a config error)."""
    return [slot for slot in re.findall(r"\{[^{}]*\}", word) if slot not in SLOTS]


def word_pattern(word: str, form: Callable[[str], str] = lambda part: part) -> tuple[str, str]:
    """A word-list entry as a regular expression, its slots filled, the text around them put in
    ``form``; and its longest fixed part (a plain substring test before the regex)."""
    pieces = _SLOT.split(word)  # fixed text, slot, fixed text, ..., fixed text
    fixed = [form(piece) for piece in pieces[::2]]
    pattern = "".join(SLOTS[piece] if i % 2 else re.escape(fixed[i // 2]) for i, piece in enumerate(pieces))
    return pattern, max(fixed, key=len)


def _phrase_form(part: str) -> str:
    """A fixed part of a phrase in matching form, keeping the spaces at its edges, which
    separate it from a slot (waited {n} hours -> "wait " + {n} + " hour")."""
    core = part.strip()
    if not core:
        return part
    return part[: len(part) - len(part.lstrip())] + lemma_form(canonical(core)) + part[len(part.rstrip()) :]


def phrase_term(key: str, alias: str, group: int = 0) -> Term:
    """A phrase's matching form and pattern: canonical, lemmatized, Latin ones at word
    boundaries, SLOTS filled."""
    pattern, literal = word_pattern(alias, _phrase_form)
    if re.fullmatch(r"[\w\s.&'-]+", alias, re.ASCII):
        pattern = rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"
    return Term(key, literal, re.compile(pattern), group)


# One token per Han character (a brand name can never be split inside a token, and a
# Chinese alias matches wherever its characters stand in a row), one per Latin word or
# number (so "Lumo" does not match inside "Lumos"), one per other symbol.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\d_\u3400-\u9fff\uf900-\ufaff]+|\d+|\S", re.UNICODE)


class BrandMatcher:
    """Brand and competitor mentions with spaCy's PhraseMatcher over the canonical form.

    Text and aliases are tokenized the same way (_TOKEN) into spaCy Docs, so matching is
    script-, width- and case-insensitive and respects Latin word boundaries. An
    ``exclude_context`` word within CONTEXT_CHARS of any hit rejects the brand in that post
    (小米粥, apple pie). A hit of an alias with ``require_context`` words counts only when one
    of them stands anywhere in the post: exclusion lists cannot keep up with how many ways a
    fruit review talks about fruit (real fruit reviews: 320 of 1,205 read as Apple the
    company with 36 fruit words excluded), while the company sense comes with a short
    list of product words.
    """

    def __init__(self, brands: Iterable) -> None:
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc
        from spacy.vocab import Vocab

        self.make_doc = Doc  # imported here, not per post: spaCy loads only when a matcher is built
        self.vocab = Vocab()
        self.matcher = PhraseMatcher(self.vocab)
        self.excludes: dict[str, list[str]] = {}
        self.requires: dict[tuple[str, str], re.Pattern[str]] = {}  # (brand, canonical alias) -> its words
        self.order: list[str] = []
        for brand in brands:
            self.matcher.add(brand.id, [self._doc(canonical(alias)) for alias in brand.all_aliases()])
            self.excludes[brand.id] = [canonical(w) for w in brand.exclude_context]
            for alias, words in brand.require_context.items():
                self.requires[(brand.id, _spaced(canonical(alias)))] = _words_pattern(words)
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
        excluded: set[str] = set()
        for match_id, start, end in self.matcher(doc):
            brand = self.vocab.strings[match_id]
            begin, finish = offsets[start][0], offsets[end - 1][1]
            window = form[max(0, begin - CONTEXT_CHARS) : finish + CONTEXT_CHARS]
            if any(word in window for word in self.excludes[brand]):
                excluded.add(brand)
            elif self._has_evidence(brand, _spaced(form[begin:finish]), form):
                found.add(brand)
        # One sense per post: a review that says 苹果都烂了 once means the fruit in its other
        # mentions too (这个苹果真心不好), where no exclusion word stands close enough.
        return [brand for brand in self.order if brand in found and brand not in excluded]

    def _has_evidence(self, brand: str, alias: str, form: str) -> bool:
        required = self.requires.get((brand, alias))
        return required is None or required.search(form) is not None


def _spaced(form: str) -> str:
    return " ".join(form.split())


def _words_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` in a canonical form; Latin words whole (mac is not in machine, ipad
    is in ipad7)."""
    parts = []
    for word in sorted({canonical(w) for w in words}, key=len, reverse=True):
        before = "(?<![a-z])" if word[:1].isascii() and word[:1].isalpha() else ""
        after = "(?![a-z])" if word[-1:].isascii() and word[-1:].isalpha() else ""
        parts.append(f"{before}{re.escape(word)}{after}")
    return re.compile("|".join(parts))


class AspectMatcher:
    """Complaint areas from the config's bilingual taxonomy, with negation and contrast.

    Two kinds of evidence, both matched on the lemma form of each clause:
    * a term is a complaint expression on its own (慢, 泄露, rude, overcharged);
    * a problem word (错, 晚, wrong, never) counts only next to one of the area's targets
      (骑手, 客服, driver, refund), within PAIR_GAP characters in the same clause, because
      "wrong" or 没消息 alone says nothing about which area. Problem words that end together
      (one shared by several areas, or 很差 of one and 差 of another) go to the area whose
      target stands nearest. An area may also list
      ``pairs``: groups of targets and problem words that pair only with each other (慢 is a
      product fault next to 反应 or 充电, not next to the area's 味道). A target inside a
      longer target of another area gives way (售后反应 is the service's, not the device's).
    Evidence is negative unless a negator stands just before it (不慢 is not slow); text is
    split at contrast words, so 快递很慢但是客服很好 yields delivery negative and the
    service clause stays separate. The more specific evidence wins where two areas overlap:
    a term inside a longer term of another area, or inside the span of another area's pair
    that ends on a problem word within it, does not count (太慢 alone is a late delivery, but
    手机反应太慢 a slow phone and 退货太慢 a slow return).
    """

    def __init__(self, aspects: Iterable) -> None:
        tables: dict[str, list[Term]] = {"terms": [], "targets": [], "problems": [], "not_in": []}
        for aspect in aspects:
            for kind in ("terms", "not_in"):
                tables[kind].extend(
                    phrase_term(aspect.id, form)
                    for words in (getattr(aspect, kind, None) or {}).values()
                    for word in words
                    for form in spoken_forms(word)
                )
            # group 0 is the area's own targets and problem words, then its ``pairs`` groups
            for group, words_of in enumerate([aspect, *(getattr(aspect, "pairs", None) or [])]):
                for kind in ("targets", "problems"):
                    for words in (getattr(words_of, kind, None) or {}).values():
                        tables[kind].extend(phrase_term(aspect.id, form, group) for word in words for form in spoken_forms(word))
        self.terms, self.targets, self.problems, self.not_in = (TermIndex(tables[kind]) for kind in tables)

    def match(self, text: str) -> list[dict[str, str]]:
        found: dict[str, str] = {}
        for clause in _CONTRAST.split(lemma_form(canonical(text))):
            for hit in self._hits(clause):
                if found.get(hit.key) != "negative":
                    found[hit.key] = "positive" if hit.negated else "negative"
        return [{"aspect": k, "polarity": v} for k, v in found.items()]

    def _hits(self, clause: str) -> list[Evidence]:
        not_in = _ByStart(
            _Target(term.key, 0, hit.start(), hit.end())
            for term in self.not_in.candidates(clause)
            for hit in term.finditer(clause)
        )
        found = _ByStart(t for t in self._term_hits(clause) if not _within(t, not_in.covering(t), same_key=True))
        # a term inside a longer one of its area adds nothing but may escape its negation (没有隐私泄露)
        terms = [t for t in found.items if not _within(t, found.covering(t), same_key=True)]
        pairs = self._pair_hits(clause, not_in, _ByStart(terms))
        # a problem word that is a bare negator (没有) just before other evidence is that
        # evidence's negator, not a problem: 和图片没有色差 praises the colour, it does not say
        # the picture lied
        negated_at = sorted(e.problem_at if e.problem_at is not None else e.start for e in terms + pairs if e.negated)
        pairs = [p for p in pairs if not (p.problem_is_negator and _negates_next(p, negated_at))]
        hits = _ByStart(terms + pairs)
        return [t for t in terms if not any(other.outranks(t) for other in hits.covering(t))] + pairs

    def _term_hits(self, clause: str) -> list[Evidence]:
        return [
            Evidence(term.key, hit.start(), hit.end(), None, _negated(clause, hit.start()))
            for term in self.terms.candidates(clause)
            for hit in term.finditer(clause)
        ]

    def _pair_hits(self, clause: str, not_in: _ByStart, terms: _ByStart) -> list[Evidence]:
        """Target and problem word pairs. A problem word inside one of its area's ``not_in``
        words is not one (差 in 差不多); inside a term it is negated with the term (没有色差，质量很好
        praises both: the 差 of 色差 is no verdict on the 质量 nearby)."""
        found = _ByStart(
            _Target(term.key, term.group, hit.start(), hit.end())
            for term in self.targets.candidates(clause)
            for hit in term.finditer(clause)
        )
        # a target inside a longer one of another area gives way (售后反应 is the service's response, not the device's)
        targets = _ByStart(t for t in found.items if not any(o.key != t.key and _covers(o, t) for o in found.covering(t)))
        if not targets.items:
            return []
        # problem words that end together compete (很差 of the delivery's group, 差 of the product's):
        # the one nearest its target wins, so 快递很快，质量很差 is no delivery complaint
        best: dict[int, tuple[int, Evidence]] = {}  # where the problem word ends -> (distance, evidence)
        gap_limit = PAIR_GAP if _HAN.search(clause) else PAIR_GAP_LATIN
        for term in self.problems.candidates(clause):
            for hit in term.finditer(clause):
                word = _Target(term.key, term.group, hit.start(), hit.end())
                if _within(word, not_in.covering(word), same_key=True):
                    continue
                # negation is read before the term that holds the problem word, if one does
                holders = [t.start for t in terms.covering(word) if _covers(t, word)]
                negated_at = min(holders, default=hit.start())
                near = [
                    (_gap(hit.start(), hit.end(), t.start, t.end), t.start, t.end)
                    for t in targets.within(hit.start(), hit.end(), gap_limit)
                    if (t.key, t.group) == (term.key, term.group)
                ]
                gap, a, b = min(near, default=(gap_limit + 1, 0, 0))
                if gap <= gap_limit and gap < best.get(hit.end(), (gap_limit + 1,))[0]:
                    span = Evidence(
                        term.key,
                        min(a, hit.start()),
                        max(b, hit.end()),
                        hit.start(),
                        # a target that runs straight into its problem word is negated with it (没有隐私泄露)
                        _negated(clause, negated_at) or (gap == 0 and b <= hit.start() and _negated(clause, a)),
                        hit.group().strip() in _NEGATOR_WORDS,
                    )
                    best[hit.end()] = (gap, span)
        return [evidence for _, evidence in best.values()]


def spoken_forms(word: str) -> list[str]:
    """A complaint word as it is listed and, for one that opens with 没, as it is as often
    written with 没有 (没送到 and 没有送到, 没解决 and 没有解决): one entry serves both. Not 没用
    ("useless"): 还没有用 is "not used yet"."""
    if word.startswith("没") and not word.startswith("没有") and len(word) > 1 and word != "没用":
        return [word, "没有" + word[1:]]
    return [word]


@dataclass(frozen=True)
class _Target:
    key: str
    group: int
    start: int
    end: int


def _covers(outer: _Target | Evidence, inner: _Target | Evidence) -> bool:
    """Whether ``outer`` holds ``inner`` and more."""
    return outer.start <= inner.start and inner.end <= outer.end and outer.end - outer.start > inner.end - inner.start


def _within(span: _Target | Evidence, others: Iterable[_Target | Evidence], same_key: bool) -> bool:
    """Whether one of ``others`` (of the same area where ``same_key``) holds ``span`` and more."""
    return any(_covers(o, span) and (o.key == span.key or not same_key) for o in others)


class _ByStart:
    """Spans in a clause sorted by where they start, so a span is compared only with the spans
    near it: a hostile post of 100,000 characters holds thousands of hits in one clause, and
    comparing each with all took 20 s."""

    def __init__(self, spans: Iterable[_Target | Evidence]) -> None:
        self.items = sorted(spans, key=lambda span: span.start)
        self.starts = [span.start for span in self.items]
        self.longest = max((span.end - span.start for span in self.items), default=0)

    def covering(self, span: _Target | Evidence) -> list:
        """The spans that may hold ``span``: they start at most ``longest`` before its end."""
        return self._starting(span.end - self.longest, span.start)

    def within(self, start: int, end: int, gap: int) -> list:
        """The spans that may lie within ``gap`` characters of start..end."""
        return self._starting(start - gap - self.longest, end + gap)

    def _starting(self, first: int, last: int) -> list:
        return self.items[bisect_left(self.starts, first) : bisect_right(self.starts, last)]


@dataclass(frozen=True)
class Evidence:
    """One hit in a clause: its area, the characters it covers (a term, or a pair from its
    target to its problem word), where a pair's problem word starts, and whether a negator
    stands before it."""

    key: str
    start: int
    end: int
    problem_at: int | None  # None for a term
    negated: bool
    problem_is_negator: bool = False  # a pair whose problem word is a bare negator (没有)

    def outranks(self, term: Evidence) -> bool:
        """Whether this hit, of another area, covers ``term`` and more: the more specific
        reading. A pair must also end where the term ends, on a problem word inside it (退货 +
        慢 over 太慢), so a pair does not swallow a term it merely spans (骑手态度差，送得也慢) or
        one its problem word opens (不给退，然后补送来)."""
        return (
            self.key != term.key
            and _covers(self, term)
            and (self.problem_at is None or term.start <= self.problem_at < term.end == self.end)
        )


def _negates_next(pair: Evidence, negated_at: list[int]) -> bool:
    """Whether negated evidence starts within reach of the pair's problem word (the 4
    characters ``_negated`` reads), so that the problem word is what negates it."""
    at = pair.problem_at or 0
    return bisect_right(negated_at, at + 4) > bisect_right(negated_at, at)


def _gap(start: int, end: int, other_start: int, other_end: int) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, other_start - end, start - other_end)


def _at_end(words: Iterable[str]) -> re.Pattern[str]:
    """The longest of ``words`` that ends a string: search tries the earliest start first."""
    return re.compile("(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")$")


_NEGATOR_AT_END = _at_end([*_NEGATORS, *(n.strip() for n in _NEGATORS)])
_NOT_NEGATING_AT_END = _at_end(NOT_NEGATING)
_DEGREE = ("很", "太", "特别", "非常")
_EN_SCOPE = re.compile(
    r"\b(?:not(?!\s+only)|never|no|nothing(?!\s+but))\s+(?:[a-z]+\s+){0,2}$"
)  # up to two words between: "never had an odor"


def _negated(clause: str, position: int) -> bool:
    """Whether a negator ends just before ``position``, or just before a degree word there (没有
    很差, 以为会很难吃). The longest reading wins: 特别 ends in the negator 别 but is no negator,
    while 不是特别 (not especially) is one."""
    degree = next((d for d in _DEGREE if clause.startswith(d, position)), "")  # 很慢 opens with its degree
    before_degree = next((d for d in _DEGREE if clause.endswith(d, 0, position)), "")
    if before_degree and not degree:
        degree, position = before_degree, position - len(before_degree)
    before = clause[max(0, position - 4) : position]
    # 不是 negates a degree (不是很慢: not very slow) but not a bare complaint: 不是没人接就是占线
    # is "either nobody answers or the line is busy"
    if degree and before.endswith("不是"):
        return True
    negator, not_negating = _NEGATOR_AT_END.search(before), _NOT_NEGATING_AT_END.search(before)
    if negator and (not not_negating or len(negator.group().strip()) > len(not_negating.group())):
        return True
    return bool(_EN_SCOPE.search(clause[max(0, position - 40) : position]))
