"""One bounded GET: `fetch_page(session, url, timeout)` -> FetchResult (kata 19's lesson, as the
crawler uses it). Redirects are NOT followed: a 3xx comes back with its Location header, and
the crawl follows it itself, so every hop is deduplicated like a link."""

from __future__ import annotations

import asyncio

import aiohttp

from dojo.crawl.limits import MAX_BODY
from dojo.crawl.result import FetchResult

USER_AGENT = "dojo-crawler/1.0"
FETCH_TIMEOUT = 2.0  # seconds one request may take, headers and body

KEEP_HEADERS = ("location", "retry-after")


async def fetch_page(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float,  # noqa: ASYNC109 (asyncio.timeout inside)
    max_bytes: int = MAX_BODY,
    *,
    keep_first: bool = False,
) -> FetchResult:
    """GET `url` (redirects not followed: a 3xx comes back with its Location header) and
    describe what happened. Never raises for what the web does: 404, refused, timeout, a
    body over `max_bytes` (read no further than that: a huge file must not fill memory).
    A text body over `max_bytes` is an error (too_large); with `keep_first`, its first
    `max_bytes` are kept instead, cut after the last whole line (how robots.txt is read)."""
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, allow_redirects=False) as response:
                ctype = response.content_type
                body = None
                if ctype.startswith("text/"):
                    raw = await _read_capped(response, max_bytes, keep_first)
                    if raw is None:
                        return FetchResult(
                            url, url, response.status, ctype, None, "too_large",
                            f"body over {max_bytes:,} bytes",
                        )  # fmt: skip
                    body = raw.decode(response.charset or "utf-8", errors="replace")
                headers = tuple(
                    (k, v) for k, v in response.headers.items() if k.lower() in KEEP_HEADERS
                )
                return FetchResult(
                    url, str(response.url), response.status, ctype, body, None,
                    f"{response.status} {response.reason}", headers,
                )  # fmt: skip
    except TimeoutError:
        return FetchResult(url, url, error="timeout", detail=f"no answer within {timeout:g} s")
    except aiohttp.ClientConnectorError as error:
        return FetchResult(url, url, error="connect", detail=str(error))
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        return FetchResult(url, url, error="reset", detail=str(error))
    except aiohttp.ClientError as error:
        return FetchResult(url, url, error="other", detail=f"{type(error).__name__}: {error}")


async def _read_capped(
    response: aiohttp.ClientResponse, cap: int, keep_first: bool = False
) -> bytes | None:
    """The body, or as soon as it is over `cap` bytes: None, or with `keep_first` its first
    `cap` bytes up to the last line break (a rule cut in the middle must not be read as a
    shorter rule). One read() may return less than asked: read chunk by chunk."""
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        chunks.append(chunk)
        if size > cap:
            if not keep_first:
                return None
            first = b"".join(chunks)[:cap]
            return first[: first.rfind(b"\n") + 1]
    return b"".join(chunks)
