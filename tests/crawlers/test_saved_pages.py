"""Extraction on real saved pages from ../shared/data/html (facts checked against the HTML)."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawlers.encoding import decode_html
from crawlers.extract.page import extract_page

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_ZONE = ZoneInfo("UTC")


def _posts(shared_data, name, url, zone=SHANGHAI):
    return extract_page((shared_data / "html" / name).read_bytes(), url, "saved", zone)


def test_discuz_x34_thread_floors_authors_times(shared_data):
    result = _posts(shared_data, "zh_forum_discuz_x34_talkop_thread_2.html", "http://bbs.talkop.com/thread-2-1-1.html")
    posts = result.posts
    assert result.engine == "discuz" and len(posts) == 10
    assert [p["floor"] for p in posts] == list(range(1, 11))
    first = posts[0]
    assert first["author_name"] == "鹰目" and first["author_posts"] == 9437
    assert first["published_at"].isoformat() == "2019-02-20T22:50:00+08:00"
    assert posts[1]["text"].startswith("全部72页缩略图在线观看楼-1")
    assert all("replyreload" not in p["text"] for p in posts)  # inline scripts are not post text
    assert all(p["parent_platform_id"] == first["platform_id"] for p in posts[1:])


def test_phpbb_single_post(shared_data):
    result = _posts(
        shared_data, "forum_phpbb_myoos_de.html", "https://foren.myoos.de/viewtopic.php?t=1", ZoneInfo("Europe/Berlin")
    )
    assert result.engine == "phpbb" and len(result.posts) == 1
    post = result.posts[0]
    assert post["author_name"] == "r23" and post["author_posts"] == 1626
    assert post["text"].startswith("Was ist Freie Software und warum ist sie wichtig?")


def test_schemaorg_product_aggregate(shared_data):
    from crawlers.extract.structured import aggregate_ratings

    html = (shared_data / "html/markup_schemaorg_product.html").read_text(encoding="utf-8")
    ratings = aggregate_ratings(html, "https://example.com/p")
    assert ratings == [
        {"item_name": "Executive Anvil", "rating": 4.4, "count": "89", "rating_max": None}
    ]  # as in its expected.json


def test_gb2312_news_page_text(shared_data):
    text, encoding = decode_html((shared_data / "html/zh_news_gb2312_xinhuanet.html").read_bytes())
    assert encoding == "gb18030" and "新华网" in text


def test_xenforo_thread_posts_authors_quotes(shared_data):
    result = _posts(
        shared_data,
        "forum_xenforo_katzen-forum_de.html",
        "https://www.katzen-forum.net/threads/jede-nacht-verliert-pepe-soviel-dreck-aus-dem-fell.230143/",
        ZoneInfo("Europe/Berlin"),
    )
    posts = result.posts
    assert result.engine == "xenforo" and len(posts) == 18  # as the manifest counts
    assert {p["author_name"] for p in posts} == {"Pepemaus", "yellowkitty", "Lov100", "MoeC", "Lehmann", "Catbert", "AnnaAn"}
    first = posts[0]
    assert (first["floor"], first["author_posts"], first["author_rank"], first["thread_id"]) == (1, 2206, "Forenprofi", "230143")
    assert first["published_at"].isoformat() == "2018-09-27T14:51:09+02:00"
    assert first["text"].startswith("Hallo,\nPepe schläft nachts")
    assert [p["floor"] for p in posts] == list(range(1, 19))
    quoting = posts[6]
    assert quoting["parent_platform_id"] == "6331459"  # the post it quotes, not the thread starter
    assert quoting["quoted_text"].startswith("yellowkitty die Ohren sind total sauber")
    assert "die Ohren sind total sauber" not in quoting["text"]  # a quote is not the author's words


def test_xenforo_thread_title_without_prefix_label(shared_data):
    result = _posts(
        shared_data,
        "forum_xenforo_villagersandheroes_de.html",
        "https://villagersandheroes.com/forums/threads/patchnotes-4-47-4-tagundnachtgleiche-bugfix-build.3976/",
        ZoneInfo("Europe/Berlin"),
    )
    assert result.engine == "xenforo" and len(result.posts) == 9
    assert result.posts[0]["thread_title"] == "Patchnotes 4.47.4 - Tagundnachtgleiche Bugfix Build"
    assert len({p["author_name"] for p in result.posts}) == 5
    assert sum(1 for p in result.posts if p["quoted_text"]) == 4


def test_tieba_thread_list_threads_authors_reply_counts(shared_data):
    from datetime import datetime

    result = _posts(
        shared_data, "zh_forum_tieba_threadlist.html", "https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE"
    )
    posts = result.posts
    assert result.engine == "tieba" and len(posts) == 50 and len({p["author_name"] for p in posts}) == 30
    assert [p["replies"] for p in posts[:10]] == [143, 2498, 531, 22, 215, 73, 130, 17, 0, 50]  # as the manifest counts
    assert posts[0]["thread_title"] == "【招聘】贴吧热议吧吧务邀请你的加入！！"
    assert posts[3]["url"] == "https://tieba.baidu.com/p/6855574054"
    assert posts[3]["text"].startswith("救援人员推测") and "格尔木公安局通报" in posts[3]["text"]  # title + abstract
    when = posts[3]["published_at"]  # "08:52" on a board page means today, in the source's zone
    assert (when.hour, when.minute, when.date()) == (8, 52, datetime.now(SHANGHAI).date())
    assert result.follow[0] == "https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE&ie=utf-8&pn=50"
    assert len(result.follow) == 1 + 50  # the next board page, then every thread for its floors


def _evaldata(shared_data, name):
    import json

    return json.loads((shared_data / "html/trafilatura_evaldata_subset.json").read_text(encoding="utf-8"))[name]


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        (
            "review_recipe_jsonld_chefkoch_de.html",
            "https://www.chefkoch.de/rezepte/607331160490733/Mandarinen-Schmand-Kuchen.html",
            # the old "reviews" property; the recipe's own author (jesusfreak) is not a reviewer
            [("anaya60", None, "2020-04-12", "habe ihn heute erstmals gemacht")] + [(None, None, None, None)] * 4,
        ),
        (
            "review_lodging_microdata_travanto_de.html",
            "https://www.travanto.de/ferienhaus/lierfeld/40222/ferienhaus-feinen.php",
            [("anonymous", 4.8, "2018-05-23", "Wir sind mit 10 Personen")]
            + [(None, None, None, None)] * 3
            + [("anonymous", 4.6, "2011-10-07", "rating 4.6/5"), (None, None, None, None)],  # a rating without words
        ),
        (
            "review_recipe_eatsmarter_de.html",
            "https://eatsmarter.de/rezepte/vanille-hafer-porridge-mit-leinsamen-und-apfel",
            [("haferflocke22", 5.0, "2019-04-12", "rating 5/5")]
            + [(None, None, None, None)] * 5
            + [("Genia.", 2.0, "2020-07-22", "rating 2/5")],
        ),
        (
            "review_product_ebrosia_de.html",
            "https://www.ebrosia.de/beringer-zinfandel-rose-stone-cellars-lieblich-suess",
            [("Andreas R.", 5.0, "2014-12-29", "rating 5/5")],
        ),
        (
            "review_editorial_pcgamer_en.html",
            "https://www.pcgamer.com/through-the-darkest-of-times-review/",
            [("Luke Kemp", 87.0, "2020-02-11", "Need to know What is it? The story of Nazi Germany")],
        ),
    ],
)
def test_review_pages_reviews_ratings_dates(shared_data, name, url, expected):
    result = _posts(shared_data, name, url, ZoneInfo("Europe/Berlin"))
    assert result.engine == "structured" and len(result.posts) == len(expected)
    assert all(p["kind"] == "review" for p in result.posts)
    for post, (author, rating, day, start) in zip(result.posts, expected, strict=True):
        if author is None:
            continue
        assert (post["author_name"], post["rating"]) == (author, rating)
        assert post["published_at"].date().isoformat() == day and post["text"].startswith(start)


def test_review_page_aggregate_ratings(shared_data):
    from crawlers.extract.structured import aggregate_ratings

    def agg(name):
        return aggregate_ratings((shared_data / "html" / name).read_text(encoding="utf-8"), "https://example.com/")

    assert agg("review_recipe_jsonld_chefkoch_de.html") == [
        {"item_name": "Mandarinen-Schmand-Kuchen", "rating": 4.52, "count": 953, "rating_max": 5.0}
    ]
    assert agg("review_lodging_microdata_travanto_de.html")[0]["rating"] == 4.9
    assert agg("review_product_ebrosia_de.html")[0]["rating_max"] == 10.0  # its own scale, kept


def test_schemaorg_creativework_reviews_as_extruct_expects(shared_data):
    result = _posts(shared_data, "markup_schemaorg_creativework_review.html", "https://example.com/")
    assert sorted((p["author_name"], p["rating"]) for p in result.posts) == [("Bob Smith", 4.0), ("John Doe", 5.0)]


def test_discuz_thread_list_links_every_thread(shared_data):
    result = _posts(shared_data, "zh_forum_discuz_x32_threadlist_nsh.html", "https://n.netease.com/forum-1-1.html")
    threads = [link for link in result.follow if "/thread-" in link]
    assert result.engine == "discuz" and result.posts == []  # a list page: its threads are crawled, not itself
    assert len(set(threads)) == 42  # 40 normal threads (the manifest's count) + 2 sticky ones


def test_discuz_x34_second_saved_thread(shared_data):
    result = _posts(shared_data, "zh_forum_discuz_x34_talkop_thread_3.html", "http://bbs.talkop.com/thread-3-1-1.html")
    assert result.engine == "discuz" and len(result.posts) == 10
    first, second = result.posts[:2]
    assert (first["floor"], first["author_name"], first["published_at"].isoformat()) == (
        1,
        "TalkOP情报员",
        "2018-10-04T19:09:00+08:00",
    )
    assert (second["author_name"], second["text"][:8]) == ("红茶北冰洋", "编辑帖子居然比翻")


@pytest.mark.parametrize(
    ("name", "evaldata"),
    [
        ("forum_reddit_r_python_en.html", True),
        ("article_with_comments_mtb-news_de.html", True),
        ("zh_news_gb2312_xinhuanet.html", False),
    ],
)
def test_unknown_pages_fall_back_to_main_text(shared_data, name, evaldata):
    truth = _evaldata(shared_data, name)
    result = _posts(shared_data, name, truth["url"], ZoneInfo("Europe/Berlin"))
    assert result.engine == "main_text" and result.posts[0]["kind"] == "post"
    text = result.posts[0]["text"]
    if evaldata:  # trafilatura's own ground truth for these pages
        assert all(snippet in text for snippet in truth["with"])
        assert not any(snippet in text for snippet in truth["without"])
    else:
        assert "话剧《约定无期限》" in result.posts[0]["thread_title"] and "张家口" in text


FIXTURES = Path(__file__).parent / "fixtures"


def test_vbulletin4_thread_fixture():
    result = extract_page(
        (FIXTURES / "vbulletin4_thread.html").read_bytes(), "https://forum.example.com/showthread.php?t=777", "vb", UTC_ZONE
    )
    first, second = result.posts
    assert result.engine == "vbulletin" and result.posts[0]["thread_title"] == "Lumo delivery times"
    assert (first["author_name"], first["author_platform_id"], first["author_posts"], first["author_rank"]) == (
        "hungry_hank",
        "42",
        1234,
        "Senior Member",
    )
    assert (first["floor"], first["thread_id"], first["published_at"].isoformat()) == (1, "777", "2026-03-14T09:15:00+00:00")
    assert first["text"] == "Lumo took 90 minutes again tonight.\nAnyone else?"
    assert second["parent_platform_id"] == "9001" and second["quoted_text"] == "Lumo took 90 minutes again tonight."
    assert second["text"] == "Same here, and the fries were cold."
    assert result.follow == ["https://forum.example.com/showthread.php?t=777&page=2"]


def test_vbulletin5_thread_fixture():
    result = extract_page(
        (FIXTURES / "vbulletin5_thread.html").read_bytes(),
        "https://forum.example.com/forum/food/1234-fastbee-refunds",
        "vb",
        UTC_ZONE,
    )
    first, second = result.posts
    assert result.engine == "vbulletin" and first["thread_title"] == "FastBee refunds"
    assert (first["author_name"], first["author_platform_id"], first["author_posts"], first["floor"]) == ("mei", "9", 245, 1)
    assert first["published_at"].isoformat() == "2026-03-15T08:30:00+00:00"
    assert second["parent_platform_id"] == "5101" and second["quoted_text"].startswith("FastBee refund still pending")
    assert second["text"] == "Mine came back in three days."


def test_tieba_thread_page_fixture():
    result = extract_page((FIXTURES / "tieba_thread.html").read_bytes(), "https://tieba.baidu.com/p/9988776655", "tb", SHANGHAI)
    first, second = result.posts
    assert result.engine == "tieba" and first["thread_title"] == "鲁莫外卖又超时了"
    assert (first["platform_id"], first["floor"], first["author_name"], first["author_platform_id"]) == (
        "140001",
        1,
        "吃货阿强",
        "3001",
    )
    assert (first["author_rank"], first["replies"], first["thread_id"]) == ("外卖达人", 2, "9988776655")
    assert first["published_at"].isoformat() == "2026-11-20T12:30:00+08:00"
    assert first["text"] == "鲁莫外卖今天又超时一个小时，\n饭都凉了。"
    assert second["parent_platform_id"] == "140001" and second["text"] == "我昨天也是，客服打不通"
    assert result.follow == ["https://tieba.baidu.com/p/9988776655?pn=2"]


def test_tieba_board_items_and_thread_first_floors_share_an_id(shared_data):
    board = _posts(shared_data, "zh_forum_tieba_threadlist.html", "https://tieba.baidu.com/f?kw=x")
    assert "https://tieba.baidu.com/p/6855574054" in board.follow  # threads are followed for their floors
    assert board.posts[3]["platform_id"] == "133805098614"  # the thread's first post id, as its first floor's
