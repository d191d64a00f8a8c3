"""Kata 19 · Fetch a page: the tests your code must pass.

Your fetch_page runs where a crawler's fetches run: inside a Ray actor (a dojo.web.WebWorker)
that has the fake web started in its process. One worker serves the whole file; the test
hands it your function and a URL, and reads what came back. The fake server's hit log shows
the other side: which requests arrived, when, and how each one ended ("cancelled" when the
client stopped waiting).
"""

import asyncio
import time
from dataclasses import dataclass
from unittest.mock import patch
from urllib.parse import urlsplit

import aiohttp
import pytest
import ray

from dojo import NotDoneYet
from dojo.crawl.result import ERROR_KINDS, FetchResult
from dojo.harness.teach import fail
from dojo.harness.waiting import wait_until
from dojo.web import (
    Hit,
    Response,
    page,
    redirect,
    redirect_loop,
    site_from_pages,
    testing,
)
from dojo.web.hits import timeline
from dojo.web.testing import web_workers

pytestmark = pytest.mark.timeout(30)

HOME = "http://a.test/"
HOME_HTML = "<html><body><h1>Welcome</h1><a href='/docs'>docs</a></body></html>"
MISSING = "http://a.test/no-such-page"
DOWN = "http://a.test/down"  # the connection is refused
NOWHERE = "http://nowhere.test/page"  # a host the web does not have (DNS fails)
RESET = "http://a.test/reset"  # the connection breaks while the body is sent
LOGO = "http://a.test/logo.png"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
NOTES = "http://a.test/notes.txt"  # text in Latin-1, and the server says so
NOTES_TEXT = "café crème, déjà vu"
BUSY = "http://a.test/busy"  # 503 with Retry-After
OLD = "http://a.test/old"  # 301 -> /moved (relative) -> 302 -> http://b.test/new
MOVED = "http://a.test/moved"
NEW = "http://b.test/new"
NEW_HTML = "<p>We moved here.</p>"
LOOP = "http://a.test/loop/1"  # /loop/1 -> /loop/2 -> /loop/1 -> ...
SLOW = "http://a.test/slow"  # slow, but within a sensible time limit
LATE = "http://a.test/late"  # answers well after SHORT, long before any other limit
VERY_SLOW = "http://a.test/very-slow"  # far slower than any time limit

TIMEOUT = 5.0  # the time limit passed when the test is not about time limits
# The time limit must be the argument, both ways: SLOW is fetched with SLOW_TIMEOUT, LATE
# times out with SHORT. A fixed limit of its own fails one of them (under SLOW_LATENCY: SLOW;
# at or over LATE_LATENCY: LATE), and so does a grace of LATE_LATENCY - SHORT or more on top
# of the argument. Not a measured time: which of the two came first.
SLOW_LATENCY = 1.2
SLOW_TIMEOUT = 3.0
SHORT = 0.3  # the time limit for VERY_SLOW and LATE
LATE_LATENCY = 1.0
HANG = 30.0  # how long VERY_SLOW takes to answer
HANG_BOUND = 4.0  # how long the test waits for fetch_page(VERY_SLOW, SHORT) before judging
# Generous: the machine is shared. The point is seconds, not the HANG_BOUND s of a hang.
CANCEL_MARGIN = 1.5
CANCEL_AFTER = 0.1  # when the cancellation test cancels a fetch of VERY_SLOW
CANCEL_GRACE = 2.0  # how long a cancelled fetch may take to end
HITS_WITHIN = 3.0  # for a test's hit events to reach the log
WITHIN = 20.0  # any other call (Ray round trip included), before the test gives up on it
STARTUP = 120.0

BAD_URLS = (
    "ftp://a.test/files/report.pdf",  # not http(s)
    "mailto:webmaster@a.test",
    "javascript:void(0)",
    "/docs/relative",  # not absolute
    "http://",  # no host
    "http://a.test:99999/",  # does not parse: a port out of range
)

