"""Render the demo story into static files: four sites a crawler meets in the wild.

* ``reviews/``: product pages with schema.org Product, AggregateRating and Review JSON-LD,
  10 reviews a page, ``?page=N`` pagination;
* ``bbs/``: a Discuz! X3.4-style Chinese forum encoded in GBK (thread lists, threads
  with floors, author sidebars with posts / followers / rank, guest boilerplate);
* ``phpbb/``: a phpBB 3-style English forum;
* ``rss/``: an RSS 2.0 feed of blog posts.

Query strings are part of file names (``page.html?page=2`` -> ``page.html__page=2``)
so the site is plain files the loopback server maps back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date
from email.utils import format_datetime
from html import escape
from pathlib import Path

from crawlers.demo_site.story import BRAND_NAMES, DemoPost, build_story

PER_PAGE = 10
THREADS_PER_PAGE = 20


def query_file(path: str, query: str = "") -> str:
    return f"{path}__{query}" if query else path


def _write(root: Path, rel: str, content: str, encoding: str = "utf-8") -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content.encode(encoding, errors="xmlcharrefreplace"))


def render_site(root: Path, start: date, posts: list[DemoPost] | None = None) -> dict[str, int]:
    """Write every page under ``root``; returns how many posts each site holds."""
    posts = posts if posts is not None else build_story()
    by_site: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        by_site[post.site].append(post)
    _write(root, "robots.txt", "User-agent: *\nDisallow: /bbs/admin.php\nDisallow: /private/\n")
    _write(root, "private/secret.html", "<html><body>not for crawlers</body></html>")
    _write(root, "index.html", _index())
    _render_reviews(root, start, by_site["reviews"])
    _render_discuz(root, start, by_site["discuz"])
    _render_phpbb(root, start, by_site["phpbb"])
    _render_rss(root, start, by_site["rss"])
    return {site: len(items) for site, items in by_site.items()}


def _index() -> str:
    links = ["/reviews/index.html", "/bbs/forum-2-1.html", "/phpbb/viewforum.php?f=1", "/rss/feed.xml"]
    return "<html><body><h1>koubei demo</h1>" + "".join(f'<p><a href="{u}">{u}</a></p>' for u in links) + "</body></html>"


# ---------------------------------------------------------------- reviews (JSON-LD)
PRODUCTS = {"lumo": "鲁莫外卖 App", "qingshan": "青山茶饮 门店", "fastbee": "快蜂外卖 App"}


def _render_reviews(root: Path, start: date, posts: list[DemoPost]) -> None:
    _write(
        root,
        "reviews/index.html",
        "<html><body><h1>点评</h1>"
        + "".join(f'<a class="product" href="/reviews/{b}.html">{escape(n)}</a>' for b, n in PRODUCTS.items())
        + "</body></html>",
    )
    for brand, product in PRODUCTS.items():
        reviews = sorted((p for p in posts if p.brand == brand), key=lambda p: (p.day, p.hour, p.minute), reverse=True)
        ratings = [p.rating for p in reviews if p.rating]
        pages = max(1, -(-len(reviews) // PER_PAGE))
        for page in range(1, pages + 1):
            chunk = reviews[(page - 1) * PER_PAGE : page * PER_PAGE]
            data = {
                "@context": "https://schema.org",
                "@type": "Product",
                "name": product,
                "brand": {"@type": "Brand", "name": BRAND_NAMES[brand]["zh"]},
                "aggregateRating": {
                    "@type": "AggregateRating",
                    "ratingValue": round(sum(ratings) / len(ratings), 2) if ratings else None,
                    "reviewCount": len(ratings),
                    "bestRating": 5,
                },
                "review": [_review_ld(p, start, brand) for p in chunk],
            }
            nav = f'<a rel="next" href="/reviews/{brand}.html?page={page + 1}">下一页</a>' if page < pages else ""
            html = (
                f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(product)} 点评</title>'
                f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script></head>'
                f'<body><h1>{escape(product)}</h1><div class="pager">{nav}</div></body></html>'
            )
            _write(root, query_file(f"reviews/{brand}.html", f"page={page}" if page > 1 else ""), html)


def _review_ld(post: DemoPost, start: date, brand: str) -> dict:
    rid = f"{brand}-{post.day:02d}{post.hour:02d}{post.minute:02d}-{post.author.uid}"
    return {
        "@type": "Review",
        "@id": f"/reviews/{brand}.html#{rid}",
        "author": {"@type": "Person", "name": post.author.name, "url": f"/reviews/user/{post.author.uid}"},
        "datePublished": post.published(start).isoformat(),
        "reviewBody": post.text,
        "reviewRating": {"@type": "Rating", "ratingValue": post.rating, "bestRating": 5, "worstRating": 1},
    }


# ---------------------------------------------------------------- Discuz! (GBK)
def _threads(posts: list[DemoPost]) -> list[list[DemoPost]]:
    """Burst origins and copies open threads; other posts join a weekly thread per brand."""
    threads: list[list[DemoPost]] = []
    weekly: dict[tuple[str, int], list[DemoPost]] = {}
    origin_thread: list[DemoPost] | None = None
    for post in posts:
        if "origin" in post.tags or "copy" in post.tags:
            threads.append([post])
            if "origin" in post.tags:
                origin_thread = threads[-1]
        elif "burst" in post.tags and origin_thread is not None:
            origin_thread.append(post)
        else:
            key = (post.brand, post.day // 7)
            if key not in weekly:
                weekly[key] = []
                threads.append(weekly[key])
            weekly[key].append(post)
    return threads


def _discuz_title(thread: list[DemoPost]) -> str:
    first = thread[0]
    name = BRAND_NAMES[first.brand]["zh"]
    if "origin" in first.tags:
        return f"【曝光】{name}外卖配送严重延迟，还泄露用户手机号？"
    if "copy" in first.tags:
        return f"{name}泄露用户信息，大家小心！"
    return f"{name}使用体验交流（第{first.day // 7 + 1}周）"


DISCUZ_HEAD = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk" />'
    "<title>{title} - 生活消费 - 口碑社区 - Powered by Discuz!</title>"
    '<meta name="generator" content="Discuz! X3.4" /></head><body id="nv_forum">'
    '<div id="toptb">登录 | 立即注册</div>'
)
DISCUZ_GUEST = '<div class="showhide">马上注册，结交更多好友，享用更多功能，让你轻松玩转社区。<a href="member.php?mod=register">立即注册</a></div>'


def _render_discuz(root: Path, start: date, posts: list[DemoPost]) -> None:
    threads = _threads(posts)
    listing = []
    pid = 1000
    for n, thread in enumerate(threads):
        tid = 100 + n
        title = _discuz_title(thread)
        pages = max(1, -(-len(thread) // PER_PAGE))
        listing.append((tid, title, thread, len(thread) - 1))
        for page in range(1, pages + 1):
            body = []
            for floor, post in enumerate(thread[(page - 1) * PER_PAGE : page * PER_PAGE], start=(page - 1) * PER_PAGE + 1):
                body.append(_discuz_post(post, pid, floor, start))
                pid += 1
            nav = f'<div class="pg"><a href="thread-{tid}-{page + 1}-1.html" class="nxt">下一页</a></div>' if page < pages else ""
            html = (
                DISCUZ_HEAD.format(title=escape(title))
                + f'<div id="pt"><a href="forum-2-1.html">生活消费</a></div><h1 class="ts"><span id="thread_subject">{escape(title)}</span></h1>'
                + DISCUZ_GUEST
                + f'<div id="postlist" class="pl bm">{"".join(body)}</div>{nav}'
                + '<div id="f_pst">本版积分规则</div></body></html>'
            )
            _write(root, f"bbs/thread-{tid}-{page}-1.html", html, "gbk")
    listing.sort(key=lambda t: max(p.day * 10000 + p.hour * 100 + p.minute for p in t[2]), reverse=True)
    pages = max(1, -(-len(listing) // THREADS_PER_PAGE))
    for page in range(1, pages + 1):
        rows = "".join(
            f'<tbody id="normalthread_{tid}"><tr><th class="common"><a href="thread-{tid}-1-1.html" class="s xst">{escape(title)}</a></th>'
            f'<td class="num"><a href="thread-{tid}-1-1.html" class="xi2">{replies}</a><em>{replies * 37 + 12}</em></td></tr></tbody>'
            for tid, title, _, replies in listing[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]
        )
        nav = f'<div class="pg"><a href="forum-2-{page + 1}.html" class="nxt">下一页</a></div>' if page < pages else ""
        html = DISCUZ_HEAD.format(title="生活消费") + f'<table id="threadlisttableid">{rows}</table>{nav}</body></html>'
        _write(root, f"bbs/forum-2-{page}.html", html, "gbk")


def _discuz_post(post: DemoPost, pid: int, floor: int, start: date) -> str:
    a = post.author
    when = post.published(start).strftime("%Y-%m-%d %H:%M")
    text = escape(post.text)
    if "origin" in post.tags:
        text = f'<i class="pstatus"> 本帖最后由 {escape(a.name)} 于 {when} 编辑 </i><br />' + text
    quote = ""
    if floor > 1 and post.day % 5 == 0:
        quote = '<div class="quote"><blockquote>引用 1# 楼主的帖子</blockquote></div>'
    floor_label = "楼主" if floor == 1 else f"<em>{floor}</em><sup>#</sup>"
    return (
        f'<div id="post_{pid}"><table id="pid{pid}" class="plhin"><tr>'
        f'<td class="pls"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={a.uid}" class="xw1">{escape(a.name)}</a></div></div>'
        f'<div class="tns"><table><tr><th><p>{a.posts}</p>帖子</th><th><p>{a.followers}</p>粉丝</th></tr></table></div>'
        f'<p><em><a href="home.php?mod=spacecp&amp;ac=usergroup">{escape(a.rank)}</a></em></p></td>'
        f'<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;pid={pid}" id="postnum{pid}">{floor_label}</a></strong>'
        f'<div class="authi"><em id="authorposton{pid}">发表于 {when}</em></div></div>'
        f'<div class="pct"><div class="t_fsz"><table><tr><td class="t_f" id="postmessage_{pid}">{quote}{text}</td></tr></table></div></div>'
        f'<div class="po">回复 举报 使用道具 支持({post.likes})</div></td></tr></table></div>'
    )


# ---------------------------------------------------------------- phpBB
def _render_phpbb(root: Path, start: date, posts: list[DemoPost]) -> None:
    threads: dict[tuple[str, int], list[DemoPost]] = defaultdict(list)
    for post in posts:
        threads[(post.brand, post.day // 5)].append(post)
    topics = []
    pid = 5000
    for n, ((brand, week), items) in enumerate(sorted(threads.items(), key=lambda kv: kv[1][0].day)):
        tid = 10 + n
        title = f"{BRAND_NAMES[brand]['en']} experiences, part {week + 1}"
        topics.append((tid, title, len(items)))
        pages = max(1, -(-len(items) // PER_PAGE))
        first_pid = pid
        for page in range(pages):
            body = []
            for post in items[page * PER_PAGE : (page + 1) * PER_PAGE]:
                body.append(_phpbb_post(post, pid, title, start, first_pid))
                pid += 1
            nav = (
                f'<li class="arrow next"><a class="button" rel="next" href="./viewtopic.php?t={tid}&amp;start={(page + 1) * PER_PAGE}">Next</a></li>'
                if page + 1 < pages
                else ""
            )
            html = (
                '<!DOCTYPE html><html dir="ltr" lang="en-gb"><head><meta charset="utf-8" /><title>'
                f'{escape(title)} - Lumo &amp; friends users forum</title></head><body id="phpbb" class="section-viewtopic">'
                f'<h2 class="topic-title"><a href="./viewtopic.php?t={tid}">{escape(title)}</a></h2>{"".join(body)}'
                f'<div class="pagination"><ul>{nav}</ul></div><p class="copyright">Powered by phpBB&reg; Forum Software</p></body></html>'
            )
            _write(root, query_file("phpbb/viewtopic.php", f"t={tid}" + (f"&start={page * PER_PAGE}" if page else "")), html)
    rows = "".join(
        f'<li class="row"><dl class="row-item topic_read"><dt><div class="list-inner"><a href="./viewtopic.php?t={tid}" class="topictitle">{escape(title)}</a></div></dt>'
        f'<dd class="posts">{count - 1}</dd><dd class="views">{count * 41}</dd></dl></li>'
        for tid, title, count in reversed(topics)
    )
    html = (
        '<!DOCTYPE html><html lang="en-gb"><head><meta charset="utf-8" /><title>Delivery apps - forum</title></head>'
        f'<body class="section-viewforum"><ul class="topiclist topics">{rows}</ul></body></html>'
    )
    _write(root, query_file("phpbb/viewforum.php", "f=1"), html)


def _phpbb_post(post: DemoPost, pid: int, title: str, start: date, first_pid: int) -> str:
    a = post.author
    iso = post.published(start).astimezone(UTC).isoformat()
    shown = post.published(start).astimezone(UTC).strftime("%a %b %d, %Y %I:%M %p")
    return (
        f'<div id="p{pid}" class="post has-profile bg2"><div class="inner">'
        f'<dl class="postprofile" id="profile{pid}"><dt><a href="./memberlist.php?mode=viewprofile&amp;u={a.uid}" class="username">{escape(a.name)}</a></dt>'
        f'<dd class="profile-rank">{escape(a.rank)}</dd><dd class="profile-posts"><strong>Posts:</strong> {a.posts}</dd>'
        f'<dd class="profile-followers"><strong>Followers:</strong> {a.followers}</dd></dl>'
        f'<div class="postbody"><h3><a href="#p{pid}">{"" if pid == first_pid else "Re: "}{escape(title)}</a></h3>'
        f'<p class="author"><a href="./viewtopic.php?p={pid}#p{pid}">Post</a> by <strong>{escape(a.name)}</strong> &raquo; <time datetime="{iso}">{shown}</time></p>'
        f'<div class="content">{escape(post.text)}</div>'
        f'<div class="likes">Likes: {post.likes}</div></div></div></div>'
    )


# ---------------------------------------------------------------- RSS
def _render_rss(root: Path, start: date, posts: list[DemoPost]) -> None:
    items = []
    for n, post in enumerate(sorted(posts, key=lambda p: (p.day, p.hour, p.minute), reverse=True)):
        link = f"/rss/posts/{n + 1}.html"
        pub = format_datetime(post.published(start))
        items.append(
            f'<item><title>{escape(post.text[:40])}</title><link>{link}</link><guid isPermaLink="false">demo-rss-{n + 1}</guid>'
            f"<pubDate>{pub}</pubDate><dc:creator>{escape(post.author.name)}</dc:creator><description>{escape(post.text)}</description></item>"
        )
        _write(root, f"rss/posts/{n + 1}.html", f"<html><body><article><p>{escape(post.text)}</p></article></body></html>")
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>Delivery watch blog</title><link>/rss/</link><description>Posts about delivery apps</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    _write(root, "rss/feed.xml", feed)
