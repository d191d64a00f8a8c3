"""Kata 22 · Frontier: the tests your code must pass.

The test plays the fetchers: "workers" are names (or coroutines) that lease URLs, and
acknowledge them with the links a small site, given as data, has on each page. Nothing is
fetched. Most tests drive a Frontier in this process step by step, so every interleaving
that matters is forced, not hoped for (a lease is out, the queue is empty, a worker dies
holding two URLs). Two tests then drive the Ray actor (FrontierActor) the way a crawl does:
several workers at once, and fifty calls in flight together.
"""

import asyncio
import contextlib
import random
import re
import traceback
from collections import Counter
from types import TracebackType
from typing import NoReturn

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.actors import killed_at_the_end
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail, finishes_within

pytestmark = pytest.mark.timeout(30)

SITE = "http://a.test"
# Starting an actor's worker process takes about a second of CPU, but measured up to 20 s
# when both cores were busy with other Ray sessions: the two tests that start one wait for
# it first, on their own budget, and get a longer overall timeout.
ACTOR_START_WITHIN = 60.0
ACTOR_TEST_TIMEOUT = 100
STATS_KEYS = {"queued", "in_flight", "done", "seen", "skipped_by_depth", "skipped_by_limit"}


# None of the frontier's methods waits for anything: a call that holds the event loop this
# long inside a blocking call (time.sleep) is blocking it; a correct one takes microseconds.
CAUGHT_FREEZE = 0.75


def url(path: str) -> str:
    return f"{SITE}{path}"


def _raised(call: str, error: BaseException, where) -> NoReturn:
    """Fail with a lesson for an error raised inside a frontier method. `where` is the
    traceback (here) or the actor's error text (through Ray)."""
    frames = (
        [frame.f_code.co_name for frame, _ in traceback.walk_tb(where)]
        if isinstance(where, TracebackType)
        else re.findall(r", in (\w+)", where)
    )
    text = str(error).strip().splitlines()[-1][:200] if str(error).strip() else ""
    if isinstance(error, ValueError) and "canonical" in frames:
        likely = (
            "canonical(link) raises ValueError for a link that is not an http(s) page "
            "(mailto:, a broken URL); catch it and ignore the link"
        )
    else:
        likely = f"an error inside the {call.split('(')[0]} method (see the error above)"
    fail(
        f"{call} raised {type(error).__name__}: {text}",
        "an answer: lease a list, done a bool, release_worker an int, finished a bool, stats "
        "a dict",
        likely,
    )


ROOT = url("/")


# -- talking to a frontier -------------------------------------------------------------------


class Driver:
    """Calls one frontier, here or as a Ray actor, checks the shape of every answer, and
    records every lease (worker, url, depth) in order."""

    def __init__(self, frontier, remote: bool = False, loop_rule: bool = False):
        self.frontier = frontier
        self.remote = remote
        # Only the loop rule's own test fails on a freeze not caught in your code: in the
        # others, an uncaught pause is as likely a busy machine as a mistake.
        self.loop_rule = loop_rule
        self.leases: list[tuple[str, str, int]] = []

    async def _call(self, method: str, *args, within: float = 20):
        shown = ", ".join(repr(a) for a in args)
        call = f"{method}({shown})"
        if not self.remote:
            # Under a heartbeat: none of these methods has anything to wait for, so the
            # loop must stay free (a time.sleep inside one would freeze every fetcher).
            try:
                async with Heartbeat() as heart:
                    answer = await finishes_within(getattr(self.frontier, method)(*args), 5, call)
            except NotDoneYet:
                raise
            except Exception as error:
                _raised(call, error, error.__traceback__)
            if self.loop_rule:
                heart.assert_loop_stayed_free(f"{call} ran", caught_limit=CAUGHT_FREEZE)
            else:
                heart.fail_if_caught_blocking(CAUGHT_FREEZE, f"{call} ran", known_call_only=True)
            return answer
        try:
            ref = getattr(self.frontier, method).remote(*args)
            return await finishes_within(ref, within, call)
        except NotDoneYet:
            raise
        except ray.exceptions.RayTaskError as error:
            if isinstance(getattr(error, "cause", None), NotDoneYet):
                raise
            _raised(f"{call} on the actor", error.cause or error, str(error))

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        batch = await self._call("lease", worker, n)
        try:
            pairs = [(u, d) for u, d in batch]
        except (TypeError, ValueError):
            pairs = None
        if (
            not isinstance(batch, list)
            or pairs is None
            or not all(isinstance(u, str) and isinstance(d, int) for u, d in pairs)
        ):
            fail(
                f"lease({worker!r}, {n}) returned {batch!r:.200}",
                "a list of (url, depth) pairs: [('http://a.test/', 0), ...], or []",
                "return a list of (str, int) tuples",
            )
        if len(pairs) > n:
            fail(
                f"lease({worker!r}, {n}) returned {len(pairs)} URLs: {pairs!r:.200}",
                f"at most {n}",
                "take at most n URLs off the queue",
            )
        self.leases += [(worker, u, d) for u, d in pairs]
        return pairs

    async def done(self, worker: str, page: str, links: list[str]) -> bool:
        answer = await self._call("done", worker, page, links)
        if not isinstance(answer, bool):
            fail(
                f"done({worker!r}, {page!r}, ...) returned {answer!r:.100}",
                "True (acknowledged), or False when the worker does not hold that URL",
                "return True at the end of done(), False when the lease is unknown",
            )
        return answer

    async def release_worker(self, worker: str) -> int:
        return await self._call("release_worker", worker)

    async def started(self) -> None:
        """Wait until the actor answers. Its first call waits for Ray to start a worker
        process for it: a second or more of CPU, and far longer on a busy machine. That
        time is not the frontier's, so it gets its own, generous budget."""
        await self._call("finished", within=ACTOR_START_WITHIN)

    async def finished(self) -> bool:
        answer = await self._call("finished")
        if not isinstance(answer, bool):
            fail(
                f"finished() returned {answer!r:.100}",
                "True or False",
                "return a bool: not queued and nothing leased",
            )
        return answer

    async def stats(self) -> dict:
        stats = await self._call("stats")
        if not isinstance(stats, dict) or set(stats) != STATS_KEYS:
            fail(
                f"stats() returned {stats!r:.200}",
                f"a dict with exactly the keys {sorted(STATS_KEYS)}",
                "return the six counts described in README.md",
            )
        return stats

    def leased_urls(self) -> Counter:
        return Counter(u for _, u, _ in self.leases)


