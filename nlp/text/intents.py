"""Intent cues: churn or escalation (再也不买, 退款, 投诉到12315, cancel my subscription) and
recommendation (推荐, 回购, 下次还来, would recommend).

Cues are plain phrases matched in the canonical form of a text (Simplified, NFKC, case-folded;
English lemmatized, so "returned it" is "return it"), Latin ones at word boundaries ("sue"
is not in "issue"). Some common phrases mean something else in one position, so a cue can
name what must not stand right before or right after it: 推荐 followed by 的 or 我 is someone
else's recommendation (京东推荐的平板, 朋友推荐我买), 再也不用 followed by 担心 is praise. A
recommendation right after a negator (不推荐, 不值得购买, would not recommend) does not count.

What the lists were built from (docs/decisions.md, "Intents"): real reviews of the tune
half of tests/nlp/data/intents_real_*.jsonl, and each candidate phrase's hits in the
sentiment sets' training rows, read for what the phrase means there (再也不: 269 of 276 hits
in negative reviews; 下次还是 "next time I'd rather", not 下次还会, so only the latter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nlp.text.english import lemma_form
from nlp.text.matching import Term, canonical, phrase_term

INTENTS = ("churn_or_escalation", "recommend")


@dataclass(frozen=True)
class Cue:
    phrase: str
    unless_followed_by: tuple[str, ...] = ()
    unless_preceded_by: tuple[str, ...] = ()


def _cues(*phrases: str | Cue) -> tuple[Cue, ...]:
    return tuple(p if isinstance(p, Cue) else Cue(p) for p in phrases)


# Refund and return talk is often about a shop's policy, not the writer's own dispute.
_POLICY = ("无条件", "无理由", "不用", "不会", "不想", "不需要", "无需", "别人")

CHURN_OR_ESCALATION = _cues(
    # leaving: will not buy, order, come or use again; last time; switching; uninstalling
    *(f"再也不{verb}" for verb in ("买", "点", "订", "定", "来", "去", "会", "敢", "光顾", "吃", "在", "选")),
    *(f"不会再{verb}" for verb in ("买", "点", "订", "定", "来", "去", "用", "要", "光顾", "吃", "选", "在", "信", "相信")),
    *(Cue(f"不再{verb}", unless_preceded_by=("不得",)) for verb in ("买", "点", "订", "光顾", "相信")),  # 不得不再买: had to
    Cue("再也不用", unless_followed_by=("担心", "排队", "等", "怕", "愁", "跑", "操心", "听", "发愁")),
    "最后一次",
    "不要也罢",
    "换一家",
    "换别家",
    "卸载",
    # escalating: refunds, returns and exchanges, complaints to the platform or a regulator,
    # the media, the courts
    Cue("退款", unless_preceded_by=_POLICY),
    Cue("退货", unless_preceded_by=_POLICY),
    Cue("换货", unless_preceded_by=_POLICY),
    "退钱",
    "退单",
    "寄回",
    "投诉",
    "12315",
    "消协",
    "消费者协会",
    Cue("工商", unless_followed_by=("银行",)),  # ICBC, the bank a payment went through
    "市场监管",
    "介入",
    # a camera's exposure (曝光补偿, 自动曝光) is no exposé
    Cue(
        "曝光", unless_followed_by=("补偿", "度", "时间", "模式", "准", "过度", "不足"), unless_preceded_by=("自动", "长", "多重")
    ),
    "维权",
    "索赔",
    "起诉",
    "律师",
    "法院",
    # English
    "never buy",
    "never order",
    "never again",
    "never go back",
    "not buy again",
    "not be buy",
    "not be order",
    "switch to",
    "cancel my",
    "close my account",
    "delete my account",
    "unsubscribe",
    "uninstall",
    "return it",
    "return this",
    "return mine",
    "send it back",
    "send back",
    "refund",
    "money back",
    "chargeback",
    "dispute the charge",
    "file a complaint",
    "lawsuit",
    "lawyer",
    "attorney",
    "small claims",
    "class action",
    "better business bureau",
)

RECOMMEND = _cues(
    Cue(
        "推荐",
        # someone else's recommendation: 京东推荐的, 朋友推荐我买, 推荐人, 多人推荐, 网站一直推荐
        unless_followed_by=("的", "我", "人", "排行", "别"),
        unless_preceded_by=("的", "人", "站", "一直", "被", "系统"),
    ),
    "回购",
    "安利",
    "还会再",
    *(f"下次还{verb}" for verb in ("会", "来", "买", "要", "点")),
    "下次再来",
    "下次再买",
    *(f"{lead}光顾" for lead in ("还会", "再来", "继续", "经常")),
    "继续支持",
    "会再来",
    "还会买",
    "还会来",
    "还来买",
    *(f"值得{verb}" for verb in ("购买", "买", "入手", "拥有")),
    "下单吧",
    "放心购买",
    "放心买",
    "第二次购买",
    "第三次购买",
    "多次购买",
    # English
    "recommend",
    "buy another",
    "buy it again",
    "buy again",
    "order again",
    "worth every penny",
    "a must have",
    "a must-have",
    "will be back",
)

_ZH_NEGATORS = ("不", "没", "别", "无法", "不会", "不值得", "不太", "不是很", "不做", "不敢", "不能")
_EN_NEGATORS = {"not", "never", "no"}


@cache
def _term(phrase: str) -> Term:
    return phrase_term("", phrase)


def _negated(before: str) -> bool:
    before = before.rstrip()
    return before.endswith(_ZH_NEGATORS) or bool(_EN_NEGATORS & set(before.split()[-3:]))


def _said(form: str, cue: Cue, negatable: bool) -> bool:
    for match in _term(cue.phrase).finditer(form):
        before, after = form[: match.start()], form[match.end() :]
        if after.startswith(cue.unless_followed_by) or before.endswith(cue.unless_preceded_by):
            continue
        if negatable and _negated(before):
            continue
        return True
    return False


def match_intents(text: str) -> list[str]:
    """The intents a text states: "churn_or_escalation", "recommend", both or neither."""
    form = lemma_form(canonical(text))
    intents = []
    if any(_said(form, cue, negatable=False) for cue in CHURN_OR_ESCALATION):
        intents.append("churn_or_escalation")
    if any(_said(form, cue, negatable=True) for cue in RECOMMEND):
        intents.append("recommend")
    return intents
