"""Kata 25 · robots.txt: the tests your code must pass.

Your RobotsCache runs here, in the test's event loop. Its `fetch` asks a Ray actor
(dojo.web.WebWorker, where the fake web runs) to fetch the URL with the kata's given
fetch_page, and the test writes down every URL it was asked for. The fake web's hit log
shows the same requests from the server's side.
"""

import asyncio
import contextlib

import pytest
import ray
from freezegun import freeze_time

from dojo.harness.teach import fail, finishes_within
from dojo.harness.waiting import wait_until
from dojo.web import HitLog, Response, WebWorker, flaky, generate_site, site_from_pages

pytestmark = pytest.mark.timeout(30)

UA = "dojo-crawler/1.0"
TTL = 300.0

# A generated site: robots.txt on every host ("Disallow: /private/" for everyone), and on
# h0 a group for BadBot ("Disallow: /") written BEFORE the "*" group.
SITE, FACTS = generate_site(pages=30, hosts=3, latency=0.005, seed=25)
H0, H1, H2 = (f"http://{h}" for h in FACTS.hosts)


def robots(text: str, latency: float = 0.0) -> Response:
    return Response(content_type="text/plain", body=text, latency=latency)


ALLOW_EVERYTHING = "User-agent: *\nDisallow:\n"
PRIVATE = "User-agent: *\nDisallow: /private/\n"


class Web:
    """The fake web as your cache sees it: a `fetch` that runs the kata's fetch_page in the
    WebWorker actor, a record of every URL it was asked for, and the server's hit log."""

    def __init__(self, kata, log, worker, unlogged: list[int]):
        self.kata, self.log, self.worker = kata, log, worker
        self.asked: list[str] = []
        self.unlogged = unlogged  # requests made since the log was last cleared (all tests)

    async def serve(self, site) -> None:
        """Serve `site` from now on, with an empty hit log. (Hits travel to the log on their
        own, batched: wait until every request made so far has landed, THEN clear.)"""
        await self.worker.load.remote(site)
        await self.log.wait_for.remote(self.unlogged[0], within=5)
        await self.log.clear.remote()
        self.unlogged[0] = 0
        self.asked.clear()

    def fetch(self, timeouts: dict[str, float] | None = None):
        """fetch_page in the WebWorker, with a generous time limit (a busy machine), or the
        one given for a URL in `timeouts`."""

        async def fetch(url: str):
            self.asked.append(url)
            self.unlogged[0] += 1
            limit = (timeouts or {}).get(url, 10.0)
            return await self.worker.run.remote(self.kata.fetch_page, url, timeout=limit)

        return fetch

    def asked_for(self, url: str) -> int:
        return self.asked.count(url)

    async def picture(self) -> str:
        """What the server saw, once every request asked for so far has landed in the log."""
        await self.log.wait_for.remote(len(self.asked), within=5)
        return await self.log.timeline.remote("what the fake web served")


@pytest.fixture(scope="module")
def actors(ray_cluster):
    log = HitLog.remote()
    worker = WebWorker.remote(SITE, log)
    yield log, worker, [0]
    for actor in (worker, log):
        with contextlib.suppress(Exception):
            ray.kill(actor)


@pytest.fixture
async def web(kata, actors):
    web = Web(kata, *actors)
    await web.serve(SITE)
    return web


async def ask(cache, method: str, url: str):
    answer = await finishes_within(getattr(cache, method)(url), 15, f"{method}({url!r})")
    if method == "allowed" and not isinstance(answer, bool):
        fail(
            f"allowed({url!r}) returned {answer!r:.100}",
            "True or False",
            "return what RobotFileParser.can_fetch(user_agent, url) answers",
        )
    return answer


async def check_answers(cache, cases, who: str, web: Web) -> None:
    for url, want in cases:
        got = await ask(cache, "allowed", url)
        if got != want:
            fail(
                f"{who}: allowed({url!r}) answered {got}",
                f"{want}: " + ("nothing forbids it" if want else "robots.txt forbids it"),
                "asking can_fetch with another user agent than ours (or with '*'), or "
                "picking the first group in the file: a robot obeys its own group when the "
                "file has one, else the '*' group",
                await web.picture(),
            )


async def test_disallowed_paths_are_refused_for_our_group(kata, web):
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    cases = [
        (FACTS.start, True),
        (f"{H0}/private/secret.html", False),
        (f"{H1}/private/", False),
        (f"{H1}/privateer.html", True),  # a prefix of a path segment is not the rule
        (f"{H2}/docs/page-1.html", True),
        *[(url, False) for url in FACTS.disallowed],
        *[(url, True) for url in sorted(FACTS.pages)],
    ]
    await check_answers(cache, cases, f"user agent {UA!r}", web)


