"""Mutant: `raise_for_status=True`: every 4xx/5xx answer becomes an exception that escapes
fetch_page, so one missing page would stop a crawl of thousands."""

import asyncio

import aiohttp
from yarl import URL

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_a_404_is_a_record_not_an_exception"

KEEP_HEADERS = ("retry-after",)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:
    if not _is_web_url(url):
        return FetchResult(url=url, final_url=url, error="bad_url")
    try:
        return await asyncio.wait_for(_get(session, url), timeout)
    except TimeoutError:
        return FetchResult(url=url, final_url=url, error="timeout")
    except aiohttp.TooManyRedirects as error:
        return FetchResult(url=url, final_url=url, error="too_many_redirects", detail=str(error))
    except aiohttp.ClientConnectorError as error:
        return FetchResult(url=url, final_url=url, error="connect", detail=str(error))
    except aiohttp.ClientPayloadError as error:
        return FetchResult(url=url, final_url=url, error="reset", detail=str(error))


async def _get(session, url):
    async with session.get(url, raise_for_status=True) as response:
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
