"""Kata 21 · Fetcher pool: the tests your code must pass.

One crawl per implementation, judged from several sides. fetch_all(urls, site, hits, 3, 4)
fetches a list of 60 URLs on a fake web; the fake server's hit log sees every request, when it
started and ended, and which fetcher actor sent it ("who"). Peaks in flight come from there.

How "the pool fills" is proved, whatever the machine's speed: the hit log given to the crawl
holds every request at a barrier (before the server answers it) until N x K requests are in
flight at once. A pool that keeps K requests going on each of its N fetchers fills it as soon
as its last fetcher is up (fetchers start at different times: a new actor process takes a
second or more, so early ones wait there for late ones); the timing check then starts from
the moment it opened. A pool that cannot have N x K in flight never fills it: once no fetcher
is still starting and no new request came for BARRIER_IDLE seconds, the test breaks the
barrier, which lets everyone through and says so.
(The hold works through the fake web's sequenced resources: the mock asks the log which
answer a request gets, and this log answers that question at the barrier.) A driver whose
event loop is blocked (a ray.get in fetch_all) cannot watch the barrier: when it has not
looked for DRIVER_SILENT seconds, the log breaks the barrier itself and says why.

The given FetcherBase tells the log when each fetcher is up and when it is closed: that is how
the tests count the fetchers and see that each was closed. A heartbeat runs in the test's event
loop during the crawl: fetch_all runs there too, and must never block it.
"""

import asyncio
import contextlib
import itertools
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import ray
from yarl import URL

from dojo import NotDoneYet
from dojo.crawl.result import FetchResult
from dojo.harness.actors import actors_not_dead, actors_starting
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail
from dojo.harness.timeline import render
from dojo.harness.waiting import wait_until
from dojo.web import Hit, LocalHitLog, Resource, Response, Site
from dojo.web.hits import peak_in_flight_of

pytestmark = pytest.mark.timeout(30)

ACTORS = 3  # N
LIMIT = 4  # K
LATENCY = 0.1  # most pages
SLOW_LATENCY = 1.5  # a few pages, one in every N x K URLs of the list
# Seconds without a new request (while no fetcher is still starting) before the barrier gives
# up: every fetcher is up, and still the pool does not have N x K requests in flight.
BARRIER_IDLE = 4.0
# The crawl, fetcher start-up included. It runs in a fixture (outside the tests' time limit):
# on a loaded 2-core machine, starting three new actor processes took up to 16 s.
RUN_BOUND = 90.0
SHOWN_AFTER_BREAK = 1.5  # once the barrier broke, let the crawl run this long for the picture
HITS_WITHIN = 5.0  # for the last hit events to reach the log after fetch_all returned
# Timing after the barrier opened: generous, the machine is shared. Waves of N x K that wait
# for their slowest member take 5 x SLOW_LATENCY (7.5 s) or more; a pool that keeps its slots
# busy about 2.1 s (1.5 s is the bound no schedule beats; URLs in list order cost a bit more).
ELAPSED_FACTOR = 2.5
ELAPSED_MARGIN = 0.5
# ... and a crawl over that bound is blamed on idle slots only if the server saw STALLS pauses
# of STALL s or more with no new request. Waves pause about SLOW_LATENCY between one wave and
# the next (4 times); pools that keep their slots busy pause a few hundredths of a second, and
# under 0.9 s even on a machine so overloaded (load average 45 on 2 cores) that they missed the
# time bound.
STALL = 1.0
STALLS = 3
# The barrier's own watch: with no look from the driver for this long, its loop is blocked.
# (The driver looks every 0.05 s, and reads Ray's actor table in a thread every 0.5 s.)
DRIVER_SILENT = 10.0
ACTOR_TABLE_EVERY = 0.5  # seconds between two reads of Ray's actor table (is a fetcher starting?)
# The test's event loop may pause this long during the crawl (a blocking fetch_all freezes it
# for the whole crawl: seconds). Generous: the test itself asks Ray's actor table meanwhile.
MAX_FREEZE = 1.0
# A second, small run with other numbers than the README's 3 and 4: a fetcher limit or a pool
# size written as a number instead of read from the arguments passes the main run.
SMALL_ACTORS, SMALL_LIMIT = 2, 3
SMALL_URLS = 12
# The small run starts its fetchers inside the test (the main run does it in a fixture, outside
# the time limit): room for a slow start on a loaded machine, and for RUN_BOUND.
SMALL_RUN_TIMEOUT = RUN_BOUND + 60
GONE_WITHIN = 5.0  # seconds for the cluster to count the killed (or let go) fetchers dead