async def test_each_robot_obeys_its_own_group(kata, web):
    bad = kata.RobotsCache(web.fetch(), "BadBot/2.1", TTL)
    await check_answers(
        bad,
        [
            (f"{H0}/", False),
            (f"{H0}/docs/page-3.html", False),
            (f"{H1}/docs/page-3.html", True),  # h1's robots.txt has no BadBot group
            (f"{H1}/private/x.html", False),
        ],
        "user agent 'BadBot/2.1' (h0's robots.txt: 'User-agent: BadBot' / 'Disallow: /')",
        web,
    )
    ours = kata.RobotsCache(web.fetch(), UA, TTL)
    await check_answers(ours, [(f"{H0}/", True)], f"user agent {UA!r}", web)


async def test_robots_txt_is_fetched_once_per_origin(kata, web):
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    paths = ["/", "/docs/a.html", "/private/b.html", "/blog/c/", "/docs/a.html"]
    for origin in (H0, H1):
        for path in paths:
            await ask(cache, "allowed", origin + path)
    await ask(cache, "crawl_delay", f"{H0}/shop/")
    for origin in (H0, H1):
        url = f"{origin}/robots.txt"
        n = web.asked_for(url)
        if n != 1:
            fail(
                f"{len(paths)} checks on {origin} one after another, and a crawl_delay(), "
                f"fetched {url} {n} times",
                "1: fetched the first time, then answered from the cache",
                "fetching robots.txt at every check: keep each origin's rules (with the time "
                "they expire) in a dict keyed by origin, and look there first",
                await web.picture(),
            )
    others = [u for u in web.asked if not u.endswith("/robots.txt")]
    if others:
        fail(
            f"the cache fetched {others[:3]}",
            "only robots.txt files: the cache answers questions about pages, it never fetches them",
            "fetching the URL asked about instead of its origin's /robots.txt",
        )
    await web.log.wait_for.remote(len(web.asked), within=5)
    hits = await web.log.counts.remote()  # the server saw the same
    assert hits == {f"{H0}/robots.txt": 1, f"{H1}/robots.txt": 1}, hits


async def test_concurrent_first_checks_share_one_fetch(kata, web):
    # robots.txt answers after 0.3 s: every check below starts while the first fetch runs.
    site = site_from_pages(
        {
            "http://busy.test/robots.txt": robots(PRIVATE, latency=0.3),
            "http://calm.test/robots.txt": robots(PRIVATE, latency=0.3),
        }
    )
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    cases = [
        (f"http://{host}/{'private/' if i % 2 else ''}page-{i}.html", not i % 2)
        for host, n in (("busy.test", 20), ("calm.test", 10))
        for i in range(n)
    ]
    answers = await finishes_within(
        asyncio.gather(*(cache.allowed(url) for url, _ in cases)),
        15,
        f"{len(cases)} concurrent allowed() calls",
    )
    fetched = {
        f"http://{host}/robots.txt": web.asked_for(f"http://{host}/robots.txt")
        for host in ("busy.test", "calm.test")
    }
    if any(n != 1 for n in fetched.values()):
        fail(
            f"20 concurrent first checks on http://busy.test and 10 on http://calm.test "
            f"fetched robots.txt {fetched}",
            "1 fetch per origin: the first check starts it, every check that comes while it "
            "runs waits for that same answer",
            "filling the cache only after `await fetch(...)` returns: every check that comes "
            "during the await finds nothing cached and starts a fetch of its own. Record the "
            "fetch in flight BEFORE the first await (an asyncio.Task or Future per origin that "
            "the others await, or an asyncio.Lock per origin and a second look in the cache "
            "once you hold it)",
            await web.picture(),
        )
    wrong = [(url, got) for (url, want), got in zip(cases, answers, strict=True) if got != want]
    if wrong:
        fail(
            f"concurrent checks answered wrongly, e.g. allowed({wrong[0][0]!r}) = {wrong[0][1]}",
            "every waiter gets the rules of the one shared fetch",
            "the callers that waited for the shared fetch must use its result",
        )
    await web.log.wait_for.remote(len(web.asked), within=5)
    assert await web.log.counts.remote() == fetched  # the server saw the same


