"""A fake web site as plain data: URL -> what the server answers, hit after hit.

Plain data because it must travel: a Site is pickled into every Ray actor that fetches (the
mock is started there, see mock.py), written to JSON for benchmarks, and served for real by
serve.py. Nothing here does IO.

Rules every server of a Site follows (mock.py and serve.py both use `Site.get`):

* URLs are compared in canonical form (`canonical`): lower-case host, no default port, no
  fragment, "/" for an empty path, query parameters sorted (aioresponses sorts them too).
* A Resource is a sequence of responses: the n-th hit on it (counting from 0) gets
  `responses[min(n, len - 1)]`, so `(503, 200)` fails once and then works for ever.
* An unknown URL on a known origin (scheme, host, port) is a 404; an unknown origin cannot be
  connected to (`error="connect"`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from yarl import URL

ErrorKind = Literal["connect", "timeout", "reset"]
ERROR_KINDS: tuple[str, ...] = ("connect", "timeout", "reset")

# What a "timeout" response waits before the server gives up, when it has no latency of its
# own: far longer than any fetcher timeout in the katas, short enough not to leak for ever.
DEFAULT_HANG = 60.0

# Text types get an explicit charset so clients decode bodies the same way in both modes.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


def canonical(url: str | URL) -> str:
    """The one spelling of a URL used as a key everywhere (site, hit log, facts)."""
    u = url if isinstance(url, URL) else URL(str(url))
    if not u.is_absolute() or u.scheme not in ("http", "https"):
        raise ValueError(f"not an absolute http(s) URL: {url!s}")
    query = (
        "&".join(f"{k}={v}" for k, v in sorted(_raw_query_pairs(u))) if u.raw_query_string else ""
    )
    return str(
        URL.build(
            scheme=u.scheme,
            host=u.raw_host or "",
            port=None if u.is_default_port() else u.explicit_port,
            path=u.raw_path or "/",
            query_string=query,
            encoded=True,
        )
    )


def _raw_query_pairs(u: URL) -> list[tuple[str, str]]:
    # Sort the still-encoded pairs: decoding and re-encoding could change what the site means.
    pairs = []
    for part in u.raw_query_string.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((key, value))
    return pairs


def origin(url: str | URL) -> str:
    """scheme://host[:port] of a URL: what robots.txt, politeness and "known host" are per."""
    u = URL(canonical(url))
    return str(u.origin())


def host_of(url: str | URL) -> str:
    """host[:port] (port only when not the default), the label the hit log uses."""
    u = URL(canonical(url))
    return u.raw_host if u.is_default_port() else f"{u.raw_host}:{u.port}"