# -- the hit log with a barrier ------------------------------------------------------------


class _Barrier:
    """Holds arrivals until `size` are waiting at once. Only the test breaks it (`open(broken=
    True)`): it alone can tell a pool that cannot fill it from fetchers still starting."""

    def __init__(self, size: int, prefix: str):
        self.size, self.prefix = size, prefix
        self.waiting = 0
        self.broken = False
        self.driver_frozen = False
        self.opened_at: float | None = None  # wall clock, like the hits
        self.last_arrival = self.last_look = time.monotonic()
        self.is_open = asyncio.Event()

    async def arrive(self) -> None:
        if self.is_open.is_set():
            return
        self.waiting += 1
        self.last_arrival = time.monotonic()
        if self.waiting >= self.size:
            self.open()
        while not self.is_open.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.is_open.wait(), 0.5)
            if time.monotonic() - self.last_look > DRIVER_SILENT:
                self.driver_frozen = True  # nobody else can break it: the driver is stuck
                self.open(broken=True)

    def open(self, broken: bool = False) -> None:
        if self.opened_at is None:
            self.opened_at = time.time()
            self.broken = broken
        self.is_open.set()


@ray.remote(num_cpus=0)
class HeldHitLog(LocalHitLog):
    """dojo.web's hit log, plus a barrier for the requests of the current round."""

    def __init__(self):
        super().__init__()
        self._barrier: _Barrier | None = None
        self._fetchers: dict[str, list[str]] = {"started": [], "closed": []}

    def start_round(self, size: int, prefix: str) -> None:
        if self._barrier is not None:
            self._barrier.open()  # an earlier round's stragglers must not hang
        self.clear()
        self._barrier = _Barrier(size, prefix)
        self._fetchers = {"started": [], "closed": []}

    # told by the given FetcherBase
    def fetcher_started(self, who: str) -> None:
        self._fetchers["started"].append(who)

    def fetcher_closed(self, who: str) -> None:
        self._fetchers["closed"].append(who)

    def fetchers(self) -> dict[str, list[str]]:
        return self._fetchers

    def break_barrier(self) -> None:
        self._barrier.open(broken=True)

    async def next_index(self, url: str) -> int:
        n = super().next_index(url)
        barrier = self._barrier
        if barrier is not None and url.startswith(barrier.prefix):
            await barrier.arrive()
        return n

    def barrier(self) -> dict:
        b = self._barrier
        b.last_look = time.monotonic()
        return {
            "open": b.is_open.is_set(),
            "broken": b.broken,
            "driver_frozen": b.driver_frozen,
            "opened_at": b.opened_at,
            "waiting": b.waiting,
            "quiet_for": time.monotonic() - b.last_arrival,
        }


def _fetchers_starting() -> bool:
    """Is a Fetcher actor of this job still being created? The barrier must not give up on a
    pool whose last fetcher is still starting (its requests arrive only once it is up)."""
    return actors_starting("Fetcher")


@pytest.fixture(scope="module")
def log(ray_cluster):
    hit_log = HeldHitLog.remote()
    ray.get(hit_log.__ray_ready__.remote(), timeout=120)
    yield hit_log
    ray.kill(hit_log)


# -- the crawl: a site made for each run, and what came of it --------------------------------

_run_numbers = itertools.count()


def _held(response: Response) -> tuple[Response, Response]:
    # Two responses make the resource "sequenced": the mock asks the log before answering.
    return (response, response)


@dataclass
class World:
    prefix: str
    site: Site
    urls: list[str]
    pages: list[str]
    slow: list[str]
    broken: list[str]
    down: list[str]
    nowhere: str
    moved: str
    moved_to: str
    latency: dict[str, float]  # every URL requested (redirect target too) -> its latency

    def ours(self, hit: Hit) -> bool:
        return (URL(hit.url).host or "").startswith(self.prefix)

    @property
    def requested(self) -> list[str]:
        return [*self.urls, self.moved_to]

    def ideal(self) -> float:
        """No pool of ACTORS x LIMIT slots can do better, once all its fetchers are up."""
        work = sum(self.latency.values()) / (ACTORS * LIMIT)
        chain = max(SLOW_LATENCY, self.latency[self.moved] + self.latency[self.moved_to])
        return max(work, chain)


