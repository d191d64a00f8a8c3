"""Alternative: one `except` for everything the client raises, mapped to a kind by an ordered
table (most specific class first), instead of a ladder of except clauses."""

import asyncio

import aiohttp
from yarl import URL

from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page (below)

# First match wins: TooManyRedirects is a ClientResponseError, ServerTimeoutError is both a
# connection error and a TimeoutError, the DNS error is a connector error.
KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (TimeoutError, "timeout"),
    (aiohttp.TooManyRedirects, "too_many_redirects"),
    (aiohttp.ClientConnectorError, "connect"),
    (aiohttp.ClientPayloadError, "reset"),
    (aiohttp.ServerDisconnectedError, "reset"),
    (aiohttp.ClientError, "other"),
)
CAUGHT = (TimeoutError, aiohttp.ClientError)


def kind_of(error: BaseException) -> str:
    return next(kind for cls, kind in KINDS if isinstance(error, cls))


def is_web_url(url: str) -> bool:
    try:
        parsed = URL(url)
        return parsed.absolute and parsed.scheme in ("http", "https") and bool(parsed.host)
    except ValueError:
        return False


async def _answer(session: aiohttp.ClientSession, url: str) -> FetchResult:
    async with session.get(url) as response:
        text = response.content_type.startswith("text/")
        return FetchResult(
            url,
            str(response.url),
            status=response.status,
            content_type=response.content_type,
            body=(await response.text()) if text else None,
            headers=tuple(
                (name, response.headers[name])
                for name in ("Retry-After",)
                if name in response.headers
            ),
        )


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    if not is_web_url(url):
        return FetchResult(url, url, error="bad_url", detail=f"not a web URL: {url!r}")
    try:
        return await asyncio.wait_for(_answer(session, url), timeout)
    except CAUGHT as error:
        return FetchResult(url, url, error=kind_of(error), detail=repr(error))
