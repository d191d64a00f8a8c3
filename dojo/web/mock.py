"""Serve a Site to aiohttp inside THIS process, without a network: the mocked web.

Start it where the fetching happens: in the `__init__` of the Ray actor that fetches (a mock
started in the test process never reaches an actor: another process). `WebWorker` in
dojo.web.worker is such an actor, ready made.

    self.web = start_mock(site, hits)      # hits: a HitLog actor handle, a LocalHitLog or None
    ...
    self.web.stop()                        # when done (an actor that dies needs not)

This is the ONLY module that imports the HTTP-mocking library, so it can be swapped. It uses
`aioresponses-ng` 0.8.2 (imported as `aioresponses`), a maintained drop-in fork: the original
aioresponses 0.7.9 fails on aiohttp >= 3.14 (every mocked response raises
`TypeError: ClientResponse.__init__() missing ... 'stream_writer'`, pnuckowski/aioresponses#289)
and aiohttp must stay >= 3.14 for its security fix. Checked with aiohttp 3.14.5 in this venv by
tests/test_fakeweb.py: status, headers, body, content type, async callbacks (latency),
exceptions, redirects, 404s, sequences. We use its request plumbing and replace its slow or
unbounded parts (see `_FakeWebMock`); to swap libraries, reimplement `MockWeb` here.

What a fetch sees (GET and HEAD are served; other methods get a connection error):

* latency: the callback `await asyncio.sleep(response.latency)` before answering, so many
  fetches wait at once and a blocking fetcher shows up as slow.
* error="connect" (and any URL on a host the site does not have): raises
  `aiohttp.ClientConnectorError` (the DNS flavour, `ClientConnectorDNSError`, for unknown
  hosts), as a refused or unresolvable connection would. Both are `ClientConnectionError`s.
* error="reset": after the latency the status and headers arrive, but reading the body
  (`read()`, `text()`, `content.read()`...) raises `aiohttp.ClientPayloadError`, as when a
  connection is reset mid-transfer. The hit has the status AND error="reset".
* error="timeout": the server stays silent for `latency` seconds (DEFAULT_HANG = 60 s if 0),
  then raises `aiohttp.ServerTimeoutError` (also an `asyncio.TimeoutError`). aiohttp's own
  `ClientTimeout` is NOT applied to mocked calls: a fetcher must bound the wait itself with
  `asyncio.wait_for` / `asyncio.timeout`. The cancelled wait is recorded as error="cancelled".
* redirects: a 3xx with a Location header. With `allow_redirects=True` (aiohttp's default)
  the mock follows them like aiohttp does: each hop is a separate request to the site (and a
  separate hit), `response.url` is the final URL and `response.history` the 3xx responses,
  and after `max_redirects` (default 10) redirects it raises `aiohttp.TooManyRedirects`.
  (aioresponses alone follows without any limit, so a redirect loop would hang: the limit
  is added here.) With `allow_redirects=False` the 3xx itself is returned and the fetcher
  follows (and limits) redirects itself.
* sequences: the n-th request server-wide gets the n-th response (see site.py). With a HitLog
  actor, n is counted by the actor (one awaited Ray call, only for resources with several
  responses), so "503 then 200" holds across fetcher processes; without one, per process.

Traps: only one mock per process at a time
(start_mock refuses a second); a mock left running in a reused task worker poisons later tasks
there, so start it in actors, not tasks; it patches `aiohttp.ClientSession._request`, so
every session in the process is mocked, real addresses included.
"""

from __future__ import annotations

import asyncio
import functools
import http
import inspect
import re
import socket
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import hdrs
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from aiohttp.helpers import TimerNoop
from aioresponses import CallbackResult, aioresponses
from aioresponses.compat import _MockResponseHandler
from aioresponses.core import RequestMatch
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from dojo.web.hits import HitRecorder, LocalHitLog
from dojo.web.site import Site, canonical, host_of

_SERVED_METHODS = (hdrs.METH_GET, hdrs.METH_HEAD)
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_active: MockWeb | None = None
# aiohttp 3.14 added a required `stream_writer` to ClientResponse (what broke aioresponses 0.7.9).
_NEEDS_STREAM_WRITER = "stream_writer" in inspect.signature(aiohttp.ClientResponse).parameters