SITE = site_from_pages(
    {
        HOME: HOME_HTML,
        DOWN: Response(error="connect"),
        RESET: Response(body="<p>" + "half a page " * 50, error="reset"),
        LOGO: Response(content_type="image/png", body=PNG),
        NOTES: Response(
            content_type="text/plain; charset=iso-8859-1", body=NOTES_TEXT.encode("latin-1")
        ),
        BUSY: Response(status=503, headers={"Retry-After": "2"}, body="<p>Try again later."),
        NEW: NEW_HTML,
        SLOW: page("<p>Worth the wait.", latency=SLOW_LATENCY),
        LATE: page("<p>Past the limit.", latency=LATE_LATENCY),
        VERY_SLOW: page("<p>Too late.", latency=HANG),
    },
    redirect(OLD, "/moved", status=301),
    redirect(MOVED, NEW, status=302),
    redirect_loop(LOOP, "http://a.test/loop/2"),
)


# -- fixtures: one fake-web worker and one hit log for the whole file ------------------------


log = testing.log  # a fixture: one HitLog actor for this file (see dojo/web/testing.py)


@pytest.fixture(scope="module")
def worker(log):
    """A WebWorker actor with the fake web started in its process (started once: ~1 s)."""
    with web_workers(SITE, log) as [web_worker]:
        ray.get(web_worker.__ray_ready__.remote(), timeout=STARTUP)
        yield web_worker


@dataclass
class Server:
    """The fake server's side of one test: the hits that started after the test began.

    Hit events travel in batches sent by the worker on a timer, so one sent just before the
    test began may land in the log after it was cleared, and one of this test's may land a
    moment after the call returned: hence the start-time filter, and the wait for them."""

    log: object
    worker: object
    since: float

    async def hits(self, url: str | None = None, expected: int = 0) -> list[Hit]:
        """This test's hits (on `url`), once `expected` of them have ended (or HITS_WITHIN s)."""
        await self.worker.flush.remote()

        async def ours() -> list[Hit]:
            return [h for h in await self.log.hits.remote(url) if h.start >= self.since]

        async def landed() -> tuple[list[Hit]] | None:
            found = await ours()
            done = len(found) >= expected and all(h.finished for h in found)
            return (found,) if done else None  # a tuple: "landed, and none" is truthy too

        got = await wait_until(landed, within=HITS_WITHIN)
        return got[0] if got else await ours()


@pytest.fixture
async def server(log, worker) -> Server:
    await log.clear.remote()  # keeps the log small; `since` is what keeps tests apart
    return Server(log, worker, time.time())


# -- running the learner's fetch_page inside the worker ------------------------------------


@dataclass
class Attempt:
    url: str
    timeout: float
    result: object = None
    raised: BaseException | None = None
    hung: bool = False
    elapsed: float = 0.0

    @property
    def call(self) -> str:
        return f"fetch_page(session, {self.url!r}, timeout={self.timeout:g})"


async def attempt(kata, worker, url: str, limit: float = TIMEOUT, within: float = WITHIN, via=None):
    """Run kata.fetch_page(session, url, timeout=limit) in the worker; note what happened.
    `via`: a function of the worker's that makes that call itself (with a session of its own)."""
    got = Attempt(url, limit)
    started = time.monotonic()
    if via is None:
        ref = worker.run.remote(kata.fetch_page, url, timeout=limit)
    else:
        ref = worker.run.remote(via, kata.fetch_page, url, limit, session=False)
    try:
        got.result = await asyncio.wait_for(ref, within)
    except TimeoutError:
        got.hung = True
        ray.cancel(ref)  # asyncio's cancellation does not reach Ray: stop the call there
    except NotDoneYet:
        raise
    except Exception as error:
        cause = getattr(error, "cause", None)
        if isinstance(cause, NotDoneYet):
            raise
        got.raised = cause if isinstance(cause, BaseException) else error
    got.elapsed = time.monotonic() - started
    return got


def _raised(error: BaseException) -> str:
    """ "ClassName: message" of what the learner's code raised. An exception Ray cannot ship
    back (e.g. aiohttp.ClientResponseError) arrives as a RayError whose text names it."""
    lines = str(error).strip().splitlines()
    reason = (lines[-1] if lines else "")[:200]
    if type(error).__name__ in ("RayError", "UnserializableException") and ": " in reason:
        return reason
    return f"{type(error).__name__}: {reason}"