async def test_a_caller_that_gives_up_does_not_strand_the_others(kata, web):
    site = site_from_pages({"http://slow.test/robots.txt": robots(PRIVATE, latency=0.5)})
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    calls = [asyncio.ensure_future(cache.allowed(f"http://slow.test/p{i}")) for i in range(5)]
    try:
        started = await wait_until(lambda: _started(web, calls), within=10)
        for call in calls:
            if call.done():
                call.result()  # an error (NOT DONE YET...) is the real story
        if not started:
            fail(
                "5 concurrent allowed() calls never fetched http://slow.test/robots.txt",
                "the first check fetches it",
                "allowed() must get the origin's rules through self.fetch",
            )
        await asyncio.sleep(0.05)
        calls[0].cancel()  # the first caller gives up while its fetch is in flight
        done, pending = await asyncio.wait(calls[1:], timeout=10)
        if pending:
            fail(
                f"the first of 5 callers was cancelled while robots.txt was being fetched; "
                f"10 s later {len(pending)} of the other 4 were still waiting",
                "the others still get their answer (the fetch they wait for goes on)",
                "the fetch belongs to the first caller: when it is cancelled, the Future the "
                "others wait for is never resolved. Run the fetch as its own asyncio.Task and "
                "have every caller await it through asyncio.shield (or use a Lock per origin: "
                "a cancelled holder releases it, the next waiter fetches)",
                await web.picture(),
            )
        errors = [c.exception() for c in done if c.exception() is not None]
        if errors:
            fail(
                f"after the first caller was cancelled, another caller got {errors[0]!r:.150}",
                "True: the others still get their answer",
                "one caller's cancellation reached the fetch the others were waiting for: "
                "await it through asyncio.shield",
            )
        answers = [c.result() for c in calls[1:]]
        assert answers == [True] * 4, answers
    finally:
        for call in calls:
            call.cancel()


async def _started(web: Web, calls) -> bool:
    return bool(web.asked) or any(call.done() for call in calls)


async def test_answer_expires_after_ttl(kata, web):
    origin = "http://ttl.test"
    before = site_from_pages({f"{origin}/robots.txt": robots("User-agent: *\nDisallow: /old/\n")})
    after = site_from_pages({f"{origin}/robots.txt": robots("User-agent: *\nDisallow: /docs/\n")})
    await web.serve(before)
    url = f"{origin}/docs/guide.html"
    with freeze_time("2031-05-01 12:00:00", real_asyncio=True) as clock:
        cache = kata.RobotsCache(web.fetch(), UA, ttl=TTL)  # default clock: time.time
        first = await ask(cache, "allowed", url)
        await web.worker.load.remote(after)  # the site changes its robots.txt
        clock.tick(TTL - 1)
        fresh = await ask(cache, "allowed", url)
        if web.asked_for(f"{origin}/robots.txt") != 1 or (first, fresh) != (True, True):
            fail(
                f"{TTL - 1:.0f} s after the first check (ttl {TTL:.0f} s), robots.txt had been "
                f"fetched {web.asked_for(f'{origin}/robots.txt')} times; answers {first}, {fresh}",
                "1 fetch, and the cached answer (True) until the ttl is over",
                "expiring too early: rules fetched at time t are good until t + ttl",
            )
        clock.tick(2)
        expired = await ask(cache, "allowed", url)
        again = await ask(cache, "allowed", url)
    n = web.asked_for(f"{origin}/robots.txt")
    if n != 2 or (expired, again) != (False, False):
        fail(
            f"{TTL + 1:.0f} s after the first check (ttl {TTL:.0f} s) robots.txt had been "
            f"fetched {n} time(s) in all, and allowed({url!r}) answered {expired}, then {again}",
            "one new fetch once the ttl is over, and the new rules (Disallow: /docs/ now): "
            "False, False",
            "the cache never expires: store when each origin's rules were fetched (from "
            "self.now(), the clock freezegun moves) and fetch again once now >= that + ttl",
            await web.picture(),
        )