def _crawl_mistakes(
    twice: list[str], missing: list[str], strangers: list[str] = (), stats: dict | None = None
) -> str | list[str]:
    """What a shared crawl that leased some pages twice or never, handed out URLs that are
    not the site's pages, or ended with books that disagree, can come from."""
    mistakes = []
    if strangers:
        # A page leased under another spelling is "missing" in its canonical form too.
        mistakes.append(
            "URLs queued as they were found, not in canonical form: offer canonical(link), so "
            "each page has one spelling, and lease what was queued"
        )
    if twice:
        mistakes.append(
            "a URL queued again after it was accepted: remember every URL accepted (its "
            "canonical form) and never queue it again"
        )
        mistakes.append(
            "the books checked, then an `await`, then updated: the actor ran another call in "
            "between, which saw the same books and acted on them too"
        )
    if missing and not strangers:
        mistakes.append(
            "finished() True (or lease() [] taken as the end) while another worker still "
            "fetched: the crawl is over only when nothing is queued and nothing is leased"
        )
    if stats is not None and stats.get("seen", 0) > stats.get("done", 0) and not twice:
        mistakes.append(
            f"seen={stats['seen']} for {stats.get('done')} pages done: URLs counted as "
            "accepted once per page linking to them (the dedupe done when a URL is leased or "
            "fetched, not when it is offered): dedupe at offer time, and count a URL in seen "
            "once"
        )
    if not mistakes:
        mistakes.append(
            "books that disagree with what happened: stats() counts each URL accepted once "
            "(seen), and queued + in_flight + done must always equal seen"
        )
    return mistakes[0] if len(mistakes) == 1 else mistakes


async def _nothing_queued_lease(driver: Driver, worker: str) -> list:
    """lease() when nothing is queued must answer [] at once, not wait for work."""
    try:
        async with asyncio.timeout(2):
            return await driver.lease(worker, 5)
    except TimeoutError:
        fail(
            f"lease({worker!r}, 5) with nothing queued was still waiting after 2 s",
            "[] at once: the worker then asks finished() whether to stop or to try again",
            "lease waits for work to arrive; with one worker, nothing else can ever queue it",
        )


async def crawl_one_by_one(driver: Driver, site: dict[str, list[str]], worker: str = "w1"):
    """One worker: lease one URL, acknowledge it with its links from `site`, repeat until
    lease has nothing and finished() says the crawl is over."""
    for _ in range(500):
        batch = await driver.lease(worker, 1)
        if batch:
            page, _depth = batch[0]
            await driver.done(worker, page, site.get(page, []))
            continue
        if await driver.finished():
            return
        stats = await driver.stats()
        fail(
            f"lease() gave nothing, yet finished() is False: stats() says {stats}",
            "with the only worker idle and nothing queued, the crawl is over: finished() True",
            "finished() must become True once nothing is queued and nothing is leased (and "
            "done() must end the lease)",
        )
    fail(
        "the crawl went on for 500 leases on a site of a few pages",
        "every page leased once, then lease() returns []",
        "URLs are queued again after they were leased or done: remember every URL accepted",
    )


def _stats_problem(stats: dict, want: dict) -> str | None:
    wrong = {k: f"{stats[k]} (want {want[k]})" for k in want if stats[k] != want[k]}
    return ", ".join(f"{k}={v}" for k, v in wrong.items()) or None


@pytest.fixture
def make_actor(kata, ray_cluster):
    """FrontierActor instances for this test, killed when it ends."""
    with killed_at_the_end() as keep:
        yield lambda *args: keep(kata.FrontierActor.remote(*args))