class _SentWriter:
    output_size = 0  # all ClientResponse reads from the stream writer of a sent request


class _QuickMatch(RequestMatch):
    """aioresponses' RequestMatch, building responses without unittest.mock: it makes three
    Mock objects per response and a fake loop whose get_debug() is True, which makes aiohttp
    save a stack trace per response. Together ~1.5 ms per fetch; this takes ~0.1 ms."""

    def _build_response(
        self,
        url: URL,
        method: str = hdrs.METH_GET,
        request_headers: Any = None,
        status: int = 200,
        body: str | bytes = "",
        content_type: str = "application/json",
        payload: Any = None,
        headers: Any = None,
        response_class: type[aiohttp.ClientResponse] | None = None,
        reason: str | None = None,
    ) -> aiohttp.ClientResponse:
        loop = asyncio.get_running_loop()
        request_info = RequestInfo(
            url, method, CIMultiDictProxy(CIMultiDict(request_headers or {})), url
        )
        extra = {"stream_writer": _SentWriter()} if _NEEDS_STREAM_WRITER else {}
        response = (response_class or aiohttp.ClientResponse)(
            method,
            url,
            writer=None,
            continue100=None,
            timer=TimerNoop(),
            request_info=request_info,
            traces=[],
            loop=loop,
            session=None,
            **extra,
        )
        all_headers = CIMultiDict({hdrs.CONTENT_TYPE: content_type})
        all_headers.update(headers or {})
        response._headers = CIMultiDictProxy(all_headers)
        response._raw_headers = tuple((k.encode(), v.encode()) for k, v in all_headers.items())
        response.status = status
        response.reason = reason if reason is not None else _reason(status)
        response.content = _stream_reader(loop)
        response.content.feed_data(body if isinstance(body, bytes) else body.encode())
        response.content.feed_eof()
        return response


