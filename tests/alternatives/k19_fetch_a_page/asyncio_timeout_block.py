"""Alternative: the time limit as an `async with asyncio.timeout(timeout):` block around the
request and the body (instead of asyncio.wait_for), the URL checked with urllib.parse, the
body read as bytes and decoded with the charset the response declares, and the kept headers
named in lower case, as KEEP_HEADERS spells them ("retry-after")."""

import asyncio
from urllib.parse import urlsplit

import aiohttp

from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page (below)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        valid = False
    if not valid:
        return FetchResult(url, url, error="bad_url", detail="not an absolute http(s) URL")

    def failed(kind: str, error: BaseException) -> FetchResult:
        return FetchResult(url, url, error=kind, detail=f"{type(error).__name__}: {error}")

    try:
        async with asyncio.timeout(timeout), session.get(url) as response:
            kind = response.content_type
            body = None
            if kind.startswith("text/"):
                raw = await response.read()
                body = raw.decode(response.get_encoding(), errors="replace")
            # Named as KEEP_HEADERS spells them (lower case): record.header() ignores case.
            kept = [(k, response.headers[k]) for k in KEEP_HEADERS if k in response.headers]
            return FetchResult(
                url=url,
                final_url=str(response.url),
                status=response.status,
                content_type=kind,
                body=body,
                headers=tuple(kept),
            )
    except TimeoutError as error:
        return failed("timeout", error)
    except aiohttp.TooManyRedirects as error:
        return failed("too_many_redirects", error)
    except aiohttp.ClientConnectorError as error:
        return failed("connect", error)
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        return failed("reset", error)
    except aiohttp.ClientError as error:
        return failed("other", error)
