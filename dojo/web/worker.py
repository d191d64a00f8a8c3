"""A ready-made Ray actor that fetches through the fake web: the mock starts in its __init__.

Tests and katas hand it async functions to run inside the actor's process, where aiohttp is
patched, e.g. a learner's `fetch(session, url)`:

    worker = WebWorker.remote(site, hits)            # hits: a HitLog actor (or None)
    result = await worker.run.remote(fetch_page, url, timeout=1.0)

`fn` must be importable by the worker (a module-level function: Ray pickles it by reference)
and `async def`. Each call gets a fresh `aiohttp.ClientSession` as its first argument unless
`session=False`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from dojo.web.hits import ray
from dojo.web.mock import start_mock
from dojo.web.site import Site


@ray.remote(num_cpus=0)
class WebWorker:
    def __init__(self, site: Site, hits: Any = None, who: str | None = None):
        # Here, in the actor's own process: a mock started by the driver would not reach it.
        self.web = start_mock(site, hits, who=who)

    def who(self) -> str:
        return self.web.who

    def load(self, site: Site) -> None:
        """Serve another site from now on (cheaper than a new actor: ~1 s of CPU each)."""
        self.web.site = site

    async def run(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, session: bool = True, **kwargs: Any
    ) -> Any:
        if not session:
            return await fn(*args, **kwargs)
        async with aiohttp.ClientSession() as s:
            return await fn(s, *args, **kwargs)

    async def flush(self) -> None:
        """Deliver the hit events still buffered in this process, and wait until the log has
        them (they go out by themselves within hits.FLUSH_EVERY; this is for a test that
        must not race them, e.g. before clearing the log)."""
        ref = self.web.recorder.flush()
        if ref is not None:
            await ref
