"""Mutant: the time limit via asyncio.wait(..., timeout=...), which returns when time is up but
does not cancel the request: the record says "timeout" while the request goes on."""

import asyncio

import aiohttp
from yarl import URL

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_a_slow_page_times_out"

KEEP_HEADERS = ("retry-after",)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:
    if not _is_web_url(url):
        return FetchResult(url=url, final_url=url, error="bad_url")
    try:
        request = asyncio.ensure_future(_get(session, url))
        done, _ = await asyncio.wait({request}, timeout=timeout)
        if not done:
            return FetchResult(url=url, final_url=url, error="timeout")
        return request.result()
    except TimeoutError:
        return FetchResult(url=url, final_url=url, error="timeout")
    except aiohttp.TooManyRedirects as error:
        return FetchResult(url=url, final_url=url, error="too_many_redirects", detail=str(error))
    except aiohttp.ClientConnectorError as error:
        return FetchResult(url=url, final_url=url, error="connect", detail=str(error))
    except aiohttp.ClientPayloadError as error:
        return FetchResult(url=url, final_url=url, error="reset", detail=str(error))
    except aiohttp.ClientError as error:
        return FetchResult(url=url, final_url=url, error="other", detail=str(error))


async def _get(session, url):
    async with session.get(url) as response:
        body = None
        if response.content_type.startswith("text/"):
            body = await response.text()
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status,
            content_type=response.content_type,
            body=body,
            headers=tuple((k, v) for k, v in response.headers.items() if k.lower() in KEEP_HEADERS),
        )


def _is_web_url(url):
    try:
        parsed = URL(url)
        return parsed.absolute and parsed.scheme in ("http", "https") and bool(parsed.host)
    except ValueError:
        return False
