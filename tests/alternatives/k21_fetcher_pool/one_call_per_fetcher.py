"""Alternative: one Ray call per fetcher: each gets its share of the URLs (every N-th) in a
`fetch_many` call and fans out inside the actor, where a Semaphore(limit) holds the line."""

import asyncio

import aiohttp
import ray
from yarl import URL

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


@ray.remote(num_cpus=0)
class Fetcher:
    def __init__(self, site: Site, hits, limit: int):
        self.web = start_mock(site, hits)
        self.http: aiohttp.ClientSession | None = None
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    def _session(self) -> aiohttp.ClientSession:
        if self.http is None:
            self.http = aiohttp.ClientSession()
        return self.http

    async def fetch(self, url: str) -> FetchResult:
        async with self._slots:
            return await fetch_page(self._session(), url, FETCH_TIMEOUT)

    async def fetch_many(self, urls: list[str]) -> list[FetchResult]:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.fetch(url)) for url in urls]
        return [task.result() for task in tasks]

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        sent = self.web.recorder.flush()
        if sent is not None:
            await sent


async def fetch_all(urls: list[str], site: Site, hits, actors: int, limit: int) -> dict:
    pool = [Fetcher.remote(site, hits, limit) for _ in range(actors)]
    try:
        shares = [urls[i::actors] for i in range(actors)]
        answers = await asyncio.gather(
            *(fetcher.fetch_many.remote(share) for fetcher, share in zip(pool, shares, strict=True))
        )
        return {
            url: result
            for share, results in zip(shares, answers, strict=True)
            for url, result in zip(share, results, strict=True)
        }
    finally:
        await asyncio.gather(*(f.close.remote() for f in pool), return_exceptions=True)
        for fetcher in pool:
            ray.kill(fetcher)
