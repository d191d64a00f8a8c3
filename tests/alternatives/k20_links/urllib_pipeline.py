"""Alternative: urllib.parse in another style: urldefrag first, SplitResult._replace to
rebuild, a generator pipeline deduped with dict.fromkeys, domains compared label by label."""

from collections.abc import Iterable, Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

from solutions.k20_links.kata import *  # the given code; canonical and extract_links below


def canonical(url: str) -> str:
    parts = urlsplit(urldefrag(url).url)
    scheme = parts.scheme
    if scheme not in DEFAULT_PORTS or not host_is_valid(parts.hostname or ""):
        raise ValueError(f"not a crawlable http(s) URL: {url!r}")
    netloc = parts.hostname
    if parts.port is not None and parts.port != DEFAULT_PORTS[scheme]:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc, path=parts.path or "/").geturl()


def _under(host: str, domain: str) -> bool:
    labels, wanted = host.split("."), domain.lower().split(".")
    return labels[-len(wanted) :] == wanted


def _resolved(hrefs: Iterable[str], base: str) -> Iterator[str]:
    for href in hrefs:
        try:
            yield canonical(urljoin(base, href))
        except ValueError:
            pass


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    hrefs, base_href = find_hrefs(html)
    try:
        base = urljoin(base_url, base_href or "")
    except ValueError:
        base = base_url
    wanted = (
        url
        for url in _resolved(hrefs, base)
        if any(_under(urlsplit(url).hostname, d) for d in allowed_domains)
    )
    return list(dict.fromkeys(wanted))