def make_world(n: int) -> World:
    prefix = f"run{n}-"
    host, dead = f"http://{prefix}a.test", f"http://{prefix}nowhere.test"
    slow = [f"{host}/slow/{i}" for i in range(5)]
    pages = [f"{host}/page/{i}" for i in range(49)]
    broken = [f"{host}/gone/{i}" for i in range(2)]
    down = [f"{host}/down/{i}" for i in range(2)]
    moved, moved_to = f"{host}/old", f"{host}/new"
    resources = [
        *(Resource(u, _held(Response(body=f"<p>page {u}", latency=LATENCY))) for u in pages),
        *(Resource(u, _held(Response(body=f"<p>slow {u}", latency=SLOW_LATENCY))) for u in slow),
        *(Resource(u, _held(Response(404, body="gone", latency=LATENCY))) for u in broken),
        *(Resource(u, _held(Response(error="connect", latency=LATENCY))) for u in down),
        Resource(moved, _held(Response(301, headers={"Location": moved_to}, latency=LATENCY))),
        Resource(moved_to, _held(Response(body="<p>moved here", latency=LATENCY))),
    ]
    # The list: the slow pages spread so every N x K URLs hold one (at 0, 13, 26, 38, 52),
    # and over the fetchers whatever the spreading; the failures and the redirect in between.
    rest = iter([*pages[:20], *broken, moved, *pages[20:35], *down, *pages[35:]])
    urls = []
    for i in range(60 - 1):
        urls.append(slow.pop(0) if i in (0, 13, 26, 38, 51) else next(rest))
    urls.insert(45, f"{dead}/")
    # The README promises each URL once, and no redirect target in the list: no dedupe needed.
    assert len(set(urls)) == len(urls) and moved_to not in urls
    latency = {u: LATENCY for u in [*pages, *broken, *down, moved, moved_to]}
    latency |= {u: SLOW_LATENCY for u in urls if "/slow/" in u}
    latency[f"{dead}/"] = 0.0
    slow_urls = [u for u in urls if "/slow/" in u]
    return World(
        prefix, Site.of(resources), urls, pages, slow_urls, broken, down, f"{dead}/", moved,
        moved_to, latency,
    )  # fmt: skip


@dataclass
class Run:
    world: World
    results: object = None
    raised: BaseException | None = None
    cut_short: bool = False  # the barrier broke and the crawl was not waited for
    unfinished: bool = False  # still running after RUN_BOUND
    barrier: dict = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    fetchers: dict = field(default_factory=dict)  # "started" / "closed": the fetchers' ids
    heartbeat: Heartbeat | None = None  # the test's event loop, during the crawl

    @property
    def created(self) -> list[str]:
        return self.fetchers.get("started", [])

    @property
    def call(self) -> str:
        return f"fetch_all({len(self.world.urls)} urls, site, hits, actors={ACTORS}, limit={LIMIT})"

    def picture(self) -> str:
        """The hits as a timeline, each row labelled by fetcher (f1, f2... in order of their
        first request) and path."""
        fetchers: dict[str, str] = {}
        rows = []
        for hit in sorted(self.hits, key=lambda h: h.start):
            name = fetchers.setdefault(hit.who, f"f{len(fetchers) + 1}")
            rows.append(hit.interval(f"{name} {URL(hit.url).path}"))
        return render(rows, "what the fake web served (fetcher, path)")


_runs: dict[str, Run] = {}


@pytest.fixture
async def crawl(kata, log) -> Run:
    """The crawl of this implementation: run once (in the first test's set-up), then judged
    by every test. A test re-raises "not done yet" itself (see `judged`)."""
    if kata.__name__ not in _runs:
        _runs[kata.__name__] = await _crawl(kata, log)
    return _runs[kata.__name__]


def judged(run: Run) -> Run:
    if isinstance(run.raised, NotDoneYet):
        raise run.raised
    return run