def record_of(got: Attempt, likely_if_raised) -> FetchResult:
    """The FetchResult the attempt produced, or a lesson about why there is none.
    `likely_if_raised`: the mistake if fetch_page raised (a string, or a function of the
    exception when the exception's type decides)."""
    if got.hung:
        fail(
            f"{got.call} was still running after {got.elapsed:.0f} s",
            "a FetchResult within a second or so",
            "waiting on something that never finishes, e.g. following redirects by hand with "
            "no limit on the hops",
        )
    if got.raised is not None:
        fail(
            f"{got.call} raised {_raised(got.raised)}",
            "a FetchResult: fetch_page never raises, every outcome is a record (a crawl of "
            "thousands of pages cannot stop at the first bad one)",
            likely_if_raised(got.raised) if callable(likely_if_raised) else likely_if_raised,
        )
    result = got.result
    if not isinstance(result, FetchResult):
        fail(
            f"{got.call} returned {type(result).__name__} {result!r:.150}",
            "a dojo.crawl.result.FetchResult",
            "build the record with FetchResult(url=..., final_url=..., status=..., ...) and "
            "return it",
        )
    if result.url != got.url:
        fail(
            f"{got.call} returned a record with url={result.url!r}",
            f"url={got.url!r}: the URL that was asked for (where it ended up is final_url)",
            "the final URL (or a normalised one) stored in `url`",
        )
    if result.error is not None and result.error not in ERROR_KINDS:
        fail(
            f"{got.call} returned error={result.error!r}",
            f"None, or one of dojo.crawl.result.ERROR_KINDS: {ERROR_KINDS}",
            "a made-up error kind (the exception's class name?): later katas sort failures "
            "by these kinds",
        )
    return result


def check(got: Attempt, result: FetchResult, likely: dict, **expected) -> None:
    """Compare the record's fields with `expected`; name the first mismatch's likely cause."""
    wrong = {k: getattr(result, k) for k, v in expected.items() if getattr(result, k) != v}
    if wrong:
        first = next(iter(wrong))
        fail(
            f"{got.call} returned a record with "
            + ", ".join(f"{k}={v!r:.120}" for k, v in wrong.items()),
            "a record with " + ", ".join(f"{k}={expected[k]!r:.120}" for k in wrong),
            likely.get(first, "see README.md for what each field of the record holds"),
        )


def _reset_hint(result: FetchResult, raised: str, not_mapped: str) -> str | list[str]:
    """Why a broken connection came out as another error than "reset". When the record's
    detail names the exception, it was caught, but in the wrong branch: two candidates."""
    if result.error == "other" and raised in (result.detail or ""):
        return [
            not_mapped,
            f"the {raised} was caught by a broader `except aiohttp.ClientError` placed before "
            'the branch that makes it "reset": put the specific excepts first',
        ]
    return not_mapped


RAISED_ON_STATUS = (
    "raise_for_status (response.raise_for_status(), or raise_for_status=True on the session "
    "or the request) turns every 4xx/5xx into an exception: an HTTP status is an answer, "
    "record it in `status`"
)
BODY = {
    "body": "body is the decoded text of text/* answers: `await response.text()`",
    "content_type": "content_type is the MIME type without parameters: response.content_type "
    "(the raw Content-Type header carries '; charset=...')",
    "final_url": "final_url is str(response.url), where the answer came from",
    "status": "status is response.status",
    "error": "error stays None when the server answered, whatever the status",
}


# -- the tests ------------------------------------------------------------------------------


async def test_a_page_comes_back_as_a_record(kata, worker, server):
    got = await attempt(kata, worker, HOME)
    result = record_of(got, "an exception for a plain 200 page: look at the traceback's cause")
    check(
        got,
        result,
        BODY,
        status=200,
        error=None,
        content_type="text/html",
        body=HOME_HTML,
        final_url=HOME,
    )
    assert result.ok, f"{got.call} returned {result!r}: a 200 page without an error is .ok"
    hits = await server.hits(HOME, expected=1)
    if len(hits) != 1:
        fail(
            f"the fake server saw {len(hits)} requests for {HOME}",
            "exactly one request per fetch_page call",
            "requesting the page twice (e.g. once for the status and once for the body)",
        )


async def _answer_turned_into_an_error(got: Attempt, result: FetchResult, server, status: int):
    """A record with an error and no status for a page the server answered: say so."""
    if result.status is not None or result.error is None:
        return
    hits = await server.hits(got.url, expected=1)
    if any(h.status == status for h in hits):
        fail(
            f"{got.call} returned error={result.error!r} (detail {result.detail!r:.120}) and "
            f"no status, but the server answered {status}",
            f"status={status}, error=None: the server's answer, recorded",
            RAISED_ON_STATUS + "; here that exception was then caught as an error",
        )


