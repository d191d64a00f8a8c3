"""Alternative: the solution's ladder, plus a last `except Exception` that turns whatever else
goes wrong into an "other" record. asyncio.CancelledError is not an Exception (since Python
3.8), so a cancellation still goes through: this is not the catch-all the README forbids."""

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page
from solutions.k19_fetch_a_page.kata import _describe, _failed


async def fetch_page(session, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    try:
        return await solution.fetch_page(session, url, timeout)
    except Exception as error:  # a programming error, say: a record too, but never a cancel
        return _failed(url, "other", _describe(error))
