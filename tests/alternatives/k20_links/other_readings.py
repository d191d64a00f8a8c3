"""Alternative: the solution, taking the other side of every case the README leaves open.
User info is kept (`http://ada@a.test/`), an empty port (`http://a.test:/`) and port 0 are
refused, a trailing dot on the host is dropped (`a.test.` is `a.test`), and the allowed
domains are compared as given (the README says they come in lower case)."""

from types import FunctionType
from urllib.parse import urljoin, urlsplit, urlunsplit  # noqa: F401  (extract_links uses them)

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical and _allowed
from solutions.k20_links.kata import _base  # noqa: F401  (extract_links uses it)


def canonical(url: str) -> str:
    solution.canonical(url)  # whatever the solution refuses is refused here too
    parts = urlsplit(url)
    if parts.netloc.endswith(":") or parts.port == 0:
        raise ValueError(f"no usable port in {url!r}")
    host = parts.hostname.rstrip(".")
    if not host:
        raise ValueError(f"no host in {url!r}")
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    user, at, _ = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, f"{user}{at}{netloc}", parts.path or "/", parts.query, ""))


def _allowed(host: str, allowed_domains: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed_domains)


# The solution's extract_links, rebuilt over this module's names: it calls the two above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
