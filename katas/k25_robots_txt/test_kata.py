"""Kata 25 · robots.txt: the tests your code must pass.

Your RobotsCache runs here, in the test's event loop. Its `fetch` asks a Ray actor
(dojo.web.WebWorker, where the fake web runs) to fetch the URL with the kata's given
fetch_page, and the test writes down every URL it was asked for. The fake web's hit log
shows the same requests from the server's side.
"""

import asyncio
import time

import pytest
from freezegun import freeze_time

from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail, finishes_within
from dojo.harness.waiting import wait_until
from dojo.web import (
    Response,
    flaky,
    generate_site,
    origin,
    site_from_pages,
)
from dojo.web.testing import fake_web

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


def root_robots(url: str) -> str:
    """The one place the rules of url's origin live."""
    return f"{origin(url)}/robots.txt"


class Web:
    """The fake web as your cache sees it: a `fetch` that runs the kata's fetch_page in the
    WebWorker actor, a record of every URL it was asked for (and of how each fetch ended),
    and the server's hit log."""

    def __init__(self, kata, log, worker, unlogged: list[int]):
        self.kata, self.log, self.worker = kata, log, worker
        self.asked: list[str] = []
        self.ended: list[tuple[str, str, float]] = []  # (url, how, time.monotonic())
        self.unlogged = unlogged  # requests made since the log was last cleared (all tests)

    async def serve(self, site) -> None:
        """Serve `site` from now on, with an empty hit log. (Hits travel to the log on their
        own, batched: wait until every request made so far has landed, THEN clear.)"""
        await self.worker.load.remote(site)
        await self.log.wait_for.remote(self.unlogged[0], within=5)
        await self.log.clear.remote()
        self.unlogged[0] = 0
        self.asked.clear()
        self.ended.clear()

    def fetch(self, timeouts: dict[str, float] | None = None):
        """fetch_page in the WebWorker, with a generous time limit (a busy machine), or the
        one given for a URL in `timeouts`."""

        async def fetch(url: str):
            self.asked.append(url)
            self.unlogged[0] += 1
            limit = (timeouts or {}).get(url, 10.0)
            how = "raised"
            try:
                result = await self.worker.run.remote(self.kata.fetch_page, url, timeout=limit)
                how = "returned"
                return result
            except asyncio.CancelledError:
                how = "cancelled"
                raise
            finally:
                self.ended.append((url, how, time.monotonic()))

        return fetch

    def asked_for(self, url: str) -> int:
        return self.asked.count(url)

    @property
    def in_flight(self) -> int:
        return len(self.asked) - len(self.ended)

    def stray(self) -> list[str]:
        """What the cache fetched that is not the robots.txt at the root of an origin."""
        return [url for url in self.asked if url != root_robots(url)]

    async def picture(self) -> str:
        """What the server saw, once every request asked for so far has landed in the log."""
        await self.log.wait_for.remote(len(self.asked), within=5)
        return await self.log.timeline.remote("what the fake web served")


@pytest.fixture(scope="module")
def actors(ray_cluster):
    with fake_web(SITE) as (worker, log):
        yield log, worker, [0]


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


async def no_stray_fetches(web: Web) -> None:
    """Fail if the cache fetched anything but the robots.txt at the root of an origin."""
    stray = web.stray()
    if not stray:
        return
    if stray[0].endswith("/robots.txt"):
        fail(
            f"the cache fetched {stray[0]} (for a page of {origin(stray[0])})",
            f"{root_robots(stray[0])}: the rules of a whole origin live at its root, and "
            "nowhere else",
            "fetching robots.txt next to the page (urljoin(url, 'robots.txt') resolves "
            "against the page's folder): fetch robots_url(origin_of(url))",
            await web.picture(),
        )
    fail(
        f"the cache fetched {stray[:3]}",
        "only robots.txt files: the cache answers questions about pages, it never fetches them",
        "fetching the URL asked about instead of its origin's /robots.txt",
        await web.picture(),
    )