# -- the basics -----------------------------------------------------------------------------


async def test_lease_hands_out_urls_first_in_first_out_with_their_depth(kata):
    about = url("/about")
    f = Driver(kata.Frontier([ROOT, about], 3, 100))
    stats = await f.stats()
    want = {"queued": 2, "in_flight": 0, "done": 0, "seen": 2}
    if problem := _stats_problem(stats, want):
        fail(
            f"right after Frontier([{ROOT!r}, {about!r}], ...), stats() was wrong: {problem}",
            f"{want} plus the skip counters at 0: both seeds queued, at depth 0",
            "offer every seed in __init__, by the same rules as links found later",
        )
    first = await f.lease("w1")
    second = await f.lease("w2", 5)
    if (first, second) == ([(about, 0)], [(ROOT, 0)]):
        fail(
            f"lease('w1') gave {first!r}, then lease('w2', 5) gave {second!r}: the seed "
            "queued last came out first",
            f"[{(ROOT, 0)!r}], then [{(about, 0)!r}]: first in, first out (breadth-first)",
            "taking from the back of the queue (a stack: list.pop() or deque.pop()); take "
            "from the front: deque.popleft()",
        )
    if first != [(ROOT, 0)] or second != [(about, 0)]:
        fail(
            f"lease('w1') gave {first!r}, then lease('w2', 5) gave {second!r}",
            f"[{(ROOT, 0)!r}], then [{(about, 0)!r}]: the seeds in order, at depth 0, up to n "
            "at a time",
            "a first-in-first-out queue (collections.deque: append, popleft) of (url, depth)",
        )
    empty = await _nothing_queued_lease(f, "w3")
    if empty != []:
        fail(
            f"lease('w3', 5) gave {empty!r} with both seeds already leased",
            "[]: every queued URL is leased once",
            "leasing must take the URL off the queue",
        )
    x, y = url("/x"), url("/y")
    acked = await f.done("w1", ROOT, [x, y])
    stats = await f.stats()
    want = {"queued": 2, "in_flight": 1, "done": 1, "seen": 4}
    if not acked or (problem := _stats_problem(stats, want)):
        fail(
            f"after done('w1', {ROOT!r}, [{x!r}, {y!r}]) (which returned {acked}), "
            f"stats() was {stats}",
            f"done() returns True, and {want}: the root is done, /about still out with w2, "
            "/x and /y queued",
            "end w1's lease of the root, count it done, queue each new link",
        )
    batch = await f.lease("w1", 5)
    if batch == [(y, 1), (x, 1)]:
        fail(
            f"lease('w1', 5) gave {batch!r}: the link queued last came out first",
            f"{[(x, 1), (y, 1)]!r}: first in, first out",
            "taking from the back of the queue (a stack); take from the front: deque.popleft()",
        )
    if batch != [(x, 1), (y, 1)]:
        fail(
            f"lease('w1', 5) gave {batch!r}",
            f"{[(x, 1), (y, 1)]!r}: links queued in the order given, one level deeper than "
            "the page they were found on",
            "offer each link at the page's depth + 1 (remember the depth of each lease)",
        )


async def test_lease_with_nothing_queued_answers_at_once(kata):
    f = Driver(kata.Frontier([ROOT], 3, 100), loop_rule=True)
    await f.lease("w1")  # the only URL is now being fetched: nothing is queued
    empty = await _nothing_queued_lease(f, "w2")
    if empty != []:
        fail(
            f"lease('w2', 5) gave {empty!r} while the only URL was leased to w1",
            "[]: nothing is queued",
            "leasing must take the URL off the queue",
        )
    none = Driver(kata.Frontier([], 3, 100), loop_rule=True)
    if await _nothing_queued_lease(none, "w1") != [] or not await none.finished():
        fail(
            "a Frontier made with no seeds did not answer lease() with [] and finished() with True",
            "[] and True: an empty crawl is over before it starts",
            "lease returns [] when nothing is queued; finished() is True when nothing is "
            "queued and nothing is leased",
        )


# -- dedupe ---------------------------------------------------------------------------------


async def test_a_url_offered_twice_is_leased_once(kata):
    a, b, c = url("/a"), url("/b"), url("/c")
    site = {ROOT: [a, b], a: [c, ROOT, b], b: [c, a, c], c: []}
    f = Driver(kata.Frontier([ROOT], 5, 100))
    await f.lease("w1")
    await f.done("w1", ROOT, site[ROOT])
    await f.lease("w1")  # /a
    await f.lease("w2")  # /b: both pages are being fetched at once, and both link to /c
    await f.done("w1", a, site[a])  # links to /c, to the root (done) and to /b (leased)
    await f.done("w2", b, site[b])  # links to /c (queued by now) twice, and to /a (done)
    for _ in range(20):
        batch = await f.lease("w3", 5)
        if not batch:
            break
        for page, _depth in batch:
            await f.done("w3", page, site.get(page, []))
    counts = f.leased_urls()
    twice = {u: n for u, n in counts.items() if n > 1}
    if twice:
        story = "; ".join(
            f"{u} {n} times ("
            + ", ".join(f"{w} at depth {d}" for w, v, d in f.leases if v == u)
            + ")"
            for u, n in twice.items()
        )
        fail(
            f"leased more than once: {story}. /a and /b were fetched at the same time, and "
            "both linked to /c before anyone fetched it; /a also linked back to the root "
            "(done) and to /b (still being fetched)",
            "each URL leased exactly once: /, /a, /b, /c",
            "deduping when a page is fetched (or done) instead of when a link is offered: a "
            "URL that is still queued or being fetched is queued again. Remember every URL "
            "the moment it is accepted, and ignore it whenever it is offered again",
        )
    if set(counts) != {ROOT, a, b, c}:
        fail(
            f"leased {sorted(counts)}",
            f"{sorted([ROOT, a, b, c])}: every page of the site once",
            "queue each new link when a page is acknowledged",
        )


