"""Extraction on real saved pages from ../shared/data/html (facts checked against the HTML)."""

from zoneinfo import ZoneInfo

from crawlers.encoding import decode_html
from crawlers.extract.page import extract_page

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
