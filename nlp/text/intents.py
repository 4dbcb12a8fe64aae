"""Intent cues: churn or escalation (再也不买, 退款, 投诉到12315, cancel my subscription) and
recommendation (推荐, 回购, 下次还来, would recommend).

Cues are plain phrases matched in the canonical form of a text (Simplified, NFKC, case-folded;
English lemmatized, so "returned it" is "return it"), Latin ones at word boundaries ("sue"
is not in "issue"). Some common phrases mean something else in one position, so a cue can
name what must not stand right before or right after it: 推荐 followed by 的 or 我 is someone
else's recommendation (京东推荐的平板, 朋友推荐我买), 再也不用 followed by 担心 is praise. A
recommendation right after a negator (不推荐, 不值得购买, would not recommend) does not count.

Loyalty (经常点, 第二次买, 一直用这个, 老顾客) is a recommendation only in a post that does not read
negative: "buying again because they like it" and "past loyalty told in a complaint" (经常订他家的菜，
但是这次……太失望了) use the same words, and the post's sentiment is what tells them apart. With no
sentiment reading (``koubei analyze`` without --sentiment) loyalty is not counted. Switching
and refunds are read the same way round: "switch to", 换一家 leave a brand in a complaint and
join it in praise; a refund or exchange demanded is an escalation, one granted and praised
(十分钟就退款了，强烈推荐) is the complaint settled. So they count only in a post that does not
read positive.

What the lists were built from (docs/decisions.md, "Intents"): real reviews of the tune
half of tests/nlp/data/intents_real_*.jsonl, and each candidate phrase's hits in the
sentiment sets' training rows, read for what the phrase means there (再也不: 269 of 276 hits
in negative reviews; 下次还是 "next time I'd rather", not 下次还会, so only the latter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nlp.text.english import lemma_form
from nlp.text.matching import NOT_NEGATING, Term, canonical, phrase_term

INTENTS = ("churn_or_escalation", "recommend")


@dataclass(frozen=True)
class Cue:
    phrase: str
    unless_followed_by: tuple[str, ...] = ()
    unless_preceded_by: tuple[str, ...] = ()


def _cues(*phrases: str | Cue) -> tuple[Cue, ...]:
    return tuple(p if isinstance(p, Cue) else Cue(p) for p in phrases)


_ELSEWHERE = ("别家", "别的", "其他", "其它", "别人家", "外面")
# Refund and return talk is often about a shop's policy, not the writer's own dispute.
_POLICY = ("无条件", "无理由", "不用", "不会", "不想", "不需要", "无需", "别人")

CHURN_OR_ESCALATION = _cues(
    # leaving: will not buy, order, come or use again; last time; switching; uninstalling
    # 在 is the usual slip for its homophone 再 (在也不买, 不会在订了: 22 training reviews, all negative)
    # ... but not from elsewhere: 不会再去别家买了 is loyalty
    *(
        Cue(f"{again}{verb}", unless_followed_by=_ELSEWHERE)
        for again in ("再也不", "在也不")
        for verb in ("买", "点", "订", "定", "来", "去", "会", "敢", "光顾", "吃", "在", "选")
    ),
    *(
        Cue(f"{again}{verb}", unless_followed_by=_ELSEWHERE)
        for again in ("不会再", "不会在")
        for verb in ("买", "点", "订", "定", "来", "去", "用", "要", "光顾", "吃", "选", "在", "信", "相信")
    ),
    *(Cue(f"不再{verb}", unless_preceded_by=("不得",)) for verb in ("买", "点", "订", "光顾", "相信")),  # 不得不再买: had to
    Cue("再也不用", unless_followed_by=("担心", "排队", "等", "怕", "愁", "跑", "操心", "听", "发愁")),
    *(f"不会{verb}了" for verb in ("买", "点", "订", "定", "来", "再来", "光顾")),  # 以后不会点了
    *(f"不敢{again}{verb}了" for again in ("", "再") for verb in ("买", "点", "订", "定")),  # 以后不敢买了
    "最后一次",
    "不要也罢",
    "卸载",
    "销户",
    "注销账号",
    # escalating: complaints to the platform or a regulator, the media, the courts (refunds
    # and returns: REFUNDS below)
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
    "cancel my",
    "close my account",
    "delete my account",
    "unsubscribe",
    "unsubscribed",  # not in the lookup lemmatizer's table
    "uninstall",
    "delete the app",
    "delete this app",
    "take my business elsewhere",
    "chargeback",
    "dispute the charge",
    "file a complaint",
    "lawsuit",
    "lawyer",
    "attorney",
    "small claims",
    "class action",
    "better business bureau",
    "ftc",
)

RECOMMEND = _cues(
    Cue(
        "推荐",
        # someone else's recommendation: 京东推荐的, 朋友推荐我买, 推荐人, 多人推荐, 网站一直推荐
        # ... and a question (这书也能推荐？, 能推荐一款吗) recommends nothing
        unless_followed_by=("的", "我", "人", "排行", "别", "?", "？", "吗"),
        unless_preceded_by=("的", "人", "站", "一直", "被", "系统"),
    ),
    "回购",
    "安利",
    "闭眼入",
    "还会再",
    # will come back: 下次还来, 明天还定, 以后还会买 (not 以后还会不会光临)
    *(
        Cue(f"{when}还{verb}", unless_followed_by=("不",))
        for when in ("下次", "下回", "以后", "明天", "改天")
        for verb in ("会", "来", "买", "要", "点", "订", "定", "选")
    ),
    *(f"{used}完{again}买" for used in ("用", "吃") for again in ("再", "还")),  # 吃完再买
    "再次购买",
    "再次光顾",
    "下次再来",
    "下次再买",
    *(f"{lead}光顾" for lead in ("还会", "再来", "继续", "经常")),
    "继续支持",
    "会再来",
    "还会买",
    "还会购买",
    "赶紧下单",
    "赶快下单",
    "还会来",
    "还来买",
    *(f"值得{verb}" for verb in ("购买", "买", "入手", "拥有")),
    "下单吧",
    "放心购买",
    "放心买",
    "建议购买",
    "建议大家购买",
    "建议入手",
    # English
    "recommend",
    "buy another",
    "buy it again",
    "buy again",
    # "order" the noun: "lost my order again" is a complaint
    Cue(
        "order again",
        unless_preceded_by=tuple(f"{d} " for d in ("my", "the", "your", "our", "their", "his", "her", "a", "an", "this", "that")),
    ),
    "worth every penny",
    "a must have",
    "a must-have",
    "will be back",
    "my go-to",
    "tell all my friends",
)

# Loyalty: counted only in posts that do not read negative (module docstring). From the
# training split: 经常定/买 in 26 positive reviews and 8 negative ones, all 8 past loyalty
# told in a complaint; 一直用 in 147 and 21; 第二次买 in 100 and 43.
LOYALTY = _cues(
    *(f"{often}{verb}" for often in ("经常", "每次都", "一直") for verb in ("点", "买", "订", "定")),
    "经常来",
    "一直用",
    "一直在用",
    "一直支持",
    *(
        f"{verb}{le}{times}次"
        for verb in ("点", "买", "订", "定", "购买")
        for le in ("", "了")
        for times in ("很多", "好多", "好几", "几", "无数", "多")
    ),
    *(f"{every}{verb}" for every in ("每天都", "每天都会") for verb in ("点", "买", "订", "定")),
    *(f"不是第一次{verb}" for verb in ("买", "购买", "点", "订", "定", "来")),
    *(f"第{n}次{verb}" for n in "二三四五几" for verb in ("买", "购买", "点", "订", "定", "光顾", "来", "吃")),
    *(f"买的第{n}" for n in "二三四五"),
    *(f"又{verb}了" for verb in ("买", "来", "点", "订", "定")),
    "多次购买",
    "老顾客",
    "老客户",
    "回头客",
)

# Switching: away from a brand in a complaint, to it in praise ("Switched to Lumo last month
# and I would recommend it"; "switch to spot metering" is a camera feature). Counted only where
# the post does not read positive (module docstring).
SWITCHING = _cues("switch to", "换一家", "换别家", "转投")

# Refunds, returns and exchanges take a complaint beyond the purchase, but told in praise they
# are the complaint settled ("漏送一杯饮料十分钟就退款了，强烈推荐", "refunded within minutes,
# impressed"): for a PR team that is a service win, not a risk. So, like switching, they count
# only where the post does not read positive.
REFUNDS = _cues(
    Cue("退款", unless_preceded_by=_POLICY),
    Cue("退货", unless_preceded_by=_POLICY),
    Cue("换货", unless_preceded_by=_POLICY),
    "申请换",  # 已申请换机器
    "退钱",
    "退单",
    "寄回",
    "return it",
    "return this",
    "return mine",
    "send it back",
    "send back",
    "refund",
    "money back",
)

_RECOMMEND_WITH_LOYALTY = RECOMMEND + LOYALTY
_CHURN_WHEN_NOT_PRAISE = CHURN_OR_ESCALATION + SWITCHING + REFUNDS

_ZH_NEGATORS = ("不", "没", "别", "无法", "不会", "不值得", "不太", "不是很", "不做", "不敢", "不能", "不要再", "别再", "不再")
_EN_NEGATORS = {"not", "never", "no"}


@cache
def _term(phrase: str) -> Term:
    return phrase_term("", phrase)


def _negated(before: str) -> bool:
    before = before.rstrip()
    zh = before.endswith(_ZH_NEGATORS) and not before.endswith(NOT_NEGATING)  # 特别推荐 recommends
    return zh or bool(_EN_NEGATORS & set(before.split()[-3:]))


def _said(form: str, cue: Cue, negatable: bool) -> bool:
    for match in _term(cue.phrase).finditer(form):
        before, after = form[: match.start()], form[match.end() :]
        if after.startswith(cue.unless_followed_by) or before.endswith(cue.unless_preceded_by):
            continue
        if negatable and _negated(before):
            continue
        return True
    return False


def match_intents(text: str, label: str | None = None) -> list[str]:
    """The intents a text states: "churn_or_escalation", "recommend", both or neither.

    ``label`` is the post's sentiment label, if it has been read: loyalty counts as a
    recommendation only where it is "positive" or "neutral", switching and refunds as churn or
    escalation only where it is not "positive"."""
    form = lemma_form(canonical(text))
    recommending = _RECOMMEND_WITH_LOYALTY if label in ("positive", "neutral") else RECOMMEND
    leaving = CHURN_OR_ESCALATION if label == "positive" else _CHURN_WHEN_NOT_PRAISE
    intents = []
    if any(_said(form, cue, negatable=False) for cue in leaving):
        intents.append("churn_or_escalation")
    if any(_said(form, cue, negatable=True) for cue in recommending):
        intents.append("recommend")
    return intents