async def _crawl(kata, log) -> Run:
    world = make_world(next(_run_numbers))
    run = Run(world)
    await log.start_round.remote(ACTORS * LIMIT, f"http://{world.prefix}")
    async with Heartbeat() as run.heartbeat:
        task = asyncio.ensure_future(
            kata.fetch_all(list(world.urls), world.site, log, ACTORS, LIMIT)
        )
        broken_at = await _watch(task, log)
    if task.done():
        try:
            run.results = task.result()
        except Exception as error:
            cause = getattr(error, "cause", None)
            run.raised = cause if isinstance(cause, NotDoneYet) else error
            if isinstance(run.raised, NotDoneYet):
                return run
    else:
        run.cut_short, run.unfinished = broken_at is not None, broken_at is None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    run.barrier = await log.barrier.remote()
    run.fetchers = await log.fetchers.remote()

    async def landed() -> list[Hit] | None:
        hits = [h for h in await log.hits.remote() if world.ours(h)]
        finished = [h for h in hits if h.finished]
        return hits if len(finished) >= len(world.requested) else None

    if not (run.cut_short or run.unfinished or run.raised):
        run.hits = await wait_until(landed, within=HITS_WITHIN, interval=0.05) or []
    if not run.hits:
        run.hits = [h for h in await log.hits.remote() if world.ours(h)]
    return run


async def _watch(task: asyncio.Future, log) -> float | None:
    """Wait for the crawl; break the barrier if the pool cannot fill it. Returns when the
    barrier was broken (monotonic), or None."""
    broken_at = None
    opened = False  # filled: from then on only the crawl's end is awaited, nothing polled
    quiet_since = time.monotonic()  # no new request, and no fetcher starting, since then
    asked_at = 0.0  # when Ray's actor table was last read (costly: not at every look)

    async def settled() -> bool:
        nonlocal broken_at, opened, quiet_since, asked_at
        if task.done():
            return True
        if opened:
            return False
        state = await log.barrier.remote()
        opened = state["open"] and not state["broken"]
        if not state["open"]:
            now = time.monotonic()
            if now - asked_at >= ACTOR_TABLE_EVERY:
                asked_at = now
                if await asyncio.to_thread(_fetchers_starting):
                    quiet_since = now
            quiet_since = max(quiet_since, now - state["quiet_for"])
            if now - quiet_since >= BARRIER_IDLE:
                await log.break_barrier.remote()
                state = await log.barrier.remote()
        if state["broken"] and broken_at is None:
            broken_at = time.monotonic()
        return broken_at is not None and time.monotonic() - broken_at > SHOWN_AFTER_BREAK

    await wait_until(settled, within=RUN_BOUND, interval=0.05)
    return broken_at


@dataclass
class SmallRun:
    created: int  # fetchers made
    total: int  # peak in flight in the whole pool
    per_who: dict[str, int]  # peak in flight per fetcher
    call: str


_small_runs: dict[str, SmallRun] = {}


async def small_run(kata, log) -> SmallRun:
    """fetch_all on 12 URLs with actors=2, limit=3 (once per implementation): how many
    fetchers it made, and its peaks in flight. Asked once the main run passed the test's own
    checks: whatever else goes wrong here, the main run's tests tell."""
    if kata.__name__ not in _small_runs:
        prefix = f"small{next(_run_numbers)}-"
        urls = [f"http://{prefix}a.test/page/{i}" for i in range(SMALL_URLS)]
        site = Site.of(Resource(u, _held(Response(body="<p>", latency=LATENCY))) for u in urls)
        await log.start_round.remote(SMALL_ACTORS * SMALL_LIMIT, f"http://{prefix}")
        task = asyncio.ensure_future(kata.fetch_all(urls, site, log, SMALL_ACTORS, SMALL_LIMIT))
        await _watch(task, log)
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        started = (await log.fetchers.remote())["started"]
        hits = [h for h in await log.hits.remote() if h.url.startswith(f"http://{prefix}")]
        _small_runs[kata.__name__] = SmallRun(
            len(started),
            peak_in_flight_of(hits),
            peak_in_flight_of(hits, by="who"),
            f"fetch_all({SMALL_URLS} urls, site, hits, actors={SMALL_ACTORS}, limit={SMALL_LIMIT})",
        )
    return _small_runs[kata.__name__]


# -- verdicts shared by the tests ----------------------------------------------------------


def _peaks(run: Run) -> tuple[int, dict[str, int]]:
    return peak_in_flight_of(run.hits), peak_in_flight_of(run.hits, by="who")


