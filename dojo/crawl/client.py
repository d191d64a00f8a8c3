"""The base of every actor that fetches: the fake web's mock in its own process (or the real
network), one HTTP session, and `get(url)`."""

from __future__ import annotations

from typing import Any

import aiohttp

from dojo.crawl.fetch import FETCH_TIMEOUT, USER_AGENT, fetch_page
from dojo.crawl.limits import MAX_BODY
from dojo.crawl.result import FetchResult
from dojo.web import start_mock


class WebClient:
    """Base class for an actor that fetches: subclass it, then decorate YOUR class with
    @ray.remote(num_cpus=0) (keep `super().__init__(site, hits, name)` in your __init__).

    It starts the fake web's mock in the actor's own process (a mock started anywhere else
    never reaches it), labelled with `name`: that is the `who` of its requests in the hit log.
    `get(url)` is fetch_page with the actor's one session, and returns only once the hit log
    has this request: the tests read the log after your crawl has killed its actors.
    With `site=None` there is no mock: requests go to the real network (`dojo crawl`).
    `max_bytes` caps the text body one answer may have (`dojo crawl --max-bytes`)."""

    def __init__(self, site: Any, hits: Any, name: str, max_bytes: int = MAX_BODY):
        self.name = name
        self.max_bytes = max_bytes
        self.web = start_mock(site, hits, who=name) if site is not None else None
        self._session: aiohttp.ClientSession | None = None

    async def ready(self) -> str:
        """Answers once the actor is up (its __init__ done): await it before timing work."""
        return self.name

    async def close(self) -> None:
        """Close the HTTP session (optional: a killed actor's session dies with it, but
        aiohttp then logs "Unclosed client session")."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, *, first_bytes: int | None = None) -> FetchResult:
        """fetch_page(url) with this actor's session and body cap; with `first_bytes`, a
        longer text body is cut to that many bytes instead of being too_large (robots.txt)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        if first_bytes is None:
            result = await fetch_page(self._session, url, FETCH_TIMEOUT, self.max_bytes)
        else:
            result = await fetch_page(
                self._session, url, FETCH_TIMEOUT, first_bytes, keep_first=True
            )
        delivered = self.web.recorder.flush() if self.web is not None else None
        if delivered is not None:
            await delivered
        return result