async def test_crawl_delay_is_read_for_our_group(kata, web):
    site = site_from_pages(
        {
            "http://slow.test/robots.txt": robots(
                "User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n\n"
                "User-agent: SlowBot\nCrawl-delay: 7\nDisallow:\n"
            ),
            "http://plain.test/robots.txt": robots(PRIVATE),
            "http://gone.test/": "<p>no robots.txt here",
        }
    )
    await web.serve(site)
    ours = kata.RobotsCache(web.fetch(), UA, TTL)
    slowbot = kata.RobotsCache(web.fetch(), "SlowBot/1.0", TTL)
    cases = [
        (ours, UA, "http://slow.test/docs/", 2.0),
        (slowbot, "SlowBot/1.0", "http://slow.test/docs/", 7.0),
        (ours, UA, "http://plain.test/docs/", None),
        (ours, UA, "http://gone.test/docs/", None),
    ]
    for cache, agent, url, want in cases:
        got = await ask(cache, "crawl_delay", url)
        if got != want or (want is not None and not isinstance(got, float)):
            fail(
                f"crawl_delay({url!r}) for user agent {agent!r} returned {got!r}",
                f"{want!r}: the Crawl-delay of that agent's group, in seconds (a float), or "
                "None when the group sets none (or there is no robots.txt)",
                "reading another group than ours, or not converting: "
                "RobotFileParser.crawl_delay(user_agent) gives an int or None",
            )
    await ask(ours, "allowed", "http://slow.test/private/x")
    if web.asked_for("http://slow.test/robots.txt") != 2:  # once per cache (two caches)
        fail(
            f"two caches fetched http://slow.test/robots.txt "
            f"{web.asked_for('http://slow.test/robots.txt')} times for crawl_delay() and "
            "allowed() calls",
            "once per cache: crawl_delay and allowed share the cached rules",
            "crawl_delay() must use the same cached rules as allowed()",
        )


async def test_missing_robots_txt_allows_everything(kata, web):
    site = site_from_pages(
        {
            "http://open.test/": "<p>no robots.txt: it answers 404",
            "http://gone.test/robots.txt": Response(status=410, content_type="text/plain"),
        }
    )
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    for url in ("http://open.test/", "http://open.test/private/x", "http://gone.test/admin"):
        got = await ask(cache, "allowed", url)
        if got is not True:
            fail(
                f"the robots.txt of {url} answered 404 (or 410), and allowed({url!r}) "
                f"answered {got}",
                "True: a robots.txt that does not exist (any 4xx) forbids nothing",
                "treating every answer other than 200 as 'disallow': RFC 9309 says 4xx means "
                "no rules, 5xx and no answer mean 'assume complete disallow'",
            )
    if web.asked_for("http://open.test/robots.txt") != 1:
        fail(
            f"http://open.test/robots.txt (404) was fetched "
            f"{web.asked_for('http://open.test/robots.txt')} times for 2 checks",
            "once: 'no robots.txt' is an answer too, and it is cached",
            "caching only the answers that had a robots.txt",
        )


async def test_unreachable_robots_txt_disallows_everything_for_now(kata, web):
    site = site_from_pages(
        {
            "http://hang.test/robots.txt": Response(error="timeout", latency=3.0),
            "http://refused.test/robots.txt": Response(error="connect"),
        },
        flaky("http://down.test/robots.txt", 503, then=robots(ALLOW_EVERYTHING)),
    )
    await web.serve(site)
    now = [1000.0]
    fetch = web.fetch(timeouts={"http://hang.test/robots.txt": 0.3})
    cache = kata.RobotsCache(fetch, UA, TTL, clock=lambda: now[0])
    why = {
        "http://down.test": "answered 503",
        "http://hang.test": "did not answer within the fetch's 0.3 s",
        "http://refused.test": "refused the connection",
    }
    for origin, what in why.items():
        for _ in range(2):
            got = await ask(cache, "allowed", f"{origin}/docs/")
            if got is not False:
                fail(
                    f"{origin}/robots.txt {what}, and allowed({origin + '/docs/'!r}) "
                    f"answered {got}",
                    "False: a robots.txt that cannot be read (5xx, timeout, connection "
                    "error) means 'assume complete disallow' (RFC 9309) until we ask again",
                    "treating a failure like a missing robots.txt (404 allows everything; "
                    "503 does not: the site may be overloaded, and our crawl would make it "
                    "worse)",
                    await web.picture(),
                )
        if web.asked_for(f"{origin}/robots.txt") != 1:
            fail(
                f"{origin}/robots.txt {what}, and 2 checks fetched it "
                f"{web.asked_for(f'{origin}/robots.txt')} times",
                "1: the failure is cached for the ttl too (asking a failing server at every "
                "check would hammer it)",
                "caching only successful answers",
            )
    now[0] += TTL + 1  # the injected clock: the ttl is over
    got = await ask(cache, "allowed", "http://down.test/docs/")
    if got is not True or web.asked_for("http://down.test/robots.txt") != 2:
        fail(
            f"after the ttl, allowed('http://down.test/docs/') answered {got}, with "
            f"robots.txt fetched {web.asked_for('http://down.test/robots.txt')} times in all",
            "True, after a second fetch: the server works again and allows everything",
            "the failure must expire like any answer, measured with the injected clock "
            "(self.now())",
            await web.picture(),
        )