def require_a_crawl(run: Run) -> None:
    """Fail with the right lesson when the crawl raised, hung, or could not fill the pool."""
    if run.raised is not None:
        lines = str(run.raised).strip().splitlines()
        fail(
            f"{run.call} raised {type(run.raised).__name__}: {(lines[-1] if lines else '')[:200]}",
            "a dict {url: FetchResult}: failed fetches are records too, never exceptions",
            "an error in fetch_all or in Fetcher.fetch (the given fetch_page never raises)",
            run.picture(),
        )
    if run.unfinished:
        fail(
            f"{run.call} was still running after {RUN_BOUND:.0f} s",
            "done within a few seconds once the fetchers are up",
            [
                "a semaphore acquired and never released (use `async with`)",
                "awaiting something that never finishes: a queue nobody fills, a fetcher that "
                "never answers",
            ],
            run.picture(),
        )
    if run.cut_short or run.barrier.get("broken"):
        fail_pool_not_filled(run)


def _together(run: Run) -> str:
    total, per_who = _peaks(run)
    peaks = sorted(per_who.values(), reverse=True)
    return f"the peak was {total} (per fetcher: {peaks}; {len(run.created)} fetcher(s) created)"


def _one_after_the_other(run: Run) -> bool:
    """Did each fetcher's requests start only once the previous fetcher's had all ended?"""
    spans: dict[str, list[float]] = {}
    now = time.time()
    for hit in run.hits:
        span = spans.setdefault(hit.who, [hit.start, hit.end or now])
        span[0], span[1] = min(span[0], hit.start), max(span[1], hit.end or now)
    ordered = sorted(spans.values())
    return all(later[0] >= earlier[1] - 0.05 for earlier, later in itertools.pairwise(ordered))


def fail_pool_not_filled(run: Run) -> None:
    total, per_who = _peaks(run)
    created, used = len(run.created), len(per_who)
    if run.barrier.get("driver_frozen"):
        likely = (
            f"fetch_all blocked the event loop: the test's watch could not run for "
            f"{DRIVER_SILENT:.0f} s. A ray.get (or another blocking call) in a coroutine "
            "stops everything else on the loop; `await` the calls (asyncio.gather) instead"
        )
    elif created < ACTORS:
        likely = (
            f"`actors` ignored: {created} Fetcher(s) created for actors={ACTORS}. Create "
            "all `actors` Fetchers at the start and keep every one of them busy"
        )
    elif total <= 1:
        likely = (
            "one fetch at a time: the driver awaits each fetch before sending the next (`for "
            "url in urls: await fetcher.fetch.remote(url)`). Send them all first, then await "
            "them together (asyncio.gather), or run N x K worker coroutines"
        )
    elif used >= 2 and _one_after_the_other(run):
        likely = (
            f"the fetchers took turns: each of the {used} that got requests started only "
            "after the one before it had finished (one fetcher's share awaited before the next "
            "fetcher got its URLs). Give every fetcher its work first, then await everything "
            "at once"
        )
    elif used < created:
        likely = [
            f"the fetchers took turns: {used} of the {created} fetchers got requests while "
            "the others sat idle, one fetcher's share awaited before the next fetcher got "
            "its URLs. Give every fetcher its work first, then await everything at once",
            f"the URLs were not spread: they all went to {used} of the {created} fetchers",
        ]
    elif min(per_who.values()) >= LIMIT:
        likely = (
            f"the fetchers took turns: each had its {LIMIT} requests in flight, but never "
            "at the same time as the others (one fetcher's share awaited before the next "
            "got its URLs). Give every fetcher its work first, then await everything at once"
        )
    else:
        likely = (
            f"no fetcher was kept at {LIMIT} requests: the driver awaits some calls before "
            f"it sends the next ones. Send every call at once, or run {LIMIT} worker "
            "coroutines per fetcher, each taking the next URL when its last one is done"
        )
    waited = (
        f"the test could not watch (its event loop was blocked), so after {DRIVER_SILENT:.0f} s "
        "the fake server gave up waiting"
        if run.barrier.get("driver_frozen")
        else f"with every fetcher up, the fake server waited {BARRIER_IDLE:.0f} s for "
        f"{ACTORS * LIMIT} requests at once, then gave up"
    )
    fail(
        f"the pool never had {ACTORS * LIMIT} requests in flight: {_together(run)}; {waited}",
        f"{ACTORS} fetchers x {LIMIT} requests = {ACTORS * LIMIT} in flight at once",
        likely,
        run.picture(),
    )


