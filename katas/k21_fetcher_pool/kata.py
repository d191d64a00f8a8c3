"""Kata 21 · Fetcher pool. The instructions are in README.md next to this file."""

import asyncio

import aiohttp
import ray
from yarl import URL

from dojo import todo
from dojo.crawl.result import FetchResult
from dojo.web import Site, start_mock

FETCH_TIMEOUT = 60.0  # seconds one fetch may take (kata 19)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    """GIVEN (kata 19's answer): one GET as a FetchResult, never an exception."""
    try:
        parsed = URL(url)
        valid = parsed.absolute and parsed.scheme in ("http", "https") and bool(parsed.host)
    except ValueError:
        valid = False
    if not valid:
        return FetchResult(url, url, error="bad_url", detail="not an absolute http(s) URL")
    try:
        return await asyncio.wait_for(_get(session, url), timeout)
    except TimeoutError:
        kind, detail = "timeout", f"no answer within {timeout:g} s"
    except aiohttp.TooManyRedirects as error:
        kind, detail = "too_many_redirects", str(error)
    except aiohttp.ClientConnectorError as error:
        kind, detail = "connect", str(error)
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        kind, detail = "reset", str(error)
    except aiohttp.ClientError as error:
        kind, detail = "other", f"{type(error).__name__}: {error}"
    return FetchResult(url, url, error=kind, detail=detail)


async def _get(session: aiohttp.ClientSession, url: str) -> FetchResult:
    async with session.get(url) as response:
        text = response.content_type.startswith("text/")
        retry_after = response.headers.get("Retry-After")
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status,
            content_type=response.content_type,
            body=await response.text() if text else None,
            headers=(("Retry-After", retry_after),) if retry_after is not None else (),
        )


class FetcherBase:
    """GIVEN: what every fetcher of this kata needs, whatever its way of keeping the limit.
    Your Fetcher below inherits it; keep `super().__init__(site, hits, limit)` in its
    __init__."""

    def __init__(self, site: Site, hits, limit: int):
        # The fake web, started here in the actor's own process (a mock started by the driver
        # would not reach it); `hits` is the hit log it reports every request to.
        self.web = start_mock(site, hits)
        self.hits = hits
        self.http: aiohttp.ClientSession | None = None
        self.limit = limit
        # Tell the log this fetcher is up: the tests count the fetchers you made.
        started = getattr(hits, "fetcher_started", None)
        if started is not None:
            started.remote(self.web.who)

    def _session(self) -> aiohttp.ClientSession:
        """This actor's one HTTP session, made on its event loop at first use."""
        if self.http is None:
            self.http = aiohttp.ClientSession()
        return self.http

    async def close(self) -> None:
        """Close the session, hand the last hit events to the log, and tell the log this
        fetcher is closed. Await it before killing the actor: a killed actor's session is
        never closed, and it loses the events it had not sent yet."""
        if self.http is not None:
            await self.http.close()
        sent = self.web.recorder.flush()
        if sent is not None:
            await sent
        closed = getattr(self.hits, "fetcher_closed", None)
        if closed is not None:
            await closed.remote(self.web.who)


@ray.remote(num_cpus=0)
class Fetcher(FetcherBase):
    """One fetching process: at most `limit` requests in flight through it."""

    def __init__(self, site: Site, hits, limit: int):
        super().__init__(site, hits, limit)  # GIVEN: the fake web, the session, the log
        # TODO (if your way needs it): set up what enforces the limit.

    async def fetch(self, url: str) -> FetchResult:
        """Fetch one URL, with at most `limit` fetches in flight on this actor."""
        # TODO: return await fetch_page(self._session(), url, FETCH_TIMEOUT), at most
        # `limit` at a time on this actor.
        todo("fetch_page(self._session(), url, FETCH_TIMEOUT) with at most `limit` in flight")


async def fetch_all(urls: list[str], site: Site, hits, actors: int, limit: int) -> dict:
    """Fetch every URL once with a pool of `actors` Fetchers, `limit` in flight on each;
    return {url: FetchResult}."""
    # TODO: create the pool (Fetcher.remote(site, hits, limit), `actors` times), spread the
    # URLs over it, await everything concurrently, then close and kill the fetchers.
    todo("create `actors` Fetchers, spread the URLs, await all results, close the fetchers")