@dataclass(frozen=True)
class Response:
    """One answer. `latency` is how long the server takes before answering (or, for
    error="timeout", how long it stays silent; 0 means DEFAULT_HANG)."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "text/html"
    body: str | bytes = ""
    latency: float = 0.0
    error: ErrorKind | None = None

    def __post_init__(self) -> None:
        if self.error is not None and self.error not in ERROR_KINDS:
            raise ValueError(f"error must be one of {ERROR_KINDS} or None, not {self.error!r}")
        if self.latency < 0:
            raise ValueError("latency must be >= 0")

    @property
    def content_type_header(self) -> str:
        if isinstance(self.body, str) and self.content_type.startswith(_TEXT_TYPES):
            return f"{self.content_type}; charset=utf-8"
        return self.content_type

    @property
    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body

    @property
    def wait(self) -> float:
        """Seconds the server waits before answering (or failing)."""
        if self.error == "timeout" and self.latency == 0:
            return DEFAULT_HANG
        return self.latency

    def to_dict(self) -> dict:
        d: dict = {"status": self.status}
        if self.headers:
            d["headers"] = dict(self.headers)
        d["content_type"] = self.content_type
        if isinstance(self.body, bytes):
            d["body_b64"] = base64.b64encode(self.body).decode()
        else:
            d["body"] = self.body
        if self.latency:
            d["latency"] = self.latency
        if self.error:
            d["error"] = self.error
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Response:
        body = base64.b64decode(d["body_b64"]) if "body_b64" in d else d.get("body", "")
        return cls(
            status=d.get("status", 200),
            headers=dict(d.get("headers", {})),
            content_type=d.get("content_type", "text/html"),
            body=body,
            latency=d.get("latency", 0.0),
            error=d.get("error"),
        )


NOT_FOUND = Response(status=404, content_type="text/plain", body="not found")
REFUSED = Response(status=0, content_type="text/plain", error="connect")


@dataclass(frozen=True)
class Resource:
    url: str
    responses: tuple[Response, ...]

    def __post_init__(self) -> None:
        if not self.responses:
            raise ValueError(f"{self.url}: a resource needs at least one response")
        object.__setattr__(self, "url", canonical(self.url))
        object.__setattr__(self, "responses", tuple(self.responses))

    def response(self, n: int) -> Response:
        """What the n-th hit (from 0) on this resource gets."""
        return self.responses[min(n, len(self.responses) - 1)]

    @property
    def sequenced(self) -> bool:
        """True when the answer depends on how often it was asked (so servers must count)."""
        return len(self.responses) > 1


@dataclass(frozen=True, eq=True)
class Site:
    resources: Mapping[str, Resource] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_key = {}
        for resource in self.resources.values():
            by_key[resource.url] = resource
        object.__setattr__(self, "resources", by_key)
        object.__setattr__(self, "_origins", frozenset(origin(u) for u in by_key))

    # --- building ---------------------------------------------------------------------

    @classmethod
    def of(cls, resources: Iterable[Resource]) -> Site:
        return cls({r.url: r for r in resources})

    def merged(self, *resources: Resource) -> Site:
        """A new Site with these resources added (replacing any with the same URL)."""
        return Site.of([*self.resources.values(), *resources])

    # --- answering --------------------------------------------------------------------

    @property
    def origins(self) -> frozenset[str]:
        return self._origins  # type: ignore[attr-defined]

    @property
    def hosts(self) -> list[str]:
        return sorted({host_of(o) for o in self.origins})

    def knows_origin(self, url: str | URL) -> bool:
        return origin(url) in self.origins

    def lookup(self, url: str | URL) -> Resource | None:
        return self.resources.get(canonical(url))

    def get(self, url: str | URL, n: int = 0) -> Response:
        """What a server answers to the n-th hit (from 0) on `url`."""
        resource = self.lookup(url)
        if resource is not None:
            return resource.response(n)
        return NOT_FOUND if self.knows_origin(url) else REFUSED

    def is_sequenced(self, url: str | URL) -> bool:
        resource = self.lookup(url)
        return resource is not None and resource.sequenced

    def __len__(self) -> int:
        return len(self.resources)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, (str, URL)) and self.lookup(url) is not None

    # --- (de)serialising --------------------------------------------------------------

    def to_json(self, indent: int | None = None) -> str:
        data = {
            "resources": [
                {"url": r.url, "responses": [resp.to_dict() for resp in r.responses]}
                for r in self.resources.values()
            ]
        }
        return json.dumps(data, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Site:
        data = json.loads(text)
        return cls.of(
            Resource(r["url"], tuple(Response.from_dict(x) for x in r["responses"]))
            for r in data["resources"]
        )

    def __getstate__(self) -> dict:
        return {"resources": self.resources}

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "resources", state["resources"])
        self.__post_init__()


# --- hand-made building blocks for tests ----------------------------------------------------


def page(body: str = "", **kwargs) -> Response:
    """A 200 text/html response."""
    return Response(body=body, **kwargs)


def redirect(url: str, to: str, status: int = 301, latency: float = 0.0) -> Resource:
    """`url` answers `status` with Location `to` (relative or absolute, kept as written)."""
    return Resource(url, (Response(status=status, headers={"Location": to}, latency=latency),))


def redirect_loop(*urls: str, status: int = 302, latency: float = 0.0) -> list[Resource]:
    """urls[0] -> urls[1] -> ... -> urls[0]: a client that follows blindly never ends."""
    if not urls:
        raise ValueError("a loop needs at least one URL")
    return [
        redirect(u, urls[(i + 1) % len(urls)], status=status, latency=latency)
        for i, u in enumerate(urls)
    ]


def flaky(url: str, *failures: Response | int, then: Response | str = "") -> Resource:
    """`url` answers each failure once, in order, then `then` for ever.
    `flaky(u, 503, 503, then="<p>ok")` fails twice; a failure may be a status or a Response."""
    first = tuple(f if isinstance(f, Response) else Response(status=f, body="") for f in failures)
    last = then if isinstance(then, Response) else page(then)
    return Resource(url, (*first, last))


def retry_after(
    url: str, after: str | float, status: int = 429, then: Response | str = ""
) -> Resource:
    """Fails once with `status` and a Retry-After header (seconds, or an HTTP-date string:
    use `email.utils.format_datetime(dt, usegmt=True)`), then answers `then`."""
    value = after if isinstance(after, str) else f"{after:g}"
    failure = Response(status=status, headers={"Retry-After": value}, body="")
    return flaky(url, failure, then=then)


def site_from_pages(
    pages: Mapping[str, str | Response | Sequence[Response]],
    *extra: Resource | Iterable[Resource],
    latency: float = 0.0,
) -> Site:
    """A Site from `{url: body | Response | [Response, ...]}` plus extra Resources.
    Plain string bodies become 200 text/html pages answering after `latency` seconds."""
    resources = []
    for url, value in pages.items():
        if isinstance(value, str):
            responses: tuple[Response, ...] = (page(value, latency=latency),)
        elif isinstance(value, Response):
            responses = (value,)
        else:
            responses = tuple(value)
        resources.append(Resource(url, responses))
    for item in extra:
        resources.extend([item] if isinstance(item, Resource) else item)
    return Site.of(resources)
