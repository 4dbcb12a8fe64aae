from datetime import UTC, datetime, timedelta

from nlp.text.duplicates import PostRef, coordinated_clusters, near_duplicate_clusters

T0 = datetime(2026, 11, 12, 9, tzinfo=UTC)
ORIGINAL = "鲁莫外卖最近配送严重延迟，我的订单等了三个多小时才到，怀疑鲁莫泄露了用户手机号！已经投诉到12315"


def _copies(n, first_seen):
    return [
        PostRef(
            f"c{i}", f"new{i}", T0 + timedelta(hours=1 + i), ORIGINAL.replace("最近", "这几天" if i % 2 else "近期"), first_seen
        )
        for i in range(n)
    ]


def test_near_copies_from_new_accounts_are_coordinated():
    posts = [
        PostRef("o", "laowang", T0, ORIGINAL, T0 - timedelta(days=900)),
        *_copies(5, T0),
        PostRef("x", "someone", T0, "青山茶饮的新品很好喝，推荐大家试试，回购了三次", T0 - timedelta(days=100)),
    ]
    clusters = coordinated_clusters(posts)
    assert len(clusters) == 1
    assert {m.key for m in clusters[0].members} == {"o", "c0", "c1", "c2", "c3", "c4"}


def test_old_accounts_reposting_is_not_coordinated_and_time_window_applies():
    old = _copies(4, T0 - timedelta(days=400))
    assert near_duplicate_clusters(old) and not coordinated_clusters(old)
    spread = [PostRef(f"s{i}", f"a{i}", T0 + timedelta(days=5 * i), ORIGINAL, T0) for i in range(4)]
    assert near_duplicate_clusters(spread) == []


def test_site_post_counts_decide_who_is_new():
    veterans = [PostRef(f"v{i}", f"vet{i}", T0 + timedelta(hours=i), ORIGINAL, T0, author_posts=300 + i) for i in range(4)]
    shills = [
        PostRef(f"s{i}", f"shill{i}", T0 + timedelta(hours=i), ORIGINAL, T0 - timedelta(days=300), author_posts=1)
        for i in range(4)
    ]
    assert not coordinated_clusters(veterans)
    assert len(coordinated_clusters(shills)) == 1


def test_traditional_copies_cluster_with_simplified():
    import opencc

    hant = opencc.OpenCC("s2twp").convert(ORIGINAL)
    clusters = near_duplicate_clusters([PostRef("a", "x", T0, ORIGINAL), PostRef("b", "y", T0, hant)])
    assert len(clusters) == 1


def test_a_flood_of_near_copies_is_one_coordinated_cluster():
    """3,000 near-copies in two days: a bot flood, exactly what this looks for (each pair is
    compared once, never within one cluster; bench/hostile_text.py times it)."""
    flood = [PostRef(f"f{i}", f"bot{i}", T0 + timedelta(seconds=50 * i), f"{ORIGINAL}{i % 7}", T0) for i in range(3000)]
    assert [len(c.members) for c in coordinated_clusters(flood)] == [3000]