def _likely_key_mistake(world: World, missing: list[str], extra: list[str]) -> str:
    failures = {*world.broken, *world.down, world.nowhere}
    if extra:
        if world.moved_to in extra and world.moved in missing:
            return (
                "results keyed by result.final_url: it differs from the URL asked for after "
                f"a redirect (here {world.moved} -> {world.moved_to}); key by the URL you "
                "sent (or result.url)"
            )
        return "results keyed by something else than the URL asked for: key by the URL you sent"
    if missing and set(missing) <= failures:
        return (
            "failed fetches dropped from the results (only .ok ones kept?): a 404 or a dead "
            "host is a result too; the crawl must know what failed, to report, retry or "
            "skip it"
        )
    return "URLs lost on the way: every URL must be given to a fetcher and its result kept"


# -- the tests ------------------------------------------------------------------------------


async def test_every_url_is_fetched_exactly_once(crawl):
    run = judged(crawl)
    require_a_crawl(run)
    world = run.world
    counts = Counter(h.url for h in run.hits)
    expected = Counter(world.requested)
    expected.pop(world.nowhere, None)  # an unknown host: the server may never see it
    counts.pop(world.nowhere, None)
    if counts == expected:
        return
    twice = {u: n for u, n in counts.items() if n > 1}
    if twice:
        fail(
            f"{len(twice)} URLs were requested more than once, e.g. "
            f"{dict(list(twice.items())[:3])}",
            "every URL requested exactly once",
            "the same URL sent to several fetchers (or to one twice), e.g. shares of the list "
            "that overlap: give each URL to exactly one fetcher",
            run.picture(),
        )
    never = [u for u in expected if u not in counts]
    fail(
        f"the fake server never saw (or never heard the end of) {len(never)} requests, "
        f"e.g. {never[:3]}",
        "every URL requested exactly once",
        [
            "fetchers killed before they sent their last hit events: await "
            "fetcher.close.remote() on each one before ray.kill",
            "URLs never handed to any fetcher",
        ],
        run.picture(),
    )


async def test_every_url_has_its_result(crawl):
    run = judged(crawl)
    require_a_crawl(run)
    world, results = run.world, run.results
    if not isinstance(results, dict):
        fail(
            f"{run.call} returned {type(results).__name__} {results!r:.120}",
            "a dict {url: FetchResult}, one entry per URL asked for",
            "returning the list of results (or the refs) instead of a dict keyed by URL",
        )
    missing = [u for u in world.urls if u not in results]
    extra = [u for u in results if u not in world.urls]
    if missing or extra:
        fail(
            f"the results have no entry for {len(missing)} URLs ({missing[:3]}) and "
            f"{len(extra)} keys that were not asked for ({extra[:3]})",
            f"one entry per URL of the list, keyed by the URL as given ({len(world.urls)}), "
            "failures included",
            _likely_key_mistake(world, missing, extra),
        )
    wrong = {u: r for u, r in results.items() if not isinstance(r, FetchResult) or r.url != u}
    if wrong:
        url, result = next(iter(wrong.items()))
        shuffled = all(isinstance(r, FetchResult) for r in results.values()) and sorted(
            r.url for r in results.values()
        ) == sorted(results)
        fail(
            f"results[{url!r}] is {result!r:.150} ({len(wrong)} of {len(results)} entries hold "
            "another URL's result)",
            "the FetchResult that Fetcher.fetch returned for that URL",
            "results paired with the wrong URLs: every result is there, under another URL's "
            "key. A list of results in another order than the URLs (completion order: "
            "as_completed, or a dict filled as calls finish) was zipped with the URL list; "
            "pair each result with the URL it was fetched for"
            if shuffled
            else "entries that are not the FetchResult Fetcher.fetch returned for their URL",
        )
    expected = {
        **{u: ("status", 404) for u in world.broken},
        **{u: ("error", "connect") for u in [*world.down, world.nowhere]},
        world.moved: ("final_url", world.moved_to),
    }
    for url, (name, value) in expected.items():
        if getattr(results[url], name, None) != value:
            fail(
                f"results[{url!r}] has {name}={getattr(results[url], name, None)!r}",
                f"{name}={value!r}, as fetch_page reported it",
                "a result rebuilt instead of passed on: return what Fetcher.fetch gave",
            )
    ok = sum(1 for r in results.values() if r.ok)
    wanted = len(world.pages) + len(world.slow) + 1
    if ok != wanted:
        fail(
            f"{ok} results are .ok",
            f"{wanted}: every page of the site (and {world.moved}, after its redirect)",
            "results rebuilt instead of passed on: return what Fetcher.fetch gave for each URL",
        )