async def test_a_404_is_a_record_not_an_exception(kata, worker, server):
    got = await attempt(kata, worker, MISSING)
    result = record_of(got, RAISED_ON_STATUS)
    await _answer_turned_into_an_error(got, result, server, 404)
    check(
        got,
        result,
        {
            **BODY,
            "error": "a 404 is the server's answer, not a failure to fetch: error stays None "
            "and status says 404",
        },
        status=404,
        error=None,
        final_url=MISSING,
        body="not found",
    )
    got_busy = await attempt(kata, worker, BUSY)
    busy = record_of(got_busy, RAISED_ON_STATUS)
    await _answer_turned_into_an_error(got_busy, busy, server, 503)
    if busy.status != 503 or busy.error is not None:
        fail(
            f"fetch_page for a 503 answer returned status={busy.status!r}, error={busy.error!r}",
            "status=503, error=None",
            RAISED_ON_STATUS,
        )


async def test_connection_errors_are_records(kata, worker):
    for url, what in ((DOWN, "connection refused"), (NOWHERE, "unknown host (DNS)")):
        got = await attempt(kata, worker, url)
        result = record_of(
            got,
            f"only some exceptions are caught, and a {what} escaped: "
            "aiohttp.ClientConnectorError (a ClientConnectionError; its DNS flavour is "
            "ClientConnectorDNSError) is not an HTTP error. Catch aiohttp.ClientError, the base "
            "of every client failure, and map each kind to ERROR_KINDS",
        )
        check(
            got,
            result,
            {
                "error": f'a {what} is error="connect": map aiohttp.ClientConnectorError '
                "(DNS failures included) to it",
                "status": "the server never answered: status stays None",
                "final_url": "without an answer, final_url is the URL asked for",
            },
            error="connect",
            status=None,
            body=None,
            final_url=url,
        )


NO_TIME_LIMIT = [
    "no time limit around the request: aiohttp's ClientTimeout is not applied to mocked calls "
    "(and is easy to forget on real ones). Wrap the whole fetch, request and body, in "
    "asyncio.wait_for(..., timeout) or `async with asyncio.timeout(timeout):`",
    "a time limit that is not the `timeout` argument (a fixed, longer one?)",
]
CANCELLATION_CAUGHT = (
    "the cancellation that asyncio.wait_for (or asyncio.timeout) sends when time is up was "
    "caught inside the request code (`except BaseException`, `except asyncio.CancelledError` "
    "or a bare `except:`) and became a record, so the time limit never raised TimeoutError: "
    "let asyncio.CancelledError through, and catch TimeoutError around the time limit"
)


def _raised_at_the_time_limit(error: BaseException) -> str:
    name = type(error).__name__
    if isinstance(error, TimeoutError) or "TimeoutError" in str(error):
        return (
            f"the time limit's {name} escaped: catch TimeoutError around asyncio.wait_for (or "
            '`async with asyncio.timeout(...)`) and return a record with error="timeout"'
        )
    return f'{name} when time ran out: the time limit must end in a record with error="timeout"'


async def _timed_out_fetch(kata, worker) -> tuple[Attempt, FetchResult]:
    """fetch_page(VERY_SLOW, timeout=SHORT), judged once HANG_BOUND s have passed at most."""
    got = await attempt(kata, worker, VERY_SLOW, limit=SHORT, within=HANG_BOUND)
    if got.hung:
        fail(
            f"{got.call} was still waiting after {HANG_BOUND:.0f} s (the page takes "
            f"{HANG:.0f} s to answer; one slow page like this holds a crawler slot all along)",
            f'a record with error="timeout" about {SHORT} s after the request started',
            NO_TIME_LIMIT,
        )
    return got, record_of(got, _raised_at_the_time_limit)


