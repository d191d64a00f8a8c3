"""What the crawler katas' tests share to run code against the fake web: the actors (a hit log
and fetching workers, killed when a test module ends), the fixtures `log`, `web` and
`fresh_web` (a test module takes one by name: `web = testing.web`), a bounded run in a worker,
the picture of what the web served, and the tests' own stand-in for kata 19's fetch_page. The
proofs and their messages stay in each kata's tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import ray

from dojo.crawl.result import FetchResult
from dojo.harness.actors import kill_quietly
from dojo.harness.timeline import Interval, render
from dojo.harness.todo import NotDoneYet
from dojo.web.hits import HitLog
from dojo.web.site import Site
from dojo.web.worker import WebWorker

STARTUP = 120.0  # how long a new actor may take to start on a busy machine


@contextlib.contextmanager
def hit_log() -> Iterator[Any]:
    """A new HitLog actor, killed when the block ends."""
    log = HitLog.remote()
    try:
        yield log
    finally:
        kill_quietly(log)


@contextlib.contextmanager
def web_workers(site: Site, log, count: int = 1) -> Iterator[list]:
    """`count` WebWorker actors, each with the fake web of `site` started in its process (its
    hits go to `log`); killed when the block ends."""
    workers = [WebWorker.remote(site, log) for _ in range(count)]
    try:
        yield workers
    finally:
        for worker in workers:
            kill_quietly(worker)


@contextlib.contextmanager
def fake_web(site: Site) -> Iterator[tuple]:
    """(worker, log): one hit log and one WebWorker over `site`, killed when the block ends."""
    with hit_log() as log, web_workers(site, log) as [worker]:
        yield worker, log


@pytest.fixture(scope="module")
def log(ray_cluster):
    """A HitLog actor for the test module that imports this fixture, killed when it ends."""
    with hit_log() as made:
        yield made


@pytest.fixture(scope="module", autouse=True)
def web(ray_cluster):
    """One hit log and one fetcher actor (the mock started in it), (worker, log), for the test
    module that imports this fixture: actors cost about a second each. Made when the module
    starts, so they start up while its first tests run; each test that uses them (through
    `fresh_web`) loads its site and starts from an empty log."""
    with fake_web(Site.of([])) as (worker, log):
        yield worker, log


@pytest.fixture
async def fresh_web(web):
    """`web`'s (worker, log), both started, and the log emptied."""
    worker, log = web
    await emptied(worker, log)
    return worker, log


async def emptied(worker, log, within: float = STARTUP) -> None:
    """Wait (up to `within` s: not timed, a fixture's work) until the worker and the log
    answer, then empty the log: first the worker's events still on their way, which would land
    after the clear. (Clearing also restarts the flaky resources' sequences.)"""
    await asyncio.wait_for(
        asyncio.gather(worker.__ray_ready__.remote(), log.__ray_ready__.remote()), within
    )
    await worker.flush.remote()
    await log.clear.remote()


def served(hits) -> str:
    """The hit log's picture, one row per request labelled by host and path."""
    if not hits:
        return "the fake web served nothing"
    last = max(h.end or h.start for h in hits)
    rows = [
        Interval(h.url.removeprefix("http://"), h.start, h.end or last, h.outcome) for h in hits
    ]
    return render(rows, "what the fake web served")


@dataclass
class Ran:
    """How `worker.run(fn, *args)` ended: `value` if it finished, else the last line of what
    it raised (`error`), else it was still running after the time allowed (and was cancelled)."""

    finished: bool = False
    value: Any = None
    error: str | None = None


async def run_in_worker(worker, fn, *args, within: float) -> Ran:
    """worker.run(fn, *args), bounded by `within` s. A call that does not finish is cancelled
    in the actor: asyncio's cancellation never reaches Ray, and code left running there would
    go on hitting the fake web during the tests that follow. NOT DONE YET goes on up."""
    ref = worker.run.remote(fn, *args)
    try:
        async with asyncio.timeout(within):
            return Ran(finished=True, value=await ref)
    except NotDoneYet:
        raise
    except TimeoutError:
        return Ran()
    except ray.exceptions.RayTaskError as raised:
        return Ran(error=(str(raised).strip().splitlines() or [""])[-1])
    finally:
        ray.cancel(ref)  # nothing happens if it has finished


KEPT_HEADERS = ("retry-after", "location")


async def fetch_page(session: aiohttp.ClientSession, url: str, within: float = 10.0):
    """(The tests' stand-in for kata 19's fetch_page.) One GET as a FetchResult; never
    raises. Runs inside the fetcher actor, where the fake web answers."""
    try:
        async with asyncio.timeout(within), session.get(url) as got:
            text = got.content_type.startswith("text/")
            body = await got.text() if text else None
            kept = tuple((k, v) for k, v in got.headers.items() if k.lower() in KEPT_HEADERS)
            return FetchResult(url, str(got.url), got.status, got.content_type, body, headers=kept)
    except TimeoutError:
        return FetchResult(url, url, error="timeout", detail=f"no answer within {within:g} s")
    except aiohttp.ClientConnectionError as error:
        return FetchResult(url, url, error="connect", detail=str(error))
    except aiohttp.ClientPayloadError as error:
        return FetchResult(url, url, error="reset", detail=str(error))
    except aiohttp.ClientError as error:
        return FetchResult(url, url, error="other", detail=f"{type(error).__name__}: {error}")