@pytest.mark.timeout(SMALL_RUN_TIMEOUT)
async def test_at_most_k_in_flight_per_fetcher(crawl, kata, log):
    run = judged(crawl)
    total, per_who = _peaks(run)
    over = {who: peak for who, peak in per_who.items() if peak > LIMIT}
    if over:
        worst = max(over.values())
        fail(
            f"a fetcher had {worst} requests in flight at once (limit {LIMIT}); per fetcher: "
            f"{sorted(per_who.values(), reverse=True)}, {total} in the whole pool",
            f"never more than {LIMIT} in flight on any one fetcher; its other URLs wait",
            # The pool never went over N x K while one fetcher did: what was counted is the
            # whole pool's requests (a README-only answer was told "an off-by-one" here).
            "the limit kept for the whole pool, not for each fetcher: one counter of "
            f"actors x limit = {ACTORS * LIMIT} (a Semaphore in fetch_all) lets a fetcher take "
            "the slots the others are not using. The limit lives in the fetcher: a "
            "Semaphore(limit) made in its __init__, or .options(max_concurrency=limit)"
            if total <= ACTORS * LIMIT
            else "an off-by-one: one request too many let through (`>` where `>=` belongs, or "
            "Semaphore(limit + 1))"
            if worst == LIMIT + 1
            else [
                "no limit in the fetcher: an async actor runs every call it receives at once "
                "(up to 1000). Guard fetch_page with an asyncio.Semaphore(limit) made in "
                "__init__, or create the Fetchers with .options(max_concurrency=limit)",
                "a semaphore made inside fetch: each call gets a fresh one and passes it; make "
                "ONE in __init__ and share it",
            ],
            run.picture(),
        )
    require_a_crawl(run)
    small = await small_run(kata, log)
    if max(small.per_who.values(), default=0) > SMALL_LIMIT:
        fail(
            f"{small.call}: a fetcher had {max(small.per_who.values())} requests in flight at "
            f"once; per fetcher: {sorted(small.per_who.values(), reverse=True)}",
            f"never more than limit={SMALL_LIMIT} on any one fetcher (the main run's limit "
            f"was {LIMIT}, and there it held)",
            "the limit written as a number instead of read from `limit`: make the "
            "Semaphore (or max_concurrency) from the `limit` each Fetcher is created with",
        )


async def test_the_pool_fills_n_times_k(crawl):
    run = judged(crawl)
    if run.raised is None and not run.unfinished:
        if run.cut_short or run.barrier.get("broken"):
            fail_pool_not_filled(run)
        total, _ = _peaks(run)
        if total < ACTORS * LIMIT:
            fail_pool_not_filled(run)
    require_a_crawl(run)


@pytest.mark.timeout(SMALL_RUN_TIMEOUT)
async def test_exactly_actors_fetchers_share_the_work(crawl, kata, log):
    run = judged(crawl)
    if run.raised is None and not run.unfinished and len(run.created) != ACTORS:
        when = "by the time the crawl was cut short" if run.cut_short else "in the whole crawl"
        fail(
            f"{len(run.created)} Fetcher(s) were created {when} (actors={ACTORS})",
            f"exactly {ACTORS} Fetchers, created at the start, sharing the work",
            "`actors` ignored: create exactly `actors` Fetchers (`[Fetcher.remote(site, hits, "
            "limit) for _ in range(actors)]`) and spread the URLs over all of them",
            run.picture(),
        )
    require_a_crawl(run)
    per_who = Counter(h.who for h in run.hits)
    idle = [who for who in run.created if who not in per_who]
    if idle:
        fail(
            f"{len(idle)} of the {ACTORS} fetchers never sent a request (requests per "
            f"fetcher: {sorted(per_who.values(), reverse=True)})",
            f"all {ACTORS} fetchers share the work",
            "the URLs were not spread over all the fetchers: give every fetcher a share (or "
            "workers that take URLs from one shared list)",
            run.picture(),
        )
    small = await small_run(kata, log)
    if small.created != SMALL_ACTORS:
        fail(
            f"{small.call} created {small.created} Fetcher(s)",
            f"exactly actors={SMALL_ACTORS} Fetchers (the main run's {ACTORS} were right)",
            "the pool size written as a number instead of read from `actors`: create "
            "`actors` Fetchers (`for _ in range(actors)`)",
        )


