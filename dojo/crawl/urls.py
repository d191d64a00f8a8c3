"""URLs as the crawler sees them: their canonical spelling (kata 20), their origin (what
politeness and robots.txt are per: katas 23 and 25), and the allowed domains.

`canonical` is the fake web's (dojo.web): kata 20's rules (lower-case scheme and host, no
default port, no fragment, "/" for an empty path), plus query parameters sorted, which is how
the fake web and its hit log compare URLs. It raises ValueError for what is not http(s)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from dojo.web import canonical

__all__ = ["DEFAULT_PORTS", "MAX_URL_LENGTH", "canonical", "on_allowed_domain", "origin_of"]

MAX_URL_LENGTH = 2048  # longer links are skipped: servers refuse them, reports choke on them

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """scheme://host[:port]: what robots.txt and politeness are per."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def on_allowed_domain(url: str, allowed_domains: Iterable[str]) -> bool:
    """True when url's host is one of the domains or a subdomain of one (whole labels)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in allowed_domains))