async def test_spellings_of_one_url_are_leased_once(kata):
    page = url("/page")
    spellings = [
        "http://a.test/page",
        "HTTP://A.TEST/page",
        "http://a.test:80/page#top",
        "http://A.test/page#reviews",
    ]
    f = Driver(kata.Frontier(["http://A.TEST", "http://a.test:80/#start"], 5, 100))
    seeds = await f.lease("w1", 5)
    if seeds != [(ROOT, 0)]:
        fail(
            f"Frontier(['http://A.TEST', 'http://a.test:80/#start'], ...) leased {seeds!r}",
            f"[{(ROOT, 0)!r}]: two spellings of one page, queued once, in canonical form",
            "offer each seed as canonical(seed), and dedupe on that",
        )
    await f.done("w1", ROOT, spellings)
    batch = await f.lease("w1", 10)
    if batch != [(page, 1)]:
        fail(
            f"the root linked to /page spelled {len(spellings)} ways {spellings}; "
            f"lease('w1', 10) then gave {batch!r}",
            f"[{(page, 1)!r}]: one page, leased once, as canonical(link)",
            "dedupe on canonical(link), not on the link as written: every spelling of one "
            "page is the same page, and fetching it once per spelling wastes the crawl",
        )


async def test_links_that_are_not_pages_are_ignored(kata):
    real = url("/real")
    not_pages = ["mailto:ada@a.test", "http://[::1", "javascript:void(0)", "ftp://a.test/f"]
    seeds = [ROOT, "mailto:seed@a.test"]
    try:
        f = Driver(kata.Frontier(seeds, 5, 100))
    except NotDoneYet:
        raise
    except Exception as error:
        _raised(f"Frontier({seeds!r}, 5, 100)", error, error.__traceback__)
    await f.lease("w1")
    acked = await f.done("w1", ROOT, [*not_pages, real])
    batch = await f.lease("w1", 10)
    stats = await f.stats()
    if not acked or batch != [(real, 1)] or stats["seen"] != 2:
        fail(
            f"a seed 'mailto:seed@a.test', and the root linking to {not_pages} and {real}: "
            f"done() returned {acked}, lease('w1', 10) then gave {batch!r}, and stats() says "
            f"seen={stats['seen']}",
            f"True, [{(real, 1)!r}] and seen=2 (the root and /real): what canonical() refuses "
            "is not a page, and is neither queued nor counted",
            "a link that canonical() refuses (ValueError) was queued or counted anyway: "
            "ignore it (`except ValueError: return`)",
        )


# -- limits ---------------------------------------------------------------------------------


async def test_depth_limit_stops_the_crawl_at_max_depth(kata):
    a1, a2, b1, b2, c1, c2, d1 = (url(p) for p in ("/a1", "/a2", "/b1", "/b2", "/c1", "/c2", "/d1"))
    site = {ROOT: [a1, a2], a1: [b1], a2: [b1, b2], b1: [c1], b2: [c2], c1: [d1]}
    want = {ROOT: 0, a1: 1, a2: 1, b1: 2, b2: 2}
    f = Driver(kata.Frontier([ROOT], 2, 100))
    await crawl_one_by_one(f, site)
    got = {u: d for _, u, d in f.leases}
    stats = await f.stats()
    if got != want or stats["skipped_by_depth"] != 2:
        shown = (
            f"with max_depth=2, the crawl leased {got} and stats() says "
            f"skipped_by_depth={stats['skipped_by_depth']}"
        )
        expected = (
            f"{want}: the root is depth 0, a link found on a depth-d page is depth d+1, and "
            "nothing deeper than max_depth is queued; skipped_by_depth=2 (/c1 and /c2, "
            "offered once each)"
        )
        deeper = {u: d for u, d in got.items() if u not in want}
        missing = [u for u in want if u not in got]
        wrong_depth = {u: d for u, d in got.items() if u in want and d != want[u]}
        if wrong_depth:
            likely = (
                "the depth of a link is the depth of the page it was found on + 1 (keep each "
                "lease's depth, and use it in done())"
            )
        elif deeper:
            likely = (
                "pages deeper than max_depth were queued: refuse (and count in "
                "skipped_by_depth) every link whose depth is more than max_depth"
            )
        elif missing and all(want[u] == 2 for u in missing):
            likely = (
                "links at a depth equal to max_depth were refused: refuse only a depth "
                "MORE than max_depth (`depth > max_depth`)"
            )
        elif missing:
            likely = "links within max_depth were refused: refuse only depth > max_depth"
        else:
            likely = "count each link refused for its depth in skipped_by_depth (once per offer)"
        fail(shown, expected, likely)
    f0 = Driver(kata.Frontier([ROOT], 0, 100))
    await crawl_one_by_one(f0, site)
    got0, want0 = {u: d for _, u, d in f0.leases}, {ROOT: 0}
    if got0 != want0:
        fail(
            f"with max_depth=0, the crawl leased {got0}",
            f"{want0}: depth 0 is the seeds only",
            "a link found on a seed is depth 1, more than max_depth=0: refuse it",
        )