def _stalls(run: Run) -> list[float]:
    """Pauses of STALL s or more between one request start and the next, from the moment the
    barrier opened to the last start. A pool that keeps its slots busy starts a request
    whenever a slot frees (every few hundredths of a second here); waves of N x K start
    nothing while each wave's slow page finishes."""
    opened = run.barrier["opened_at"]
    starts = sorted(h.start for h in run.hits if h.start >= opened - 0.01)
    return [b - a for a, b in itertools.pairwise(starts) if b - a >= STALL]


async def test_elapsed_is_near_the_ideal(crawl):
    run = judged(crawl)
    require_a_crawl(run)
    opened = run.barrier["opened_at"]
    last = max(h.end for h in run.hits if h.end is not None)
    elapsed = last - opened
    ideal = run.world.ideal()
    bound = ELAPSED_FACTOR * ideal + ELAPSED_MARGIN
    # Over the bound AND the server idle while URLs waited: waves, not a loaded machine.
    stalls = _stalls(run)
    if elapsed > bound and len(stalls) >= STALLS:
        fail(
            f"once all {ACTORS} fetchers were busy, the crawl took {elapsed:.2f} s more, with "
            f"{len(stalls)} pauses of {STALL:g} s or more (longest {max(stalls):.2f} s) in "
            "which no new request started, while URLs were still waiting",
            f"near the ideal {ideal:.2f} s for {ACTORS * LIMIT} slots (at most {bound:.2f} s): "
            f"{len(run.world.urls)} URLs, most {LATENCY} s, {len(run.world.slow)} of "
            f"{SLOW_LATENCY} s",
            "the URLs were sent in waves of N x K and each wave waited for its slowest page "
            "before the next began. Keep every slot busy: send everything at once and let each "
            "fetcher's limit queue the rest, or let N x K workers take the next URL as soon as "
            "they finish one",
            run.picture(),
        )


async def test_every_fetcher_is_closed(crawl):
    run = judged(crawl)
    require_a_crawl(run)
    closed = set(run.fetchers.get("closed", []))
    never = [who for who in run.created if who not in closed]
    if never:
        fail(
            f"{len(never)} of the {len(run.created)} fetchers "
            f"{'was' if len(never) == 1 else 'were'} not closed when {run.call} "
            "returned: their close() never finished",
            "`await fetcher.close.remote()` on every fetcher before it is killed: close() "
            "ends its HTTP session (a killed actor's session is never closed, and its "
            "connections are dropped mid-way) and sends its last hit events",
            "close() not awaited on every fetcher before fetch_all returned (or killed it): "
            "await asyncio.gather(*(f.close.remote() for f in pool)), then ray.kill them",
        )

    async def gone() -> bool:
        return not await asyncio.to_thread(actors_not_dead, run.created)

    if not await wait_until(gone, within=GONE_WITHIN, interval=0.1):
        left = await asyncio.to_thread(actors_not_dead, run.created)
        fail(
            f"{len(left)} of the {len(run.created)} fetchers {'was' if len(left) == 1 else 'were'} "
            f"still alive {GONE_WITHIN:.0f} s after {run.call} returned",
            "every fetcher killed once it is closed: nothing of the pool outlives fetch_all",
            "the fetchers closed but never killed, and their handles kept (in a global, a "
            "class attribute or a cache), so Ray cannot end them either: `ray.kill` each one "
            "after its close()",
        )


async def test_fetch_all_keeps_the_event_loop_free(crawl):
    run = judged(crawl)
    during = f"{run.call} ran in it"
    # A freeze not caught in a blocking call is also what a crowded machine does to the
    # test's loop (measured: 1-2 s pauses at a load average of 25 on 2 cores): scale by the load.
    crowding = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    run.heartbeat.assert_loop_stayed_free(
        during, caught_limit=MAX_FREEZE, limit=MAX_FREEZE * crowding
    )
