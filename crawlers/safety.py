"""Refuse requests to loopback, private, link-local, reserved or metadata addresses.

Checked on every request the downloader sees, so also after each redirect; the host
is resolved first, so a public name pointing at a private address is refused too.
Sources that must reach such addresses (the demo, tests, an intranet forum) opt in with
``allow_private_network``, and the opt-in covers only the hosts of their start URLs: a
redirect from there to another private host (a metadata service, a router) is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest


class UnsafeAddress(IgnoreRequest):
    pass


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return []
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def is_forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def check_url(url: str, private_hosts_allowed: frozenset[str] = frozenset()) -> None:
    host = urlsplit(url).hostname or ""
    if host in private_hosts_allowed:
        return
    for address in _addresses(host):
        if is_forbidden(address):
            raise UnsafeAddress(f"refused {url}: {host} resolves to non-public address {address}")


class SafeAddressMiddleware:
    """Downloader middleware; the spider's ``allow_private_network`` opts its own ``hosts`` in."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = spider or self.crawler.spider
        allowed = frozenset(getattr(spider, "hosts", ())) if getattr(spider, "allow_private_network", False) else frozenset()
        check_url(request.url, allowed)
        return None