async def test_a_slow_page_times_out(kata, worker, server):
    got, result = await _timed_out_fetch(kata, worker)
    if result.error != "timeout":
        fail(
            f"{got.call} returned error={result.error!r} (detail {result.detail!r:.120}) "
            f"after {got.elapsed:.2f} s",
            f'error="timeout": the page takes {HANG:.0f} s, the time limit is {SHORT} s',
            CANCELLATION_CAUGHT
            if "CancelledError" in result.detail
            else [
                CANCELLATION_CAUGHT,
                'TimeoutError mapped to another kind: catch it first and record error="timeout"',
            ],
        )
    check(
        got,
        result,
        {"final_url": "without an answer, final_url is the URL asked for"},
        status=None,
        body=None,
        final_url=VERY_SLOW,
    )
    hits = await server.hits(VERY_SLOW, expected=1)
    if len(hits) != 1:
        fail(
            f"the fake server saw {len(hits)} requests for {VERY_SLOW}",
            "exactly one, given up after the time limit",
            'the record says "timeout" but no request was made, or several were',
        )
    hit = hits[0]
    if hit.end is None:
        return  # left running: test_a_timed_out_request_is_given_up says so
    lasted = hit.end - hit.start
    if not 0.5 * SHORT <= lasted <= SHORT + CANCEL_MARGIN:
        fail(
            f"with timeout={SHORT}, the request lasted {lasted:.2f} s before it was given up",
            f"about {SHORT} s (between {0.5 * SHORT:.2f} and {SHORT + CANCEL_MARGIN:.1f} s)",
            "the time limit is not the `timeout` argument (a fixed number of seconds?)",
            timeline(hits),
        )


async def test_a_timed_out_request_is_given_up(kata, worker, server):
    got, _ = await _timed_out_fetch(kata, worker)
    hits = await server.hits(VERY_SLOW, expected=1)
    if len(hits) != 1:
        fail(
            f"the fake server saw {len(hits)} requests for {VERY_SLOW}",
            "exactly one, given up after the time limit",
            'the record says "timeout" but no request was made, or several were',
        )
    hit = hits[0]
    if hit.outcome != "cancelled":
        fail(
            f"{got.call} returned its record after {got.elapsed:.2f} s, but the server saw the "
            f"request {'still running' if hit.end is None else 'end as ' + hit.outcome}",
            "the client gives up: the request is cancelled when time is up (the hit's "
            'outcome is "cancelled")',
            "the request was left running after fetch_page returned (asyncio.wait with a "
            "timeout, or a timer racing the request, does not cancel it): an abandoned "
            "request still holds a connection. asyncio.wait_for and asyncio.timeout cancel it",
            timeline(hits),
        )


async def test_a_slow_page_within_the_time_limit_is_fetched(kata, worker):
    got = await attempt(kata, worker, SLOW, limit=SLOW_TIMEOUT)
    result = record_of(got, "an exception for a slow page that answers in time")
    check(
        got,
        result,
        {
            "error": f"the page answers after {SLOW_LATENCY} s, well within timeout="
            f"{SLOW_TIMEOUT:g}: the time limit must be the `timeout` argument, not a fixed "
            "(smaller) number",
        },
        error=None,
        status=200,
        body="<p>Worth the wait.",
    )
    got = await attempt(kata, worker, LATE, limit=SHORT)
    result = record_of(got, "an exception for a page slower than the time limit")
    if result.error != "timeout":
        fail(
            f"{got.call} returned error={result.error!r}, status={result.status!r} after "
            f"{got.elapsed:.2f} s: the page, which answers after {LATE_LATENCY:g} s",
            f'error="timeout" after about {SHORT} s: the time limit is the `timeout` argument',
            "a time limit longer than the `timeout` argument: a fixed number of seconds of "
            "your own, or a grace period added to it",
        )


async def test_redirects_are_followed_to_the_final_url(kata, worker):
    got = await attempt(kata, worker, OLD)
    result = record_of(got, "an exception while following redirects")
    check(
        got,
        result,
        {
            **BODY,
            "final_url": f"{OLD} redirects (301, then 302) to {NEW}: final_url is where the "
            "answer came from, str(response.url), not the URL asked for",
            "status": "let aiohttp follow the redirects (its default) and record the final "
            "answer's status",
        },
        status=200,
        error=None,
        final_url=NEW,
        body=NEW_HTML,
    )


async def test_a_redirect_loop_is_too_many_redirects(kata, worker):
    got = await attempt(kata, worker, LOOP)
    result = record_of(
        got,
        "aiohttp raises aiohttp.TooManyRedirects after 10 hops of a loop; it is a "
        "ClientResponseError: catch it, before the general cases",
    )
    check(
        got,
        result,
        {
            "error": 'a redirect loop is error="too_many_redirects" (aiohttp.TooManyRedirects, '
            "caught before the more general ClientResponseError / ClientError)",
        },
        error="too_many_redirects",
        body=None,
    )


