"""Mutant: only the errors of an answer are caught (aiohttp.ClientResponseError, a body cut
off, the timeout): a refused connection or an unknown host (aiohttp.ClientConnectorError,
which is neither) escapes as an exception."""

import asyncio

import aiohttp

from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page
from solutions.k19_fetch_a_page.kata import _describe, _failed, _get, _is_web_url

BREAKS = "connection-failures-are-records"
SAYS = ("ClientConnectorError", "escaped")


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:
    if not _is_web_url(url):
        return _failed(url, "bad_url", "not an absolute http(s) URL")
    try:
        return await asyncio.wait_for(_get(session, url), timeout)
    except TimeoutError:
        return _failed(url, "timeout", "no answer in time")
    except aiohttp.ClientPayloadError as error:
        return _failed(url, "reset", _describe(error))
    except aiohttp.ClientResponseError as error:  # the mistake: no connection errors caught
        kind = "too_many_redirects" if isinstance(error, aiohttp.TooManyRedirects) else "other"
        return _failed(url, kind, _describe(error))
