"""Kata 26 · Distributed crawl: the tests your code must pass.

Your crawl() runs on generated sites (dojo.web.generate_site) whose facts say exactly what a
correct crawl requests. The fake web's hit log is the witness: every request as the server
saw it, when, and from which fetcher (the `who` of a hit is the fetcher's name).

The first four tests share ONE crawl of a 200-page, 4-host site (it runs in whichever of them
comes first); the last one runs its own crawl and kills a fetcher in the middle of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
import ray
from yarl import URL

from dojo import NotDoneYet
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timeline import Interval, render
from dojo.harness.waiting import wait_until
from dojo.web import HitLog, Resource, Response, generate_site
from dojo.web.hits import Hit, peak_in_flight_of

pytestmark = pytest.mark.timeout(300)

DOMAINS = ["example.test"]
NO_LIMITS = {"max_depth": 50, "max_pages": 100_000}  # the whole site: any order finds it all
FETCHERS = 2
PER_FETCHER = 3
DELAY = 0.05  # seconds between two requests to one host
GAP_TOLERANCE = 0.5  # measured gaps may be this fraction of DELAY (clocks, scheduling)
FACTOR = 4.0  # generous: the crawl may take this many times the lower bound
SLOW_START = 0.8  # the start page answers this late: meanwhile nothing else is queued
# Only turns a hang into a lesson: a crawl takes ~6 s here, the slowest wrong answer (one lane
# alone) ~15 s, and a machine running many Ray sessions at once can make either 10x slower.
CRAWL_WITHIN = 240.0

# The shared crawl's site. Its start page is slowed down: while it is fetched the queue is
# empty, so every other worker finds nothing to do at first.
LATENCY = 0.02  # the site's mean answer time
_site, FACTS = generate_site(pages=200, hosts=4, latency=LATENCY, seed=26)
_start = _site.lookup(FACTS.start).responses[0]
SITE = _site.merged(
    Resource(FACTS.start, (Response(body=_start.body, latency=SLOW_START),)),
)
EXPECTED = FACTS.expected_crawl()

# The kill test's site.
KILL_SITE, KILL_FACTS = generate_site(pages=120, hosts=4, latency=0.02, seed=27)
KILL_EXPECTED = KILL_FACTS.expected_crawl()
KILL_AT = 0.3  # kill a fetcher once this fraction of the requests was served
STALL = 15.0  # seconds without a new request: the crawl is stuck (generous: a busy machine)


@pytest.fixture(scope="module")
def log(ray_cluster):
    hit_log = HitLog.remote()
    yield hit_log
    with contextlib.suppress(Exception):
        ray.kill(hit_log)


@pytest.fixture
def started_fetchers():
    """Every fetcher a crawl reports through on_started, killed when the test ends (the
    crawl kills its own actors; this is in case it could not)."""
    seen: dict[str, Any] = {}
    yield seen
    for handle in seen.values():
        with contextlib.suppress(Exception):
            ray.kill(handle)


# -- running a crawl -------------------------------------------------------------------------


@dataclass
class Crawled:
    report: Any
    hits: list[Hit]
    fetchers: list[str]  # names given to on_started
    elapsed: float  # from on_started to the crawl's return


_shared: dict[str, Crawled | BaseException] = {}


def _crawl_raised(error: BaseException, call: str, when: str) -> None:
    """An error out of crawl() (other than NOT DONE YET) as a lesson."""
    if isinstance(error, NotDoneYet) or not isinstance(error, Exception):
        raise error
    cause = getattr(error, "cause", None) or error
    if isinstance(cause, NotDoneYet):
        raise cause
    fail(
        f"{call} raised {type(cause).__name__} {when}: "
        f"{str(cause).strip().splitlines()[-1][:200] if str(cause).strip() else ''}",
        "a CrawlReport",
        "an error inside an actor method comes out of the call awaiting it; a fetcher that "
        "died comes out as RayActorError from its work() call: catch that one, give back "
        "what it held (frontier.release_worker, the gate's origins) and go on with the others",
    )


def _check_report(kata, report: Any) -> None:
    if not isinstance(report, kata.CrawlReport):
        fail(
            f"crawl() returned {report!r:.200}",
            "a CrawlReport (the frontier's report() makes one)",
            "return `await frontier.report.remote(elapsed)` once the frontier is finished",
        )


def _check_names(fetchers: dict, hits: list[Hit], call: str) -> None:
    if not fetchers:
        fail(
            f"{call} never called on_started",
            "on_started({name: fetcher handle, ...}) once every fetcher is up",
            "call on_started(dict_of_fetchers) after the actors are ready, before the work",
        )
    strangers = sorted({h.who for h in hits} - set(fetchers) - {"gatekeeper"})
    if strangers and not any(h.who in fetchers for h in hits):
        fail(
            f"the hit log's requests came from {strangers[:3]}, none from the fetchers given "
            f"to on_started ({sorted(fetchers)})",
            "the keys of on_started's dict are the fetchers' names, as their requests carry",
            "create each fetcher with the name you give on_started (WebClient passes it to "
            "the fake web as the `who` of its requests)",
        )


async def _all_hits(log, at_least: int) -> list[Hit]:
    """The log, once at least `at_least` requests landed (a correct crawl's are all there
    when it returns: WebClient.get waits for it) or 3 s passed."""
    await log.wait_for.remote(at_least, within=3.0, finished_only=False)
    return await log.hits.remote()


async def _crawl_shared(kata, log) -> Crawled:
    key = kata.__name__
    if key not in _shared:
        try:
            _shared[key] = await _run_shared(kata, log)
        except BaseException as error:  # NOT DONE YET, a failed check: the same for every test
            _shared[key] = error
    outcome = _shared[key]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def _run_shared(kata, log) -> Crawled:
    await log.clear.remote()
    fetchers: dict[str, Any] = {}
    began: list[float] = []

    def on_started(handles):
        fetchers.update(handles)
        began.append(time.monotonic())

    call = (
        f"crawl(<200 pages, 4 hosts>, fetchers={FETCHERS}, per_fetcher={PER_FETCHER}, "
        f"delay={DELAY})"
    )
    try:
        crawling = finishes_within(
            kata.crawl(
                SITE,
                log,
                FACTS.start,
                allowed_domains=DOMAINS,
                fetchers=FETCHERS,
                per_fetcher=PER_FETCHER,
                delay=DELAY,
                on_started=on_started,
                **NO_LIMITS,
            ),
            CRAWL_WITHIN,
            call,
        )
        try:
            report = await crawling
        except Exception as error:
            _crawl_raised(error, call, "")
        ended = time.monotonic()
    finally:
        for handle in fetchers.values():
            with contextlib.suppress(Exception):
                ray.kill(handle)
    hits = await _all_hits(log, len(EXPECTED.requested))
    _check_names(fetchers, hits, call)
    _check_report(kata, report)
    return Crawled(report, hits, sorted(fetchers), ended - began[0])


def _path(url: str) -> str:
    return URL(url).path_qs


def _picture(hits: list[Hit], title: str) -> str:
    rows = [
        Interval(f"{h.who[-9:]:>9} {_path(h.url)}", h.start, h.end, h.outcome)
        for h in sorted(hits, key=lambda h: h.start)
    ]
    return render(rows, title)


# -- the shared crawl -----------------------------------------------------------------------


async def test_every_page_is_fetched_exactly_once(kata, log):
    crawled = await _crawl_shared(kata, log)
    hits, report = crawled.hits, crawled.report
    requested = Counter(h.url for h in hits)
    offsite = sorted(u for u in requested if URL(u).host not in FACTS.hosts)
    if offsite:
        fail(
            f"the crawl requested {len(offsite)} URL(s) outside the site, e.g. {offsite[0]}",
            f"nothing outside allowed_domains={DOMAINS}",
            "fetching every link found: the frontier skips off-domain links when they are "
            "offered (give it allowed_domains)",
        )
    forbidden = sorted(set(requested) & set(FACTS.disallowed))
    if forbidden:
        fail(
            f"the crawl requested {len(forbidden)} page(s) robots.txt disallows, e.g. "
            f"{forbidden[0]}",
            "every leased URL checked against its origin's robots.txt first; a disallowed "
            "one is reported skipped ('robots') and never requested",
            "fetching without asking the robots.txt rules (RobotsCache.allowed)",
        )
    missing = sorted(EXPECTED.requested - set(requested))
    if missing:
        fail(
            f"{len(missing)} of the {len(EXPECTED.requested)} URLs a correct crawl requests "
            f"were never requested, e.g. {missing[:3]}",
            "every page reachable from the start, robots.txt of each host, every broken link "
            "and redirect hop, each requested once",
            "ending the crawl early (when the queue is momentarily empty instead of when the "
            "frontier is finished), or not reporting each visit (and its links) with "
            "frontier.done",
        )
    extra = sorted(set(requested) - EXPECTED.requested)
    if extra:
        fail(
            f"the crawl requested {len(extra)} URL(s) a correct crawl does not, e.g. {extra[:3]}",
            "only the URLs reachable by links and redirect hops from the start",
            "following links of pages that are not HTML, or letting aiohttp follow redirects "
            "(use the given WebClient.get: fetch_page does not follow them)",
        )
    twice = {u: n for u, n in requested.items() if n > 1}
    if twice:
        url = sorted(twice, key=lambda u: -twice[u])[0]
        whos = sorted({h.who for h in hits if h.url == url})
        robots = [u for u in twice if u.endswith("/robots.txt")]
        likely = (
            "a RobotsCache in each fetcher: each one fetches every host's robots.txt. The "
            "rules must be shared by all fetchers (one actor owns them, like the gate)"
            if robots
            else "a URL leased twice (released while its fetcher was alive?) or a redirect "
            "target fetched both through the redirect and as a link"
        )
        fail(
            f"{len(twice)} URL(s) were requested more than once: {url} {twice[url]} times, "
            f"by {whos}",
            "each URL once, over the whole crawl and all fetchers",
            likely,
            _picture([h for h in hits if h.url in twice][:16], "the repeated requests"),
        )
    not_fetched = sorted(u for u in EXPECTED.pages if report.outcomes.get(u) is None)
    if not_fetched:
        fail(
            f"{len(not_fetched)} fetched pages are missing from the report, e.g. {not_fetched[0]}",
            "every page in report.outcomes",
            "return the frontier's report() after the crawl is finished",
        )
    wrong = {u: report.outcomes[u] for u in EXPECTED.pages if report.outcomes[u].kind != "fetched"}
    if wrong:
        url, outcome = next(iter(wrong.items()))
        fail(
            f"the report says {url} was {outcome.kind} ({outcome.reason})",
            "fetched: it answered 200",
            "report each visit with digest(result) (the given summary of a FetchResult)",
        )


async def test_every_discovered_url_is_accounted_for(kata, log):
    crawled = await _crawl_shared(kata, log)
    report, hits = crawled.report, crawled.hits
    kinds = report.counts_by_kind()
    if report.discovered != len(report.outcomes) or set(kinds) - {"fetched", "failed", "skipped"}:
        open_urls = report.discovered - len(report.outcomes)
        fail(
            f"the report discovered {report.discovered} URLs and accounts for "
            f"{len(report.outcomes)} ({kinds}): {open_urls} were still queued or leased",
            "discovered == fetched + failed + skipped: the crawl ends only when nothing is "
            "queued and nothing is being fetched",
            "returning before frontier.finished() is True (an empty queue while pages are in "
            "flight is not the end)",
        )
    no_reason = [u for u, o in report.outcomes.items() if not o.reason]
    if no_reason:
        fail(
            f"{len(no_reason)} outcomes have no reason, e.g. {no_reason[0]}",
            "every fetched, failed or skipped URL says why",
            "report visits with digest(result) or Visit.skipped(url, reason)",
        )
    served = {h.url for h in hits if not h.url.endswith("/robots.txt")}
    answered = set(report.fetched) | set(report.failed)
    unseen = sorted(answered - served)
    if unseen:
        fail(
            f"the report says {len(unseen)} URL(s) were fetched or failed that the server "
            f"never saw, e.g. {unseen[0]}",
            "fetched/failed only for URLs that were requested",
            "reporting a visit without fetching it (fetch with WebClient.get)",
        )
    unreported = sorted(served - answered)
    if unreported:
        fail(
            f"{len(unreported)} URL(s) the server answered are not fetched/failed in the "
            f"report, e.g. {unreported[0]}",
            "every requested URL in the report as fetched or failed",
            "report every visit with frontier.done(name, digest(result))",
        )
    checks = [
        ("disallowed by robots.txt", FACTS.disallowed, "skipped", "robots"),
        ("broken links", sorted(EXPECTED.broken), "failed", "404"),
        ("redirects", sorted(EXPECTED.redirected), "fetched", "redirect"),
        ("off-site links", _offsite_found(), "skipped", "off-domain"),
    ]
    for what, urls, kind, reason in checks:
        for url in urls:
            got = report.outcomes.get(url)
            if got is None or got.kind != kind or reason not in got.reason:
                fail(
                    f"{what}: the report says {url} is {got!r}",
                    f"{kind}, with a reason saying '{reason}'",
                    "a disallowed URL is reported with Visit.skipped(url, 'robots'); the rest "
                    "comes from digest(result) and the frontier",
                )


def _offsite_found() -> list[str]:
    return sorted(
        {link for page in EXPECTED.pages for link in FACTS.links[page] if link in FACTS.offsite}
    )


async def test_politeness_holds_across_fetchers(kata, log):
    crawled = await _crawl_shared(kata, log)
    by_host: dict[str, list[Hit]] = defaultdict(list)
    for hit in crawled.hits:
        by_host[hit.host].append(hit)
    for host, hits in sorted(by_host.items()):
        hits.sort(key=lambda h: h.start)
        peak = peak_in_flight_of(hits)
        gaps = [(b.start - a.start, a, b) for a, b in itertools.pairwise(hits)]
        gap, first, second = min(gaps, key=lambda g: g[0]) if gaps else (DELAY, None, None)
        if peak > 1 or gap < DELAY * GAP_TOLERANCE:
            at = hits.index(second)
            around = hits[max(0, at - 6) : at + 6]
            same = first.who == second.who
            fail(
                f"{host}: {peak} requests in flight at once; two requests started "
                f"{gap:.3f} s apart ({_path(first.url)} by {first.who}, {_path(second.url)} "
                f"by {second.who})",
                f"one request at a time per host, starts at least {DELAY} s apart, whichever "
                "fetchers send them",
                "a politeness gate in each fetcher: it spaces its own requests but knows "
                "nothing of the other fetchers'. The gate must be shared (one actor owns it, "
                "every fetcher asks it) or each host must belong to one fetcher only"
                if not same
                else "not waiting for the time the gate gives (sleep until start_at), or "
                "leaving the gate before the answer is in",
                _picture(around, f"requests to {host} around the closest two"),
            )


async def test_fetchers_work_side_by_side(kata, log):
    crawled = await _crawl_shared(kata, log)
    names = crawled.fetchers
    mine = [h for h in crawled.hits if h.who in names]
    per_fetcher = Counter(h.who for h in mine)
    peaks = peak_in_flight_of(mine, by="who")
    idle = [name for name in names if per_fetcher[name] == 0]
    after_start = sorted((h for h in mine if h.url != FACTS.start), key=lambda h: h.start)
    picture = _picture(after_start[:16], "the first requests after the start page")
    if idle:
        busy = max(per_fetcher, key=per_fetcher.get) if per_fetcher else "nobody"
        if per_fetcher and peaks.get(busy, 0) <= 1:
            fail(
                f"{busy} did all {per_fetcher[busy]} requests, one at a time; {idle} did none",
                f"{FETCHERS} fetchers x {PER_FETCHER} lanes, all working until the crawl is over",
                "lanes that stop when lease() comes back empty: while the (slow) start page "
                "was fetched nothing else was queued, so every other lane quit at once. "
                "An empty queue is not the end: wait a moment and ask again, until "
                "frontier.finished() says nothing is queued AND nothing is leased",
                picture,
            )
        fail(
            f"{busy} did all {per_fetcher.get(busy, 0)} requests; {idle} did none",
            f"all {FETCHERS} fetchers working at the same time",
            "fetchers started one after another: awaiting one fetcher's work before "
            "starting the next. Start every fetcher's work, then await them together "
            "(asyncio.wait / gather)",
            picture,
        )
    over = {name: peak for name, peak in peaks.items() if peak > PER_FETCHER}
    if over:
        fail(
            f"fetchers had {over} requests in flight at once",
            f"at most per_fetcher={PER_FETCHER} per fetcher",
            "no limit per fetcher: run per_fetcher lanes (or a Semaphore(per_fetcher))",
            picture,
        )
    if max(peaks.values()) < 2:
        fail(
            f"each fetcher had at most {max(peaks.values())} request in flight at a time",
            f"up to per_fetcher={PER_FETCHER} at once in each fetcher",
            "one URL at a time in each fetcher: run per_fetcher lanes concurrently "
            "(asyncio.gather) inside it",
            picture,
        )
    total = peak_in_flight_of(mine)
    if total < FETCHERS:
        fail(
            f"at most {total} request(s) of the fetchers were in flight at once",
            f"at least {FETCHERS} at some moment: {FETCHERS} fetchers x {PER_FETCHER} lanes "
            "on 4 hosts",
            "fetchers or lanes taking turns: start them all, then await them together",
            picture,
        )
    together = _overlap(mine, names)
    if together < 0.5:
        fail(
            f"the fetchers were all at work (between their first and last requests) during "
            f"only {together:.0%} of the crawl",
            "all fetchers working side by side for most of it",
            "fetchers taking turns: start every fetcher's work before awaiting any",
            picture,
        )
    # Per host, one request at a time and `delay` from one answer to the next request: each
    # request after the first costs at least its latency plus the delay.
    per_host_gap = DELAY + LATENCY
    bound = FACTS.lower_bound(FETCHERS * PER_FETCHER, per_host_gap=per_host_gap) + SLOW_START
    # The concurrency itself is proven above, by mechanism. Time is a second check, and on a
    # machine running more than one runnable process per core it stretches: scale by that.
    crowding = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    if crawled.elapsed > FACTOR * bound * crowding:
        fail(
            f"the crawl took {crawled.elapsed:.1f} s (from on_started to its return)",
            f"at most {FACTOR:g} x {bound:.1f} s (x {crowding:.1f} for the machine's load), "
            f"{bound:.1f} s being the lower bound for {FETCHERS} x "
            f"{PER_FETCHER} requests in flight, {DELAY} s from an answer to the next request "
            "on its host",
            "waiting more than the gate asks (sleeping a fixed delay after each request, "
            "polling slowly), or lanes blocked on each other",
            picture,
        )


def _overlap(hits: list[Hit], names: list[str]) -> float:
    """The fraction of the crawl (after the start page) during which every fetcher was at
    work: from its first request to its last."""
    work = [h for h in hits if h.url != FACTS.start]
    if not work:
        return 0.0
    spans = []
    for name in names:
        own = [h for h in work if h.who == name]
        if not own:
            return 0.0
        spans.append((min(h.start for h in own), max(h.end or h.start for h in own)))
    begin, end = min(h.start for h in work), max(h.end or h.start for h in work)
    together = min(b for _, b in spans) - max(a for a, _ in spans)
    return max(0.0, together) / (end - begin) if end > begin else 0.0


# -- a fetcher dies ---------------------------------------------------------------------------


async def test_a_killed_fetcher_loses_nothing(kata, log, started_fetchers):
    await log.clear.remote()
    expected = KILL_EXPECTED
    call = f"crawl(<120 pages>, fetchers={FETCHERS}, ...)"
    task = asyncio.ensure_future(
        kata.crawl(
            KILL_SITE,
            log,
            KILL_FACTS.start,
            allowed_domains=DOMAINS,
            fetchers=FETCHERS,
            per_fetcher=PER_FETCHER,
            delay=DELAY,
            on_started=started_fetchers.update,
            **NO_LIMITS,
        )
    )
    try:
        target = int(KILL_AT * len(expected.requested))

        async def progressed():
            return task.done() or await log.size.remote() >= target

        await wait_until(progressed, within=60, interval=0.05)
        if task.done():
            try:
                task.result()
            except Exception as error:  # NOT DONE YET, or an error: the real story
                _crawl_raised(error, call, "")
            fail(
                f"{call} returned before {target} requests had been served",
                f"a crawl of {len(expected.requested)} requests still running",
                "returning before the frontier is finished",
            )
        _check_names(started_fetchers, await log.hits.remote(), call)
        served = Counter(h.who for h in await log.hits.remote())
        victim = max(started_fetchers, key=lambda name: served[name])
        ray.kill(started_fetchers[victim])
        killed_at = time.time()
        report = await _until_done_or_stalled(task, log, victim, call, expected)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
    _check_report(kata, report)
    hits = await _all_hits(log, len(expected.requested))
    lost = sorted(
        u for u in expected.pages if getattr(report.outcomes.get(u), "kind", None) != "fetched"
    )
    if lost:
        fail(
            f"{victim} was killed mid-crawl and {len(lost)} page(s) never made it into the "
            f"report as fetched, e.g. {lost[:3]}",
            "every page fetched: what the dead fetcher held is leased again to another",
            "dropping a dead fetcher's work: call frontier.release_worker(name) when its "
            "work() call raises RayActorError",
        )
    if report.discovered != len(report.outcomes):
        fail(
            f"after {victim} was killed, the report discovered {report.discovered} URLs but "
            f"accounts for {len(report.outcomes)}",
            "discovered == fetched + failed + skipped",
            "returning before frontier.finished()",
        )
    by_url: dict[str, set[str]] = defaultdict(set)
    for h in hits:
        by_url[h.url].add(h.who)
    twice = {u: n for u, n in Counter(h.url for h in hits).items() if n > 1}
    unexplained = sorted(u for u in twice if victim not in by_url[u])
    if unexplained:
        url = unexplained[0]
        fail(
            f"{url} was requested {twice[url]} times by {sorted(by_url[url])}, none of them "
            f"the killed {victim}",
            "a second request only for URLs the killed fetcher had started (it died before "
            "reporting them: from the server's side they are requested twice)",
            "releasing URLs of a fetcher that is still alive, or dedupe lost after the kill",
            _picture([h for h in hits if h.url == url], f"requests for {url}"),
        )
    after = [h for h in hits if h.start > killed_at and h.who != victim]
    if not after:
        fail(
            f"nobody requested anything after {victim} was killed",
            "the other fetchers finish the crawl",
            "the crawl had already ended (kill too late?)",
        )


async def _until_done_or_stalled(task, log, victim: str, call: str, expected) -> Any:
    """The crawl's result, or a lesson once no request was served for STALL seconds."""
    seen, since = -1, time.monotonic()
    deadline = time.monotonic() + CRAWL_WITHIN
    while time.monotonic() < deadline:
        done, _ = await asyncio.wait([task], timeout=0.5)
        if done:
            try:
                return task.result()
            except Exception as error:
                _crawl_raised(error, call, f"after {victim} was killed")
        size = await log.size.remote()
        if size != seen:
            seen, since = size, time.monotonic()
        elif time.monotonic() - since > STALL:
            hits = await log.hits.remote()
            served = {h.url for h in hits}
            missing = sorted(set(expected.pages) - served)
            held = [h for h in hits if h.who == victim and h.end is None]
            fail(
                f"{victim} was killed; since then nothing new was requested for "
                f"{STALL:.0f} s and {call} never returned. {len(missing)} expected pages "
                f"never requested, e.g. {missing[:2]}",
                "the other fetchers take over what the dead one held, and the crawl ends",
                "a dead fetcher's leases stay leased (frontier.finished() never comes: call "
                "frontier.release_worker(name) when its work() raises RayActorError), or "
                "the origins it held in the politeness gate stay held (free them too)",
                _picture(held or hits[-8:], f"what {victim} was fetching when it died"),
            )
    fail(
        f"{call} was still running after {CRAWL_WITHIN:.0f} s",
        "the crawl ends once the frontier is finished",
        "waiting on something that never comes",
    )