async def test_non_html_is_kept_without_a_body(kata, worker):
    got = await attempt(kata, worker, LOGO)
    result = record_of(
        got,
        "decoding a PNG as text fails: only text/* answers have a text body",
    )
    check(
        got,
        result,
        {
            "body": "only text/* answers get a body: an image (or PDF, zip...) decoded as text "
            "is garbage, and a crawler does not need it. Leave body None for other types",
            "content_type": BODY["content_type"],
        },
        status=200,
        error=None,
        content_type="image/png",
        body=None,
    )


async def test_text_is_decoded_with_its_charset(kata, worker):
    got = await attempt(kata, worker, NOTES)
    result = record_of(
        got,
        lambda error: (
            "the body is Latin-1 (the server says charset=iso-8859-1) and was decoded as "
            "UTF-8, which fails: `await response.text()` decodes with the declared charset"
            if "UnicodeDecodeError" in _raised(error)
            else "an exception while reading a text/plain body"
        ),
    )
    check(
        got,
        result,
        {
            "body": "the body is Latin-1 and the Content-Type says so: `await response.text()` "
            "decodes with the declared charset (bytes.decode() assumes UTF-8)",
        },
        status=200,
        body=NOTES_TEXT,
    )


async def test_a_reset_connection_is_an_error_record(kata, worker):
    got = await attempt(kata, worker, RESET)
    result = record_of(
        got,
        "the connection broke while the body was read: aiohttp.ClientPayloadError (not a "
        "ClientConnectionError) escaped. Catch aiohttp.ClientError, the base of every client "
        "failure",
    )
    check(
        got,
        result,
        {
            "error": _reset_hint(
                result,
                "ClientPayloadError",
                'a body cut off mid-transfer is error="reset": map '
                "aiohttp.ClientPayloadError (raised by response.text()/read()) to it, and make "
                "sure the body is read inside your try (and inside the time limit)",
            ),
            "body": "half a page is no page: body stays None",
        },
        error="reset",
        body=None,
    )
    # The other way a connection breaks: the server hangs up before it answers at all.
    got = await attempt(kata, worker, HOME, via=fetch_while_the_server_hangs_up)
    result = record_of(
        got,
        "the server hung up before answering: aiohttp.ServerDisconnectedError escaped. Catch "
        "aiohttp.ClientError, the base of every client failure",
    )
    check(
        got,
        result,
        {
            "error": _reset_hint(
                result,
                "ServerDisconnectedError",
                "a server that hangs up before it answers (aiohttp.ServerDisconnectedError) "
                'is error="reset" too: catch it together with aiohttp.ClientPayloadError',
            ),
        },
        error="reset",
        status=None,
        body=None,
    )


async def _hang_up(*args, **kwargs):
    raise aiohttp.ServerDisconnectedError()


async def fetch_while_the_server_hangs_up(fetch_page, url: str, limit: float):
    """Runs in the worker: fetch_page with a session whose every request meets a server that
    closes the connection before answering (aiohttp raises ServerDisconnectedError). The fake
    web's own patch of the session comes back when this one ends."""
    async with aiohttp.ClientSession() as session:
        with patch.object(aiohttp.ClientSession, "_request", _hang_up):
            return await fetch_page(session, url, limit)


