"""Alternative: redirects followed by hand (allow_redirects=False), at most MAX_HOPS, the way a
crawler that wants to see (and dedupe) every hop does; a loop ends as too_many_redirects
without aiohttp's help. One deadline covers every hop."""

import asyncio

import aiohttp
from yarl import URL

from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page (below)

MAX_HOPS = 10
REDIRECTS = (301, 302, 303, 307, 308)


class _TooManyHops(Exception):
    pass


def _web_url(url: str) -> URL | None:
    try:
        parsed = URL(url)
        if parsed.absolute and parsed.scheme in ("http", "https") and parsed.host:
            return parsed
    except ValueError:
        pass
    return None


async def _follow(session: aiohttp.ClientSession, url: str, start: URL) -> FetchResult:
    current = start
    for _hop in range(MAX_HOPS + 1):
        async with session.get(current, allow_redirects=False) as response:
            location = response.headers.get("Location")
            if response.status in REDIRECTS and location:
                current = current.join(URL(location))
                continue
            body = None
            if response.content_type.startswith("text/"):
                body = await response.text()
            retry_after = response.headers.get("Retry-After")
            return FetchResult(
                url=url,
                final_url=str(current),
                status=response.status,
                content_type=response.content_type,
                body=body,
                headers=(("Retry-After", retry_after),) if retry_after is not None else (),
            )
    raise _TooManyHops(f"more than {MAX_HOPS} redirects")


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    start = _web_url(url)
    if start is None:
        return FetchResult(url, url, error="bad_url", detail="not an absolute http(s) URL")
    try:
        return await asyncio.wait_for(_follow(session, url, start), timeout)
    except TimeoutError:
        kind, detail = "timeout", f"no answer within {timeout:g} s"
    except _TooManyHops as error:
        kind, detail = "too_many_redirects", str(error)
    except aiohttp.ClientConnectorError as error:
        kind, detail = "connect", str(error)
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        kind, detail = "reset", str(error)
    except aiohttp.ClientError as error:
        kind, detail = "other", str(error)
    return FetchResult(url, url, error=kind, detail=detail)
