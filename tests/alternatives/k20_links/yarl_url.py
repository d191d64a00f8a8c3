"""Alternative: yarl (ships with aiohttp) instead of urllib.parse: URL.join resolves,
URL.host is already lowercase, explicit_port tells a written port from a default one. yarl
normalises as it parses (`%41` becomes `A`, `%2F` in a query `/`, `/a/../b` becomes `/b`),
which the README leaves open; an href with a scheme is taken as absolute (`http:x`: no host,
skipped)."""

from yarl import URL

from solutions.k20_links.kata import *  # the given code; canonical and extract_links below


def canonical(url: str) -> str:
    u = URL(url)  # ValueError for a broken URL or a bad port
    if u.scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not u.host or not host_is_valid(u.host):
        raise ValueError(f"no valid host in {url!r}")
    port = u.explicit_port
    netloc = u.host if port in (None, DEFAULT_PORTS[u.scheme]) else f"{u.host}:{port}"
    query = f"?{u.raw_query_string}" if u.raw_query_string else ""
    return f"{u.scheme}://{netloc}{u.raw_path or '/'}{query}"


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    hrefs, base_href = find_hrefs(html)
    base = URL(base_url)
    if base_href:
        try:
            base = base.join(URL(base_href))
        except ValueError:
            pass
    domains = {d.lower() for d in allowed_domains}
    links: list[str] = []
    for href in hrefs:
        try:
            # An href with a scheme is taken as absolute (so `http:x` has no host and is
            # skipped, where urljoin would resolve it as a relative path): both pass.
            link = URL(href)
            url = canonical(str(link if link.scheme else base.join(link)))
        except ValueError:
            continue
        host = URL(url).host
        allowed = any(host == d or host.endswith(f".{d}") for d in domains)
        if allowed and url not in links:
            links.append(url)
    return links