def _port_out_of_range(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018 (reading the port is what raises)
    except ValueError:
        return True
    return False


def _refusal_lesson(url: str) -> str:
    """The lesson for a bad URL whose fetch raised instead of refusing it, by what the URL
    is (the error may come from the fake web or from aiohttp, in words of their own)."""
    if _port_out_of_range(url):
        return (
            "a port out of range went to the HTTP client, which raised ValueError: a URL "
            'that does not parse is refused with error="bad_url" too. yarl.URL(url) (or '
            "urlsplit(url).port) raises ValueError for it: catch that in your URL check"
        )
    return (
        "the URL went to the HTTP client, which raised: check it first, and refuse it "
        'with error="bad_url". A crawler fetches only absolute http(s) URLs with a host: '
        "yarl.URL(url) has .absolute, .scheme and .host (and raises ValueError for some "
        "malformed ones)"
    )


async def test_bad_urls_are_refused_without_a_request(kata, worker, server):
    for url in BAD_URLS:
        got = await attempt(kata, worker, url)
        result = record_of(got, _refusal_lesson(url))
        check(
            got,
            result,
            {
                "error": "a URL that is not absolute http(s) with a host, or does not parse (a "
                'port out of range), is error="bad_url"; check it before requesting',
                "final_url": "without an answer, final_url is the URL asked for",
            },
            error="bad_url",
            status=None,
            body=None,
            final_url=url,
        )
    hits = await server.hits()
    if hits:
        fail(
            f"the fake server saw {len(hits)} requests: {[h.url for h in hits]}",
            "no request at all for a bad URL",
            "the URL was sent anyway: check it before the request",
        )


async def test_retry_after_is_kept(kata, worker, server):
    got = await attempt(kata, worker, BUSY)
    result = record_of(got, RAISED_ON_STATUS)
    await _answer_turned_into_an_error(got, result, server, 503)
    if result.header("Retry-After") != "2":
        fail(
            f"{got.call} (a 503 with 'Retry-After: 2') returned headers={result.headers!r}",
            "('Retry-After', '2') among the record's headers: record.header('Retry-After') == '2'",
            "the response headers were dropped: keep the ones a crawler needs later "
            "(Retry-After tells a polite client when to come back), as (name, value) pairs",
        )


CANCEL_TIMEOUT = 10.0  # the time limit given to the fetch that is cancelled: far away


def _ending(task: asyncio.Task) -> tuple[str, object]:
    """How a finished task ended, in a form Ray can send back."""
    if task.cancelled():
        return "cancelled", None
    error = task.exception()
    if isinstance(error, NotDoneYet):
        raise error
    if error is not None:
        return "raised", f"{type(error).__name__}: {error}"
    return "returned", task.result()


async def fetch_then_cancel(session, fetch_page, url: str, limit: float):
    """Runs in the worker: fetch_page as a task of its own, cancelled CANCEL_AFTER s in (the
    request is on its way by then, far from its time limit). Says how the task ended."""
    task = asyncio.ensure_future(fetch_page(session, url, limit))
    await asyncio.sleep(CANCEL_AFTER)
    if task.done():
        return "ended before the cancel", *_ending(task)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=CANCEL_GRACE)
    if not done:
        task.cancel()  # once more, and leave it: the worker is the test's own
        return "still running", None, None
    return "ended after the cancel", *_ending(task)


async def test_a_cancelled_fetch_ends_cancelled(kata, worker):
    call = f"fetch_page(session, {VERY_SLOW!r}, timeout={CANCEL_TIMEOUT:g})"
    ref = worker.run.remote(fetch_then_cancel, kata.fetch_page, VERY_SLOW, CANCEL_TIMEOUT)
    try:
        when, how, what = await asyncio.wait_for(ref, WITHIN)
    except TimeoutError:
        ray.cancel(ref)
        raise
    except NotDoneYet:
        raise
    except Exception as error:
        if isinstance(getattr(error, "cause", None), NotDoneYet):
            raise error.cause from None
        raise
    if how == "cancelled":
        return
    if when == "ended before the cancel":
        fail(
            f"{call} ended {CANCEL_AFTER} s in, before the test could cancel it: {how} "
            f"{what!r:.200}",
            f"still waiting: the page takes {HANG:.0f} s and the time limit is "
            f"{CANCEL_TIMEOUT:g} s",
            "the time limit is not the `timeout` argument (a fixed, short one?)"
            if isinstance(what, FetchResult) and what.error == "timeout"
            else "see the record: an error for a page that merely answers slowly",
        )
    if when == "still running":
        fail(
            f"{call} was cancelled {CANCEL_AFTER} s in, and was still running "
            f"{CANCEL_GRACE:g} s later",
            "asyncio.CancelledError out of fetch_page at once: whoever cancels a fetch (a crawl "
            "shutting down, a caller's own time limit) must see it end",
            "the cancellation was caught (`except BaseException`, `except "
            "asyncio.CancelledError` or a bare `except:`) and the fetch went on waiting: let "
            "CancelledError through",
        )
    fail(
        f"{call} was cancelled {CANCEL_AFTER} s in, and then {how} "
        f"{what!r:.200} instead of ending cancelled",
        "asyncio.CancelledError out of fetch_page: whoever cancels a fetch (a crawl shutting "
        "down, a caller's own time limit) must see it end",
        "the cancellation was caught and turned into "
        + ("a record" if how == "returned" else "another exception")
        + ": an `except BaseException`, `except asyncio.CancelledError` or bare `except:` "
        "catches it. Catch TimeoutError and aiohttp.ClientError only, and let "
        "asyncio.CancelledError through",
    )
