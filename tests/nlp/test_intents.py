"""Intent cues (nlp/text/intents.py): what they catch, and the traps they must not fall into.
Their precision and recall on real reviews are in tests/nlp/test_matching_eval.py."""

from __future__ import annotations

import pytest

from nlp.text.intents import match_intents

CHURN, RECOMMEND = ["churn_or_escalation"], ["recommend"]


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("再也不买了，已经投诉到12315", CHURN),
        ("送了两个小时，以后不会再点了", CHURN),
        ("以後不會再訂他家了", CHURN),  # Traditional reads as Simplified
        ("第一次使用，也是最后一次使用", CHURN),
        ("漏电，已申请退货", CHURN),
        ("颜色发错了，要换货还得寄回去", CHURN),
        ("最后只好申请平台介入", CHURN),
        ("要去工商投诉他们", CHURN),
        ("这种事就该让媒体曝光", CHURN),
        ("I cancelled my subscription yesterday", CHURN),
        ("I will never buy a Lumo product again", CHURN),
        ("I returned it and asked for my money back", CHURN),
        ("Won't be ordering from them again", CHURN),
        ("强烈推荐，回购无数次", RECOMMEND),
        ("很好吃，下次还来", RECOMMEND),
        ("很不错值得购买", RECOMMEND),  # 不 in 不错 does not negate what follows
        ("特别推荐他家的牛肉面", RECOMMEND),  # nor 别 in 特别 ("especially")
        ("好吃，明天还定", RECOMMEND),
        ("质量不错，建议购买", RECOMMEND),
        ("苹果很脆，吃完再买", RECOMMEND),
        ("裤子合身，下次还选这一家", RECOMMEND),
        ("以后不会点了", CHURN),
        ("太慢了，不会在订了", CHURN),  # 在 for its homophone 再
        ("喜欢的朋友赶紧下单吧", RECOMMEND),
        ("屏裂了，以后不敢买了", CHURN),
        ("开不了机，已申请换机器", CHURN),
        ("I highly recommend this camera", RECOMMEND),
        ("Liked it enough to buy another", RECOMMEND),
        ("味道一般，不会再买了，不推荐", CHURN),
        ("会员卡已经销户了", CHURN),
        ("Deleted the app and took my business elsewhere", CHURN),
        ("I reported them to the FTC", CHURN),
        ("好用，闭眼入", RECOMMEND),
        ("This is my go-to place for ramen", RECOMMEND),
    ],
)
def test_stated_intents(text, intents):
    assert match_intents(text) == intents


@pytest.mark.parametrize(
    "text",
    [
        "妈妈再也不用担心我吃得到处都是了",  # 再也不用担心: praise
        "不会再去别家买了，就认准这家",  # leaving the others is loyalty, not churn
        "所以不得不再买了一本",  # had to buy another copy
        "京东推荐的平板外套，真的渣渣",  # someone else's recommendation
        "朋友推荐我买的，结果很失望",
        "不推荐，太难吃",
        "不值得购买",
        "I would not recommend it",
        "不知道以后还会不会光临了",  # 以后还会 asked, not promised
        "不建议购买",
        "Lumo lost my order again and support just sent a canned reply",  # "order" the noun
        "希望以后不要再推荐这样的酒店给我",
        "这书也能推荐？",  # a question, not a recommendation
        "I can't recommend it",
        "No issue at all with the battery",  # "sue" is not in "issue"
        "京东无条件退货，很放心",  # a return policy praised, not a dispute
        "my only complaint is the size",  # a complaint in the review, not a filed one
        "自动对焦、曝光补偿都很好用",  # a camera's exposure
        "用工商银行的卡付的款，很方便",  # ICBC
        "",
    ],
)
def test_traps_state_nothing(text):
    assert match_intents(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "第二次购买了，还是一样好",
        "经常点，很好吃",
        "定了好几次了",
        "一直用这款洗发水，很好用",
        "买的第四件了",
        "老顾客了，味道不错",
    ],
)
def test_loyalty_is_a_recommendation_only_where_the_post_does_not_read_negative(text):
    assert match_intents(text, "positive") == RECOMMEND
    assert match_intents(text, "neutral") == RECOMMEND
    # "past loyalty told in a complaint" uses the same words: the post's sentiment tells them apart
    assert match_intents(text, "negative") == []
    # no sentiment reading (koubei analyze without --sentiment): loyalty is not counted
    assert match_intents(text) == []


def test_loyalty_in_a_complaint_is_not_a_recommendation():
    complaint = "经常订他家的菜，但是这次酸豆角没洗干净，太失望了"
    assert match_intents(complaint, "negative") == []


def test_switching_is_churn_unless_the_post_reads_positive():
    joined = "Switched to Lumo last month and I would recommend it to anyone"
    assert match_intents(joined, "positive") == RECOMMEND
    left = "Lumo leaked my number. Switching to another app"
    assert match_intents(left, "negative") == CHURN and match_intents(left) == CHURN
    assert match_intents("送餐太慢，换一家吧", "negative") == CHURN
    assert match_intents("配送太慢，转投快蜂了", "negative") == CHURN


@pytest.mark.parametrize(
    "praise",
    [
        "鲁莫的客服真的靠谱，漏送一杯饮料十分钟就退款了，强烈推荐。",
        "衣服质量非常不错，发错了颜色，商家很快同意换货，换货速度也挺快，很满意",
        "Qingshan Tea refunded a missing drink within minutes, no questions asked. Impressed.",
    ],
)
def test_a_refund_told_in_praise_is_a_settled_complaint_not_an_escalation(praise):
    assert "churn_or_escalation" not in match_intents(praise, "positive")
    assert "churn_or_escalation" in match_intents(praise)  # no reading: the words alone


def test_a_refund_in_a_complaint_stays_an_escalation():
    for complaint in ("买了两份馅饼只给了一份，也没退钱", "Lumo charged me twice and the refund is still pending"):
        assert match_intents(complaint, "negative") == CHURN and match_intents(complaint, "neutral") == CHURN
    assert match_intents("东西坏了，已经投诉到12315", "positive") == CHURN  # a complaint to a regulator is never praise