async def test_a_link_too_deep_may_come_back_shallower(kata):
    s2, a, x = url("/s2"), url("/a"), url("/x")
    f = Driver(kata.Frontier([ROOT, s2], 1, 100))
    await f.lease("w1")  # the root, depth 0
    await f.lease("w2")  # /s2, depth 0: w2 is slow to fetch it
    await f.done("w1", ROOT, [a])  # /a: depth 1
    await f.lease("w1")
    await f.done("w1", a, [x])  # /x found on /a: depth 2, too deep for max_depth=1
    await f.done("w2", s2, [x])  # /x found on the seed /s2: depth 1, allowed
    batch = await f.lease("w3", 5)
    stats = await f.stats()
    if batch != [(x, 1)]:
        story = (
            f"max_depth=1, seeds / and /s2. /a (depth 1) linked to /x while w2 was still "
            f"fetching /s2: /x at depth 2 was refused. Then /s2 (depth 0) linked to /x too, "
            f"at depth 1. lease('w3', 5) gave {batch!r}; stats() says "
            f"skipped_by_depth={stats['skipped_by_depth']}"
        )
        if stats["skipped_by_depth"] == 1:
            likely = (
                "the link refused as too deep was remembered (added to the URLs already seen) "
                "and the second offer, at an allowed depth, was ignored as a duplicate: "
                "remember a URL only once it is accepted, after the depth and page checks"
            )
        else:
            likely = (
                "the second offer was refused for its depth too: a link's depth is the depth "
                "of the page it was found on + 1 (here the seed /s2, depth 0), not the depth "
                "of an earlier offer"
            )
        fail(
            story,
            f"[{(x, 1)!r}]: a shorter path reached /x, so it is crawled at depth 1; "
            "skipped_by_depth=1",
            likely,
        )


async def test_page_limit_counts_every_accepted_url(kata):
    pages = [url(f"/p{i}") for i in range(1, 11)]
    site = {ROOT: pages, **{p: [f"{p}/{j}" for j in range(1, 4)] for p in pages}}
    f = Driver(kata.Frontier([ROOT], 10, 5))
    await crawl_one_by_one(f, site)
    leased = [u for _, u, _ in f.leases]
    want = [ROOT, *pages[:4]]
    stats = await f.stats()
    if leased != want:
        fail(
            f"with max_pages=5, the crawl leased {len(leased)} URLs {leased[:8]}"
            f"{' ...' if len(leased) > 8 else ''}",
            f"exactly 5: {want}",
            "max_pages limits the URLs ever ACCEPTED (queued, leased or done), the seeds "
            "included, and the check counted fewer (the pages fetched so far, or the URLs "
            "still queued) or nothing: compare the number of URLs accepted so far. By the "
            "time 5 pages are done, many more are queued already"
            if len(leased) > len(want)
            else "links refused although fewer than max_pages URLs had been accepted: refuse "
            "only when max_pages URLs were accepted already (`len(seen) >= max_pages`)",
        )
    if stats["seen"] != 5:
        fail(
            f"after the crawl leased exactly {want}, stats() says seen={stats['seen']} "
            f"(skipped_by_limit={stats['skipped_by_limit']})",
            "seen=5: the URLs accepted, and only those (always queued + in_flight + done)",
            "links refused by max_pages were remembered (added to the seen set before the "
            "limit check): remember a URL only once it is accepted"
            if stats["seen"] > 5
            else "add every accepted URL to the seen set",
        )
    if stats["skipped_by_limit"] != 18:
        fail(
            f"with max_pages=5, stats() says skipped_by_limit={stats['skipped_by_limit']}",
            "skipped_by_limit=18 (6 more links on the root, then 3 on each of /p1../p4)",
            "count each link refused by max_pages in skipped_by_limit, once per offer",
        )
    seeds = [url(f"/s{i}") for i in range(3)]
    f2 = Driver(kata.Frontier(seeds, 10, 2))
    stats = await f2.stats()
    if stats["seen"] != 2 or stats["queued"] != 2 or stats["skipped_by_limit"] != 1:
        if stats["seen"] > stats["queued"] and stats["skipped_by_limit"] == 1:
            likely = (
                "the seed refused by max_pages was remembered (counted in seen) although it "
                "was never queued: remember a URL only once it is accepted, after every check"
            )
        elif stats["queued"] == 3:
            likely = "offer the seeds through the same checks as every other link"
        else:
            likely = [
                "the seeds are not offered through the same checks as every other link",
                "a refusal not counted in skipped_by_limit",
            ]
        fail(
            f"Frontier(3 seeds, max_depth=10, max_pages=2) started with stats() {stats}",
            "seen=2, queued=2, skipped_by_limit=1: the seeds count too",
            likely,
        )
    await _check_limit_comes_last(kata)


