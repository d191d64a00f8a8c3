"""Mutant: every answer's body is decoded as text, images and PDFs included: garbage in the
record (or a UnicodeDecodeError) for anything that is not text/*."""

import asyncio

import aiohttp
from yarl import URL

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_non_html_is_kept_without_a_body"

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
    except aiohttp.ClientError as error:
        return FetchResult(url=url, final_url=url, error="other", detail=str(error))


async def _get(session, url):
    async with session.get(url) as response:
        body = await response.text(errors="replace")
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
