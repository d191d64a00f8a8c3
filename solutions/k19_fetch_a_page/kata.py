"""Kata 19 · Fetch a page: reference solution. KEEP_HEADERS is given: imported from the stub."""

import asyncio

import aiohttp
from yarl import URL

from dojo.crawl.result import FetchResult
from katas.k19_fetch_a_page.kata import KEEP_HEADERS


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    """GET `url` and describe what happened as a FetchResult. Never raises: a 404, a dead
    host, a timeout or a broken URL are all answers a crawler must record and move past."""
    # A URL that is not absolute http(s) is refused here, before any request: the crawl
    # learns why ("bad_url") instead of tripping over whatever the HTTP client raises.
    if not _is_web_url(url):
        return _failed(url, "bad_url", "not an absolute http(s) URL")
    try:
        # One deadline for the whole fetch, headers AND body: a page that never finishes
        # must not hold a crawler slot for ever. aiohttp's ClientTimeout is not applied to
        # mocked calls (and is easy to forget on real ones); asyncio.wait_for always is, and
        # it cancels the request when time is up.
        return await asyncio.wait_for(_get(session, url), timeout)
    # Most specific first: aiohttp's exceptions form a tree (ServerTimeoutError is also a
    # TimeoutError, TooManyRedirects a ClientResponseError, the DNS error a connector error).
    except TimeoutError:
        return _failed(url, "timeout", f"no complete answer within {timeout:g} s")
    except aiohttp.TooManyRedirects as error:
        return _failed(url, "too_many_redirects", _describe(error))
    except aiohttp.ClientConnectorError as error:  # refused, or unknown host (DNS)
        return _failed(url, "connect", _describe(error))
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        return _failed(url, "reset", _describe(error))
    except aiohttp.ClientError as error:  # anything else the client can run into
        return _failed(url, "other", _describe(error))
    # Not caught on purpose: asyncio.CancelledError (whoever cancelled us must see it) and
    # programming errors.


async def _get(session: aiohttp.ClientSession, url: str) -> FetchResult:
    # raise_for_status stays off (aiohttp's default): a 404 or a 503 is an answer to record.
    async with session.get(url) as response:
        return await _record(url, response)


async def _record(url: str, response: aiohttp.ClientResponse) -> FetchResult:
    """The server's answer as a record; the body is read here, inside the request."""
    content_type = response.content_type  # the MIME type, without "; charset=..."
    body = None
    if content_type.startswith("text/"):
        # text() decodes with the charset the server declared.
        body = await response.text(errors="replace")
    return FetchResult(
        url=url,
        final_url=str(response.url),  # after the redirects aiohttp followed
        status=response.status,
        content_type=content_type,
        body=body,
        headers=tuple((k, v) for k, v in response.headers.items() if k.lower() in KEEP_HEADERS),
    )


def _is_web_url(url: str) -> bool:
    try:
        parsed = URL(url)
        return parsed.absolute and parsed.scheme in ("http", "https") and bool(parsed.host)
    except (TypeError, ValueError):
        return False


def _failed(url: str, kind: str, detail: str) -> FetchResult:
    return FetchResult(url=url, final_url=url, error=kind, detail=detail)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