async def _check_limit_comes_last(kata) -> None:
    """Once max_pages is reached, a link already accepted is still only ignored, and a link
    too deep is still refused by depth: the limit is the last check, and counts only the new
    links it refuses."""
    a, b, c = url("/a"), url("/b"), url("/c")
    f = Driver(kata.Frontier([ROOT], 1, 2))
    (root,) = await f.lease("w1")
    await f.done("w1", root[0], [a, b, ROOT])  # /a accepted (2 of 2), /b refused by the limit
    (page,) = await f.lease("w1")
    await f.done("w1", page[0], [url("/a/deep"), ROOT, a, c])  # 2 known, 2 too deep (depth 2)
    stats = await f.stats()
    got = (stats["skipped_by_depth"], stats["skipped_by_limit"])
    if got != (2, 1):
        fail(
            f"Frontier([root], max_depth=1, max_pages=2): the root's page linked to /a, /b and "
            f"the root; /a's page to /a/deep, the root, /a and /c. stats() then said "
            f"skipped_by_depth={got[0]}, skipped_by_limit={got[1]}",
            "skipped_by_depth=2 (/a/deep and /c, at depth 2), skipped_by_limit=1 (/b): the "
            "links already accepted are ignored, whatever the limit",
            "the page limit checked before the other checks: a link already accepted, or too "
            "deep, was counted as refused by the limit. Check in the README's order: known, "
            "then depth, then the limit"
            if got[1] > 1 and got[0] < 2
            # The depth check ran first: what the limit refused too many were known links.
            else "links already accepted counted as refused by the limit: a link accepted "
            "before is only ignored, before any other check (dedupe when a URL is offered, on "
            "every URL ever accepted, not when it is leased or fetched)"
            if got[1] > 1
            else [
                "a check in another order than the README's (known, then depth, then limit)",
                "a refusal counted in the wrong counter, or not at all",
            ],
        )


# -- termination ----------------------------------------------------------------------------


async def test_not_finished_while_a_lease_is_out(kata):
    found = [url("/a"), url("/b"), url("/c")]
    f = Driver(kata.Frontier([ROOT], 5, 100))
    if await f.finished():
        fail(
            f"finished() said True with {ROOT} still queued",
            "False: there is work waiting",
            "finished() is True only when the queue is empty and nothing is leased",
        )
    await f.lease("w1")
    over_too_soon = await f.finished()
    if over_too_soon:
        await f.done("w1", ROOT, found)
        stats = await f.stats()
        fail(
            f"finished() said True while w1 still held {ROOT} (the queue was empty, one "
            f"lease was out). w1 then acknowledged it with {len(found)} new links, and "
            f"stats() says queued={stats['queued']}: a crawl that stopped at that True would "
            f"have lost {found}",
            "False while any URL is leased: the page being fetched may bring new links",
            "finished() returned True on an empty queue alone. The crawl is over only when "
            "nothing is queued AND nothing is leased (in flight)",
        )
    await f.done("w1", ROOT, found)
    await f.lease("w2")
    await f.lease("w3", 2)
    order = []
    for worker, page in (("w2", found[0]), ("w3", found[1]), ("w3", found[2])):
        order.append((await f.finished(), f"before {worker} acknowledged {page}"))
        await f.done(worker, page, [])
    early = [when for over, when in order if over]
    if early:
        fail(
            f"finished() said True {early[0]}, while it was still leased",
            "False while any URL is leased",
            "finished() must count the URLs in flight, not only the queue",
        )
    if not await f.finished():
        stats = await f.stats()
        fail(
            f"every URL was acknowledged, yet finished() is False: stats() says {stats}",
            "True: nothing queued, nothing leased, the crawl is over",
            "done() must end the lease (forget it, or drop a worker with no URLs left), or "
            "the workers wait forever for a crawl that is already over",
        )


