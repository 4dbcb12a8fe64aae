"""Stable keys: the same post or author always gets the same key, on any machine."""

from __future__ import annotations

import hashlib

from w3lib.url import canonicalize_url


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def post_key(source_id: str, platform_id: str | None, url: str) -> str:
    """Platform id when the site has one, else the canonical URL (query order, fragments)."""
    return _digest(source_id, "id", platform_id) if platform_id else _digest(source_id, "url", canonicalize_url(url))


def author_key(source_id: str, platform_id: str | None, profile_url: str | None, name: str) -> str:
    if platform_id:
        return _digest(source_id, "uid", platform_id)
    if profile_url:
        return _digest(source_id, "profile", canonicalize_url(profile_url))
    return _digest(source_id, "name", name.strip().casefold())


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