def _stream_reader(loop: asyncio.AbstractEventLoop) -> aiohttp.StreamReader:
    # aioresponses.compat.stream_reader_factory, without inspecting two signatures per call.
    return aiohttp.StreamReader(_MockResponseHandler(loop=loop), limit=2**16, loop=loop)


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class _FakeWebMock(aioresponses):
    """aioresponses (its request plumbing: URL and params building, closed-session check,
    raise_for_status, start/stop) with four changes:

    * aiohttp's redirect limit (`match`): aioresponses follows redirects for ever;
    * responses built without unittest.mock (`_QuickMatch`);
    * patched without autospec, which binds the call signature on every request;
    * no per-request bookkeeping: it deep-copies every call's arguments into `requests` and
      keeps every response until stop; the hit log is our record.

    Together these take a mocked fetch from ~1.8 ms to ~0.15 ms of CPU."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        mock = self

        async def _request(session, method, url, *args, **kwargs):
            return await mock._request_mock(session, method, url, *args, **kwargs)

        self.patcher = patch.object(aiohttp.ClientSession, "_request", _request)

    def add(self, url: Any, method: str = hdrs.METH_GET, **kwargs: Any) -> None:
        self._matches[str(len(self._matches))] = _QuickMatch(url, method=method, **kwargs)

    async def match(self, method: str, url: URL, allow_redirects: bool = True, **kwargs: Any):
        max_redirects = kwargs.get("max_redirects", 10)
        history = []
        while True:
            matcher = next((m for m in self._matches.values() if m.match(method, url)), None)
            if matcher is None:
                return None
            response = await matcher.build_response(url, allow_redirects=allow_redirects, **kwargs)
            if isinstance(response, BaseException):
                raise response
            if not (allow_redirects and response.status in _REDIRECT_STATUSES):
                break
            if hdrs.LOCATION not in response.headers:
                break
            history.append(response)
            # The same test and error as aiohttp's own client (a loop ends here).
            if max_redirects and len(history) >= max_redirects:
                raise aiohttp.TooManyRedirects(history[0].request_info, tuple(history))
            location = URL(response.headers[hdrs.LOCATION])
            url = location if location.is_absolute() else url.join(location)
            method = hdrs.METH_GET
        response._history = tuple(history)
        return response

    def _build_request_call(self, method: str = hdrs.METH_GET, *args: Any, **kwargs: Any):
        return None

    async def _request_mock(self, orig_self, method, url, *args, **kwargs):
        response = await super()._request_mock(orig_self, method, url, *args, **kwargs)
        self.requests.clear()
        self._responses.clear()  # handed to the caller, who closes it
        if isinstance(response, _ResetResponse):
            # Headers arrived, the body never completes: reading it fails, however it is read.
            response.content.set_exception(
                aiohttp.ClientPayloadError("Response payload is not completed (fake web: reset)")
            )
        return response


class _ResetResponse(aiohttp.ClientResponse):
    """Marks a response whose connection is reset while the body is sent."""


def _connect_error(url: URL, unknown_host: bool) -> aiohttp.ClientConnectorError:
    key = ConnectionKey(
        url.host or "", url.port or 80, url.scheme == "https", True, None, None, None, None
    )
    if unknown_host:
        err = socket.gaierror(socket.EAI_NONAME, "Name or service not known (fake web)")
        return aiohttp.ClientConnectorDNSError(key, err)
    return aiohttp.ClientConnectorError(
        key, ConnectionRefusedError(111, "Connection refused (fake web)")
    )


class MockWeb:
    """The running mock in this process; `stop()` unpatches aiohttp (also as a context manager)."""

    def __init__(self, site: Site, hits: Any = None, who: str | None = None):
        self.site = site
        self.recorder = HitRecorder(hits, who)
        self._mock = _FakeWebMock()

    @property
    def who(self) -> str:
        return self.recorder.who

    def start(self) -> MockWeb:
        global _active
        if _active is not None:
            raise RuntimeError(
                "a fake-web mock is already running in this process; stop() it first"
            )
        self._mock.start()
        for method in _SERVED_METHODS:
            # aioresponses does not tell a callback the method: bind it.
            answer = functools.partial(self._answer, method=method)
            self._mock.add(_ANY_URL, method=method, callback=answer, repeat=True)
        _active = self
        return self

    def stop(self) -> None:
        global _active
        if _active is self:
            self._mock.stop()
            _active = None
        self.recorder.flush()

    def __enter__(self) -> MockWeb:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    async def _answer(self, url: URL, method: str, **_kwargs: Any) -> CallbackResult:
        key = canonical(url)
        token = self.recorder.begin(key, host_of(key), method)
        status, error = None, None
        try:
            n = await self.recorder.next_index(key) if self.site.is_sequenced(key) else 0
            response = self.site.get(key, n)
            await asyncio.sleep(response.wait)
            if response.error == "connect":
                error = "connect"
                raise _connect_error(url, unknown_host=not self.site.knows_origin(key))
            if response.error == "timeout":
                error = "timeout"
                raise aiohttp.ServerTimeoutError(f"fake web: no answer from {key} (simulated)")
            status, error = response.status, response.error  # error: None or "reset"
            return CallbackResult(
                method=method,
                status=response.status,
                body=b"" if method == hdrs.METH_HEAD else response.body_bytes,
                content_type=response.content_type_header,
                headers=dict(response.headers),
                response_class=_ResetResponse if response.error == "reset" else None,
            )
        except asyncio.CancelledError:
            error = "cancelled"  # the client stopped waiting (asyncio.wait_for, cancel)
            raise
        finally:
            self.recorder.end(token, status, error)


# One catch-all matcher (aioresponses wants a compiled regex for patterns): every URL comes to
# MockWeb._answer, which looks it up in the site.
_ANY_URL = re.compile(r".*")


def start_mock(site: Site, hits: Any = None, who: str | None = None) -> MockWeb:
    """Patch aiohttp in this process so every request is answered from `site`; record each one
    in `hits` (a HitLog actor handle, a LocalHitLog, or None). `who` labels the hits (default:
    this actor's id). Returns the running MockWeb; call `.stop()` to unpatch."""
    if isinstance(hits, LocalHitLog) or hits is None or hasattr(hits, "record"):
        return MockWeb(site, hits, who).start()
    raise TypeError(f"hits must be a HitLog actor, a LocalHitLog or None, not {type(hits)}")