async def check_answers(cache, cases, who: str, web: Web, likely) -> None:
    for url, want in cases:
        got = await ask(cache, "allowed", url)
        if got != want:
            await no_stray_fetches(web)  # rules read from the wrong place explain it all
            fail(
                f"{who}: allowed({url!r}) answered {got}",
                f"{want}: " + ("nothing forbids it" if want else "robots.txt forbids it"),
                likely,
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
    await check_answers(
        cache,
        cases,
        f"user agent {UA!r}",
        web,
        [
            "asking can_fetch for another user agent than self.user_agent",
            "rules_for turning a served (200) robots.txt into something else than "
            "rules_from_text(result.body)",
        ],
    )
    await no_stray_fetches(web)


async def test_each_robot_obeys_its_own_group(kata, web):
    bad = kata.RobotsCache(web.fetch(), "BadBot/2.1", TTL)
    # h1's robots.txt has only the "*" group: BadBot obeys it there.
    star = [(f"{H1}/private/x.html", False), (f"{H1}/docs/page-3.html", True)]
    await check_answers(
        bad,
        star,
        "user agent 'BadBot/2.1' (h1's robots.txt has only a '*' group: Disallow: /private/)",
        web,
        "not answering from the rules of the origin's robots.txt (rules_for a 200: "
        "rules_from_text(result.body))",
    )
    await check_answers(
        bad,
        [(f"{H0}/", False), (f"{H0}/docs/page-3.html", False)],
        "user agent 'BadBot/2.1' (h0's robots.txt: 'User-agent: BadBot' / 'Disallow: /', "
        "then a '*' group that allows /docs/)",
        web,
        # The '*' group was obeyed on h1 (above), so on h0 the robot's own group was not.
        "answering for another user agent than ours (can_fetch('*', url), or a fixed name): "
        "ask can_fetch(self.user_agent, url), so that a robot named in robots.txt obeys its "
        "own group",
    )
    ours = kata.RobotsCache(web.fetch(), UA, TTL)
    await check_answers(
        ours,
        [(f"{H0}/", True)],
        f"user agent {UA!r} (h0's robots.txt: a BadBot group first, then '*')",
        web,
        "applying the first group in the file (BadBot's) to every robot: a robot obeys its "
        "own group if the file has one, else the '*' group",
    )


async def test_robots_txt_is_fetched_once_per_origin(kata, web):
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    paths = ["/", "/docs/a.html", "/private/b.html", "/blog/c/", "/docs/a.html"]
    for host in (H0, H1):
        for path in paths:
            await ask(cache, "allowed", host + path)
    await ask(cache, "crawl_delay", f"{H0}/shop/")
    await no_stray_fetches(web)
    checks = {H0: [*paths, "/shop/"], H1: paths}
    for host, asked in checks.items():
        url = f"{host}/robots.txt"
        n = web.asked_for(url)
        if n == 1:
            continue
        if n == len(asked):
            likely = (
                "fetching robots.txt at every check: keep each origin's rules (with the time "
                "they expire) in a dict keyed by origin_of(url), and look there first"
            )
        elif n == len(set(asked)):
            likely = (
                "keeping the rules per URL: the repeated URL was answered from the cache, every "
                "other page of the site fetched robots.txt again. Key the cache by "
                "origin_of(url): one origin, one robots.txt"
            )
        else:
            likely = [
                "a cache that forgets answers (expiring them at once, or not keyed by origin)",
                "a cache keyed by something else than origin_of(url)",
            ]
        fail(
            f"{len(asked)} checks on {host} one after another ({', '.join(asked)}; the last "
            f"one on h0 a crawl_delay()) fetched {url} {n} times",
            "1: fetched the first time, then answered from the cache",
            likely,
            await web.picture(),
        )
    await web.log.wait_for.remote(len(web.asked), within=5)
    hits = await web.log.counts.remote()  # the server saw the same
    assert hits == {f"{H0}/robots.txt": 1, f"{H1}/robots.txt": 1}, hits


# A loop blocked while robots.txt is fetched pauses as long as the fetch (ROBOTS_LATENCY and
# more): inside a blocking call, a pause past CAUGHT_FREEZE fails.
ROBOTS_LATENCY = 0.8
CAUGHT_FREEZE = 0.4


async def test_concurrent_first_checks_share_one_fetch(kata, web):
    # robots.txt answers after ROBOTS_LATENCY s: every check below starts while the first
    # fetch runs.
    site = site_from_pages(
        {
            "http://busy.test/robots.txt": robots(PRIVATE, latency=ROBOTS_LATENCY),
            "http://calm.test/robots.txt": robots(PRIVATE, latency=ROBOTS_LATENCY),
        }
    )
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    cases = [
        (f"http://{host}/{'private/' if i % 2 else ''}page-{i}.html", not i % 2)
        for host, n in (("busy.test", 20), ("calm.test", 10))
        for i in range(n)
    ]
    async with Heartbeat() as heartbeat:
        answers = await finishes_within(
            asyncio.gather(*(cache.allowed(url) for url, _ in cases)),
            15,
            f"{len(cases)} concurrent allowed() calls",
        )
    heartbeat.assert_loop_stayed_free(
        f"{len(cases)} allowed() calls waited for robots.txt (it answers after {ROBOTS_LATENCY} s)",
        caught_limit=CAUGHT_FREEZE,
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


# Once no fetch is running, the callers still waiting get this long to finish (they only need
# the event loop to pass them the answer: a few milliseconds).
GRACE = 1.5


async def test_a_caller_that_gives_up_does_not_strand_the_others(kata, web):
    url = "http://slow.test/robots.txt"
    site = site_from_pages({url: robots(PRIVATE, latency=0.5)})
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    calls = [asyncio.ensure_future(cache.allowed(f"http://slow.test/p{i}")) for i in range(5)]
    others = calls[1:]
    try:
        started = await wait_until(lambda: _started(web, calls), within=10)
        for call in calls:
            if call.done():
                call.result()  # an error (NOT DONE YET...) is the real story
        if not started:
            fail(
                f"5 concurrent allowed() calls never fetched {url}",
                "the first check fetches it",
                "allowed() must get the origin's rules through self.fetch",
            )
        await asyncio.sleep(0.05)
        calls[0].cancel()  # the first caller gives up while its fetch is in flight

        async def settled() -> bool:
            if all(call.done() for call in others):
                return True
            idle = web.in_flight == 0 and web.ended
            return bool(idle) and time.monotonic() - web.ended[-1][2] > GRACE

        await wait_until(settled, within=15, interval=0.05)
        pending = [call for call in others if not call.done()]
        if pending:
            cancelled_fetch = any(how == "cancelled" for _, how, _ in web.ended)
            fail(
                f"the first of 5 callers was cancelled while {url} was being fetched; "
                f"{len(pending)} of the other 4 were still waiting "
                + (
                    f"{GRACE} s after the last fetch ended (no fetch running any more)"
                    if web.in_flight == 0
                    else "15 s later"
                ),
                "the others still get their answer (the fetch they wait for goes on, or "
                "another one starts)",
                "the fetch ran inside the first caller and was cancelled with it: the Future "
                "the others wait for is never resolved. Run the fetch as its own asyncio.Task "
                "and have every caller await it through asyncio.shield (or use a Lock per "
                "origin: a cancelled holder releases it, the next waiter fetches)"
                if cancelled_fetch
                else [
                    "the others wait for something only the first caller would have completed",
                    "the fetch never ends (it is awaited nowhere, or waits for itself)",
                ],
                await web.picture(),
            )
        cancelled = [call for call in others if call.cancelled()]
        if cancelled:
            fail(
                f"the first of 5 callers was cancelled while {url} was being fetched, and "
                f"{len(cancelled)} of the other 4 ended cancelled too",
                "True for the other 4: one caller giving up does not stop the others' fetch",
                "awaiting the shared Task directly: cancelling a caller that awaits a Task "
                "cancels the Task itself, and every other caller awaiting it. Await it through "
                "asyncio.shield(task)",
            )
        errors = [call.exception() for call in others if call.exception() is not None]
        if errors:
            fail(
                f"after the first caller was cancelled, another caller got {errors[0]!r:.150}",
                "True: the others still get their answer",
                "one caller's cancellation reached the fetch the others were waiting for: "
                "await it through asyncio.shield",
            )
        answers = [call.result() for call in others]
        assert answers == [True] * 4, answers
    finally:
        for call in calls:
            call.cancel()


async def _started(web: Web, calls) -> bool:
    return bool(web.asked) or any(call.done() for call in calls)


# The robots.txt fetch of the TTL test takes this long on the frozen clock: the answer
# arrives TOOK seconds after the fetch started.
TOOK = 100.0


async def test_answer_expires_after_ttl(kata, web):
    robots_txt = "http://ttl.test/robots.txt"
    before = site_from_pages({robots_txt: robots("User-agent: *\nDisallow: /old/\n")})
    after = site_from_pages({robots_txt: robots("User-agent: *\nDisallow: /docs/\n")})
    await web.serve(before)
    url = "http://ttl.test/docs/guide.html"
    fetch = web.fetch()
    with freeze_time("2031-05-01 12:00:00", real_asyncio=True) as clock:
        t0 = time.time()

        async def slow_fetch(asked: str):
            result = await fetch(asked)
            clock.tick(TOOK)  # the answer arrives TOOK s after the fetch started
            return result

        def at(seconds: float) -> None:
            """Move the frozen clock to `seconds` after the first check started."""
            clock.tick(t0 + seconds - time.time())

        cache = kata.RobotsCache(slow_fetch, UA, ttl=TTL)  # default clock: time.time
        first = await ask(cache, "allowed", url)  # fetched from 0 s to TOOK s
        await web.worker.load.remote(after)  # the site changes its robots.txt
        arrived, good_until = TOOK, TOOK + TTL
        for moment in (TTL - 1, TTL + TOOK / 2):
            at(moment)
            fresh = await ask(cache, "allowed", url)
            n = web.asked_for(robots_txt)
            if n == 1 and (first, fresh) == (True, True):
                continue
            if n == 1:
                fail(
                    f"allowed({url!r}) answered {first}, then {fresh} (robots.txt: "
                    "Disallow: /old/)",
                    "True, True",
                    "not answering from the rules robots.txt gave",
                )
            early = moment < TTL
            fail(
                f"the first check fetched {robots_txt}: the fetch started at 0 s and its answer "
                f"arrived at {arrived:.0f} s. At {moment:.0f} s (ttl {TTL:.0f} s) the cache "
                f"fetched it again",
                f"the cached answer until {good_until:.0f} s: the ttl counts from when the "
                "answer arrived",
                "expiring too early: rules that arrive at time t are good until t + ttl"
                if early
                else "counting the ttl from when the fetch started (self.now() read before "
                "the await): take the time when the answer has arrived, after the await",
                await web.picture(),
            )
        at(good_until + 1)
        expired = await ask(cache, "allowed", url)
        again = await ask(cache, "allowed", url)
    n = web.asked_for(robots_txt)
    if n != 2 or (expired, again) != (False, False):
        fail(
            f"the answer arrived at {arrived:.0f} s (ttl {TTL:.0f} s); at {good_until + 1:.0f} s "
            f"robots.txt had been fetched {n} time(s) in all, and allowed({url!r}) answered "
            f"{expired}, then {again}",
            "one new fetch once the ttl is over, and the new rules (Disallow: /docs/ now): "
            "False, False",
            [
                "the cache never expires: store when each origin's rules expire (self.now() + "
                "ttl when they arrive) and fetch again once self.now() >= that",
                "reading the time elsewhere than self.now() (the clock freezegun moves)",
            ]
            if n == 1
            else "fetching again without using the new answer",
            await web.picture(),
        )


async def test_crawl_delay_is_read_for_our_group(kata, web):
    site = site_from_pages(
        {
            "http://slow.test/robots.txt": robots(
                "User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n\n"
                "User-agent: SlowBot\nCrawl-delay: 7\nDisallow:\n\n"
                "User-agent: EagerBot\nDisallow: /private/\n"
            ),
            "http://plain.test/robots.txt": robots(PRIVATE),
            "http://gone.test/": "<p>no robots.txt here",
        }
    )
    await web.serve(site)
    ours = kata.RobotsCache(web.fetch(), UA, TTL)
    slowbot = kata.RobotsCache(web.fetch(), "SlowBot/1.0", TTL)
    eagerbot = kata.RobotsCache(web.fetch(), "EagerBot/3.0", TTL)  # its group sets no delay
    cases = [
        (ours, UA, "http://slow.test/docs/", 2.0),
        (slowbot, "SlowBot/1.0", "http://slow.test/docs/", 7.0),
        (eagerbot, "EagerBot/3.0", "http://slow.test/docs/", None),
        (ours, UA, "http://plain.test/docs/", None),
        (ours, UA, "http://gone.test/docs/", None),
    ]
    for cache, agent, url, want in cases:
        got = await ask(cache, "crawl_delay", url)
        if got == want and (want is None or isinstance(got, float)):
            continue
        if got == want:
            likely = "not converting: RobotFileParser.crawl_delay(user_agent) gives an int"
        elif agent.startswith("EagerBot") and got == 2:
            likely = (
                "falling back to the '*' group's Crawl-delay (2) when our own group sets none: "
                "a robot with its own group obeys that group alone, and EagerBot's sets no "
                "delay (None). RobotFileParser.crawl_delay(self.user_agent) gives exactly that"
            )
        elif agent != UA and got == 2:
            likely = (
                "reading the '*' group's Crawl-delay (2) instead of our own group's: ask "
                "crawl_delay(self.user_agent)"
            )
        else:
            likely = [
                "reading another group than ours: crawl_delay(self.user_agent)",
                "not reading the delay from the origin's cached rules",
            ]
        fail(
            f"crawl_delay({url!r}) for user agent {agent!r} returned {got!r}",
            f"{want!r}: the Crawl-delay of that agent's group, in seconds (a float), or "
            "None when the group sets none (or there is no robots.txt)",
            likely,
        )
    await ask(ours, "allowed", "http://slow.test/private/x")
    if web.asked_for("http://slow.test/robots.txt") != 3:  # once per cache (three caches)
        fail(
            f"three caches fetched http://slow.test/robots.txt "
            f"{web.asked_for('http://slow.test/robots.txt')} times for crawl_delay() and "
            "allowed() calls",
            "once per cache: crawl_delay and allowed share the cached rules",
            "crawl_delay() must use the same cached rules as allowed()",
        )


async def test_missing_robots_txt_allows_everything(kata, web):
    statuses = {"open.test": 404, "gone.test": 410, "login.test": 401, "secret.test": 403}
    site = site_from_pages(
        {
            "http://open.test/": "<p>no robots.txt: it answers 404",
            **{
                f"http://{host}/robots.txt": Response(status=status, content_type="text/plain")
                for host, status in statuses.items()
                if status != 404
            },
        }
    )
    await web.serve(site)
    cache = kata.RobotsCache(web.fetch(), UA, TTL)
    for host, status in statuses.items():
        for url in (f"http://{host}/", f"http://{host}/private/x"):
            got = await ask(cache, "allowed", url)
            if got is True:
                continue
            fail(
                f"http://{host}/robots.txt answered {status}, and allowed({url!r}) answered {got}",
                "True: RFC 9309 calls any 4xx 'unavailable', and an unavailable robots.txt "
                "forbids nothing",
                "treating 401 and 403 as 'disallow all' (what urllib.robotparser's read() and "
                "some old crawlers do; RFC 9309 does not): any 4xx allows everything"
                if status in (401, 403)
                else "treating every answer other than 2xx as 'disallow all': RFC 9309 says "
                "any 4xx means no rules, 5xx and no answer mean 'assume complete disallow'",
            )
    for host, status in statuses.items():
        n = web.asked_for(f"http://{host}/robots.txt")
        if n != 1:
            fail(
                f"http://{host}/robots.txt ({status}) was fetched {n} times for 2 checks",
                "once: 'no robots.txt' is an answer too, and it is cached",
                "caching only the answers that had a robots.txt",
            )


async def test_unreachable_robots_txt_disallows_everything_for_now(kata, web):
    site = site_from_pages(
        {
            "http://hang.test/robots.txt": Response(error="timeout", latency=3.0),
            "http://refused.test/robots.txt": Response(error="connect"),
            "http://broken.test/robots.txt": Response(status=500, content_type="text/plain"),
        },
        flaky("http://down.test/robots.txt", 503, then=robots(ALLOW_EVERYTHING)),
    )
    await web.serve(site)
    now = [1000.0]
    fetch = web.fetch(timeouts={"http://hang.test/robots.txt": 0.3})
    cache = kata.RobotsCache(fetch, UA, TTL, clock=lambda: now[0])
    why = {
        "http://down.test": "answered 503 (and answers 200, allowing everything, from then on)",
        "http://broken.test": "answered 500",
        "http://hang.test": "did not answer within the fetch's 0.3 s",
        "http://refused.test": "refused the connection",
    }
    for host, what in why.items():
        url = f"{host}/docs/"
        for check in (1, 2):
            got = await ask(cache, "allowed", url)
            n = web.asked_for(f"{host}/robots.txt")
            if n > 1:
                fail(
                    f"{host}/robots.txt {what}; {check} checks fetched it {n} times, and the "
                    f"last one answered {got}",
                    "1 fetch: the failure is an answer too, cached for the ttl (asking a "
                    "failing server again at every check would hammer it)",
                    "caching only the answers that could be read: cache the 'disallow all' "
                    "of a failure until now + ttl like any other",
                    await web.picture(),
                )
            if got is not False:
                fail(
                    f"{host}/robots.txt {what}, fetched once, and allowed({url!r}) answered {got}",
                    "False: a robots.txt that cannot be read (5xx, timeout, connection "
                    "error) means 'assume complete disallow' (RFC 9309) until we ask again",
                    "treating a failure (5xx, no answer) like a missing robots.txt: 404 allows "
                    "everything, 5xx does not (the site may be overloaded, and our crawl "
                    "would make it worse)",
                    await web.picture(),
                )
    now[0] += TTL + 1  # the injected clock: the ttl is over
    got = await ask(cache, "allowed", "http://down.test/docs/")
    n = web.asked_for("http://down.test/robots.txt")
    if got is not True or n != 2:
        fail(
            f"after the ttl, allowed('http://down.test/docs/') answered {got}, with "
            f"robots.txt fetched {n} times in all",
            "True, after a second fetch: the server works again and allows everything",
            [
                "a failure cached for ever: it expires like any answer, at self.now() + ttl",
                "reading the time elsewhere than self.now() (here the clock is injected)",
            ]
            if n == 1
            else "not using the second fetch's answer",
            await web.picture(),
        )
