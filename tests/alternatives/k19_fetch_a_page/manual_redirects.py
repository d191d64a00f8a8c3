"""Alternative: redirects followed by hand (allow_redirects=False), at most MAX_HOPS, the way a
crawler that wants to see (and dedupe) every hop does; a loop ends as aiohttp's own
TooManyRedirects, raised here. The solution's deadline (around _get) covers every hop."""

import aiohttp
from yarl import URL

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _get (below)
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url, _record  # noqa: F401
from tests.variant_tools import rebuilt

MAX_HOPS = 10
REDIRECTS = (301, 302, 303, 307, 308)


async def _get(session: aiohttp.ClientSession, url: str) -> FetchResult:
    current = URL(url)
    for _hop in range(MAX_HOPS + 1):
        async with session.get(current, allow_redirects=False) as response:
            location = response.headers.get("Location")
            if response.status not in REDIRECTS or not location:
                return await _record(url, response)  # final_url: the hop that answered
            current = current.join(URL(location))
    message = f"more than {MAX_HOPS} redirects"
    raise aiohttp.TooManyRedirects(response.request_info, (), message=message)


# The solution's fetch_page, rebuilt over this module's names: it calls the _get above.
fetch_page = rebuilt(solution.fetch_page, globals())