async def test_release_worker_requeues_a_crashed_workers_leases(kata):
    seeds = [url(f"/s{i}") for i in range(1, 5)]
    f = Driver(kata.Frontier(seeds, 5, 100))
    took: list[tuple[str, int]] = []
    leased = asyncio.Event()

    async def doomed_worker():
        took.extend(await f.lease("w1", 2))
        leased.set()
        await asyncio.Event().wait()  # fetching... until the worker dies

    w1 = asyncio.create_task(doomed_worker())
    has_leased = asyncio.ensure_future(leased.wait())
    await asyncio.wait({w1, has_leased}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    has_leased.cancel()
    if w1.done():
        w1.result()  # lease() failed: show why
    w1.cancel()  # the fetcher crashed, holding its two URLs
    with contextlib.suppress(asyncio.CancelledError):
        await w1
    others = await f.lease("w2", 2)
    for page, _ in others:
        await f.done("w2", page, [])
    if await f.finished():
        fail(
            f"finished() said True while w1 (crashed) still held {[u for u, _ in took]}",
            "False: those pages are not done",
            "finished() must count the URLs in flight",
        )
    returned = await f.release_worker("w1")
    stats = await f.stats()
    if returned != len(took) or stats["queued"] != len(took) or stats["in_flight"] != 0:
        if returned == 0 and stats["queued"] == 0:
            likely = (
                "release_worker found none of w1's URLs: lease must record which worker "
                "holds which URL (a dict worker -> {url: depth}); without it a crashed "
                "worker's pages are lost, nobody fetches them, and finished() never becomes "
                "True"
            )
        elif stats["queued"] != len(took):
            likely = "put every (url, depth) the worker held back in the queue"
        else:
            likely = [
                "release_worker must return how many URLs it put back",
                "the released URLs are still counted in flight: forget the worker's leases",
            ]
        fail(
            f"release_worker('w1') returned {returned!r} while w1 held {len(took)} leases "
            f"{[u for u, _ in took]}; stats() then says queued={stats['queued']}, "
            f"in_flight={stats['in_flight']}",
            f"{len(took)}, with both URLs back in the queue and nothing in flight",
            likely,
        )
    again = await f.lease("w2", 5)
    if sorted(again) != sorted(took):
        # The check above saw them back in the queue (stats() queued): if fewer come out,
        # lease() is what drops them.
        fail(
            f"after release_worker('w1'), lease('w2', 5) gave {again!r}, although stats() "
            f"said {len(took)} URLs were queued",
            f"w1's URLs again, with their depth: {sorted(took)!r}",
            "lease() skipping URLs that are in the queue: a lease that drops URLs already "
            "seen (a dedupe at lease time) drops every released one. Dedupe when a URL is "
            "offered, and lease whatever is queued"
            if len(again) < len(took)
            else "put each (url, depth) that w1 held back in the queue, with its own depth",
        )
    late = await f.done("w1", took[0][0], [url("/from-a-ghost")])
    stats = await f.stats()
    if late is not False or stats["done"] != 2 or stats["seen"] != len(seeds):
        fail(
            f"after its lease was released, w1 (a ghost) acknowledged {took[0][0]}, which "
            f"w2 holds now: done() returned {late!r}, and stats() says done={stats['done']}, "
            f"seen={stats['seen']}",
            f"False, done=2, seen={len(seeds)}: the URL is w2's now, and the ghost's links "
            "are ignored",
            "done() accepted an acknowledgement from a worker that does not hold the URL: "
            "look the URL up in THIS worker's leases only"
            if late
            else "done() returned False but still counted the page or offered its links: "
            "when the worker does not hold the URL, change nothing",
        )
    for page, _ in again:
        if not await f.done("w2", page, []):
            fail(
                f"done('w2', {page!r}, []) returned False right after w2 leased it",
                "True",
                "a released URL leased again belongs to its new worker",
            )
    if not await f.finished() or await f.release_worker("nobody") != 0:
        fail(
            f"after every seed was done, finished() is {await f.finished()} and "
            f"release_worker('nobody') returned {await f.release_worker('nobody')}",
            "finished() True, and 0 for a worker that holds nothing",
            "drop each lease when it is acknowledged or released",
        )


# -- through Ray ----------------------------------------------------------------------------

PAGES = 40
# The crawl takes well under a second; this is only how long a broken one may spin.
CRAWL_WITHIN = 20.0


def _site_with_many_spellings() -> tuple[dict[str, list[str]], set[str]]:
    """A site of PAGES pages, each linking to three others in assorted spellings, plus a
    link that is not a page. Returns (site keyed by canonical URL, the pages reachable
    from the root)."""
    spell = [
        lambda p: url(p),
        lambda p: f"HTTP://A.TEST{p}",
        lambda p: f"http://a.test:80{p}#section",
    ]
    site: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    for i in range(PAGES):
        page = ROOT if i == 0 else url(f"/p{i}")
        out = [(i * 7 + 1) % PAGES, (i * 3 + 2) % PAGES, (i + 5) % PAGES]
        paths = ["/" if j == 0 else f"/p{j}" for j in out]
        site[page] = [spell[(i + k) % 3](p) for k, p in enumerate(paths)] + ["mailto:x@a.test"]
        targets[page] = [url(p) for p in paths]
    reachable, todo_ = {ROOT}, [ROOT]
    while todo_:
        for nxt in targets[todo_.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                todo_.append(nxt)
    return site, reachable


@pytest.mark.timeout(ACTOR_TEST_TIMEOUT)
async def test_four_workers_crawl_a_site_through_the_actor_exactly_once(kata, make_actor):
    site, reachable = _site_with_many_spellings()
    f = Driver(make_actor([ROOT], 100, 1000), remote=True)
    await f.started()
    rng = random.Random(22)

    async def worker(name: str) -> None:
        while True:
            batch = await f.lease(name, 2)
            if not batch:
                if await f.finished():
                    return
                await asyncio.sleep(0.005)
                continue
            for page, _depth in batch:
                await asyncio.sleep(rng.random() * 0.004)  # "fetching"
                if not await f.done(name, page, site.get(page, [])):
                    times = f.leased_urls()[page]
                    fail(
                        f"done({name!r}, {page!r}, ...) returned False right after {name} "
                        f"leased {page!r} (leased {times} time(s) so far)",
                        "True: the worker holds that lease, and each URL is leased once",
                        "the same URL was queued and leased more than once: remember every "
                        "URL accepted and never queue it again"
                        if times > 1
                        else "lease must hand out canonical URLs and remember them for "
                        "done(); a URL done() does not recognise stays in flight forever",
                    )

    workers = [asyncio.ensure_future(worker(f"w{i}")) for i in range(4)]
    try:
        async with asyncio.timeout(CRAWL_WITHIN):
            await asyncio.gather(*workers)
    except TimeoutError:
        stats = await f.stats()
        fail(
            f"the 4-worker crawl of a {PAGES}-page site was still going after "
            f"{CRAWL_WITHIN:.0f} s: finished() never said True; stats() says {stats}",
            "every page leased once, then finished() True and the workers stop",
            "a URL stays in flight forever (done() must end the lease), or URLs keep being "
            "queued again (remember every URL accepted)",
        )
    finally:
        for task in workers:
            task.cancel()  # one worker failed: stop the others too
    counts = f.leased_urls()
    twice = sorted(u for u, n in counts.items() if n > 1)
    missing = sorted(reachable - set(counts))
    strangers = sorted(set(counts) - reachable)
    stats = await f.stats()
    n = len(reachable)
    want = {"queued": 0, "in_flight": 0, "done": n, "seen": n}
    if twice or missing or strangers or _stats_problem(stats, want):
        fail(
            f"4 workers crawled {n} reachable pages through the actor: leased twice "
            f"{twice[:4]}, never leased {missing[:4]}, not pages of the site {strangers[:4]}; "
            f"stats() {stats}",
            f"each of the {n} pages leased exactly once, in canonical form, then "
            f"finished(); stats {want} and no skips",
            _crawl_mistakes(twice, missing, strangers, stats),
        )


@pytest.mark.timeout(ACTOR_TEST_TIMEOUT)
async def test_fifty_concurrent_calls_keep_the_books_exact(kata, make_actor):
    seeds = [url(f"/s{i}") for i in range(50)]
    shared = [url(f"/shared{j}") for j in range(10)]
    f = Driver(make_actor(seeds, 5, 1000), remote=True)
    await f.started()  # so that the 50 calls below really are in flight together
    batches = await asyncio.gather(*(f.lease(f"w{i}", 1) for i in range(50)))
    got = Counter(u for batch in batches for u, _ in batch)
    if sorted(got.elements()) != sorted(seeds):
        fail(
            f"50 concurrent lease(n=1) calls on 50 seeds got {sum(got.values())} URLs, "
            f"{len(got)} distinct; given twice: {sorted(u for u, c in got.items() if c > 1)[:3]}",
            "each seed to exactly one caller",
            "an await between reading the queue and taking from it lets another lease take "
            "the same URL: take it off the queue with no await in between",
        )
    acks = await asyncio.gather(
        *(
            f.done(f"w{i}", batch[0][0], [*shared, url(f"/only{i}")])
            for i, batch in enumerate(batches)
        )
    )
    stats = await f.stats()
    want = {"queued": 60, "in_flight": 0, "done": 50, "seen": 110}
    if not all(acks) or _stats_problem(stats, want):
        fail(
            f"after 50 concurrent done() calls (each page linking to the same 10 shared "
            f"pages plus one of its own), {acks.count(False)} returned False and stats() "
            f"says {stats}",
            f"{want}: the 10 shared pages accepted once, the 50 own pages once each; "
            "seen = queued + in_flight + done",
            "the shared pages were queued once per page linking to them: dedupe at offer "
            "time, on every URL ever accepted, not on the pages fetched"
            if stats["queued"] > want["queued"]
            else "a count or a set updated across an await loses updates made by the calls "
            "that ran meanwhile: update the state with no await in between",
        )
    batches = await asyncio.gather(*(f.lease(f"v{i}", 2) for i in range(50)))
    got = Counter(u for batch in batches for u, _ in batch)
    wanted = {*shared, *(url(f"/only{i}") for i in range(50))}
    if set(got) != wanted or max(got.values()) > 1:
        fail(
            f"50 concurrent lease(n=2) calls on 60 queued URLs got {sum(got.values())} URLs, "
            f"{len(got)} distinct",
            "all 60, each to exactly one caller",
            "take URLs off the queue with no await in between",
        )
    if await f.finished():
        fail(
            "finished() said True with 60 URLs leased and not acknowledged",
            "False",
            "count the URLs in flight",
        )
