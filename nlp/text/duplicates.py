"""Near-duplicate clusters (MinHash LSH over character shingles) and coordinated posting.

A cluster is a group of near-identical posts inside a time window. It is flagged as
likely coordinated (astroturfing, 水军) when several distinct accounts posted it and
most of them are new (first seen recently): organic reposts rarely look like that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from datasketch import MinHash, MinHashLSH

from nlp.text.matching import canonical


@dataclass(frozen=True)
class PostRef:
    key: str
    author: str
    published: datetime
    text: str
    author_first_seen: datetime | None = None
    author_posts: int | None = None  # the site's own post count for the account, when shown

    def is_new_account(self, as_of: datetime, newer_than: timedelta, max_posts: int = 10) -> bool:
        """Few posts on the site when it says so; else first seen recently by us."""
        if self.author_posts is not None:
            return self.author_posts <= max_posts
        return self.author_first_seen is not None and as_of - self.author_first_seen <= newer_than


@dataclass
class Cluster:
    members: list[PostRef] = field(default_factory=list)

    @property
    def authors(self) -> set[str]:
        return {m.author for m in self.members}

    def new_author_share(self, newer_than: timedelta) -> float:
        newest = max(m.published for m in self.members)
        new = {m.author for m in self.members if m.is_new_account(newest, newer_than)}
        return len(new) / len(self.authors)


def _shingles(text: str, size: int = 3) -> set[str]:
    form = "".join(canonical(text).split())
    return {form[i : i + size] for i in range(max(1, len(form) - size + 1))}


def _minhash(text: str, perms: int) -> MinHash:
    sketch = MinHash(num_perm=perms, seed=7)
    for shingle in _shingles(text):
        sketch.update(shingle.encode("utf-8"))
    return sketch


def near_duplicate_clusters(
    posts: Sequence[PostRef], threshold: float = 0.6, window: timedelta = timedelta(hours=48), perms: int = 64
) -> list[Cluster]:
    """Clusters of at least two posts whose estimated Jaccard similarity >= threshold within ``window``."""
    lsh = MinHashLSH(threshold=threshold, num_perm=perms)
    sketches = {}
    for i, post in enumerate(posts):
        if len(post.text) < 12:  # very short posts are alike by chance
            continue
        sketches[i] = _minhash(post.text, perms)
        lsh.insert(str(i), sketches[i])
    parent = list(range(len(posts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Each pair once (a post leaves the index once it has been compared), and no similarity for
    # two posts already in one cluster: a flood of near-copies is exactly what this looks for,
    # and comparing every pair of 3,000 copies took 17 s.
    for i, sketch in sketches.items():
        lsh.remove(str(i))
        for j in map(int, lsh.query(sketch)):
            if (
                find(i) != find(j)
                and abs(posts[i].published - posts[j].published) <= window
                and sketch.jaccard(sketches[j]) >= threshold
            ):
                parent[find(i)] = find(j)
    groups: dict[int, Cluster] = {}
    for i in sketches:
        groups.setdefault(find(i), Cluster()).members.append(posts[i])
    return [c for c in groups.values() if len(c.members) >= 2]


def coordinated_clusters(
    posts: Sequence[PostRef], min_authors: int = 4, new_within: timedelta = timedelta(days=7), min_new_share: float = 0.5
) -> list[Cluster]:
    return [
        c
        for c in near_duplicate_clusters(posts)
        if len(c.authors) >= min_authors and c.new_author_share(new_within) >= min_new_share
    ]
