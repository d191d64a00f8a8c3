"""Serve a Site for real over HTTP on 127.0.0.1: the real-HTTP mode and the benchmark.

Same data, same rules as the mock (`Site.get`, latency by `asyncio.sleep`, hits recorded in the
same hit log, in the site's own URL space), but real sockets and a real aiohttp client.

How the fake `.test` hosts are reached: ONE PORT PER HOST. Every origin of the site gets its
own listening socket on 127.0.0.1, and everything the server sends (HTML and text bodies,
Location headers) has its absolute links rewritten, `http://h0.example.test/a` ->
`http://127.0.0.1:41234/a`. Paths stay the same, so relative links, `/robots.txt` at the root
of each host and per-origin politeness all keep working for an unmodified crawler. (A single
port with a `/<host>/` path prefix would put every fake host's robots.txt behind one origin;
resolving `.test` names to 127.0.0.1 would need a custom resolver in the crawler's session.)

Consequences for crawler code: key "per host" things (robots.txt, politeness gaps) by origin,
`URL(url).origin()` (scheme, host AND port), not by `URL(url).host`, which is "127.0.0.1" for
every fake host here. Use `ServedSite.url(fake)` / `.original(real)` to translate expectations.

Other `.test` hosts the site links to (off-site links such as `elsewhere.test`) are mapped to
a port that is bound but not listening, so fetching them is refused at once
(`aiohttp.ClientConnectorError`), as with the mock; no DNS query ever leaves the machine.

Errors, as a real client sees them (the mock differs where noted):

* error="reset": status and headers, half the body, then the connection is cut: reading the
  body raises `aiohttp.ClientPayloadError` (as with the mock).
* error="connect" or "timeout" on a served host: the server drops the connection without an
  answer (for "timeout" after the hang time): `aiohttp.ServerDisconnectedError`, a
  `ClientConnectionError` like the mock's `ClientConnectorError`. BUT aiohttp retries a GET
  once by itself when a connection drops (RFC 9112), so one client call makes two hits, and a
  (connect, 200) sequence looks like a success to the client. Use the mock for such tests.
* a host the site does not have (a dead host): refused at once in both modes. The mock logs
  the attempt (error="connect"); here a refused connection never reaches the server, so it
  is not in the hit log.
* a client that gives up first cancels the handler (handler_cancellation): error="cancelled".
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web
from yarl import URL

from dojo.web.hits import HitRecorder, LocalHitLog
from dojo.web.site import Site, canonical, host_of

# An absolute or protocol-relative link's start: [http:|https:]//host[:port]
_LINK_ORIGIN = re.compile(r"(?:https?:)?//([a-z0-9.-]+)(?::(\d+))?(?![\w.:-])", re.IGNORECASE)


def _host_key(m: re.Match) -> str:
    port = m.group(2)
    return m.group(1).lower() + (f":{port}" if port and port not in ("80", "443") else "")


@dataclass
class ServedSite:
    """A site being served: where each fake host really is, and the hit log."""

    site: Site
    hits: Any  # LocalHitLog or HitLog actor handle
    hosts: dict[str, str] = field(default_factory=dict)  # fake host[:port] -> real origin
    refuse: Any = None  # host -> real origin that refuses connections (set by the server)

    @property
    def base_url(self) -> str:
        """The real origin of the site's first host (sorted), e.g. http://127.0.0.1:41234."""
        return self.hosts[self.site.hosts[0]]

    def url(self, fake_url: str) -> str:
        """Where a URL of the site is really served. Other .test hosts get a port that refuses
        connections; any other host is left as it is."""
        u = URL(canonical(fake_url))
        real = self.hosts.get(host_of(u))
        if real is None and self.refuse is not None and (u.host or "").endswith(".test"):
            real = self.refuse(host_of(u))  # never let a fake name reach DNS
        return f"{real}{u.raw_path_qs}" if real else str(u)

    def original(self, real_url: str) -> str:
        """The site's own URL for a URL served here (the inverse of `url`)."""
        u = URL(real_url)
        for fake, real in self.hosts.items():
            if URL(real).origin() == u.origin():
                scheme = next(
                    (URL(o).scheme for o in self.site.origins if host_of(o) == fake), "http"
                )
                return canonical(f"{scheme}://{fake}{u.raw_path_qs}")
        return canonical(u)

    def rewrite(self, text: str) -> str:
        """Absolute links to fake hosts -> links to where they are served."""
        return _LINK_ORIGIN.sub(lambda m: self.hosts.get(_host_key(m), m.group(0)), text)


class FakeWebServer:
    """aiohttp.web serving a Site on 127.0.0.1, one port per host. Prefer `serve_site`."""

    def __init__(self, site: Site, hits: Any = None, host: str = "127.0.0.1", who: str = "server"):
        self.site = site
        self.bind_host = host
        self.served = ServedSite(site, hits if hits is not None else LocalHitLog())
        self.recorder = HitRecorder(self.served.hits, who)
        self._runner: web.AppRunner | None = None
        self._by_port: dict[int, str] = {}  # real port -> fake host[:port]
        self._scheme: dict[str, str] = {}  # fake host[:port] -> its scheme in the site
        self._refusers: list[socket.socket] = []

    async def start(self) -> ServedSite:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a client that gives up cancels the handler (and ends the hit).
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        for site_origin in sorted(self.site.origins):
            fake = host_of(site_origin)
            sock = self._bound_socket()
            await web.SockSite(self._runner, sock).start()
            port = sock.getsockname()[1]
            self._by_port[port] = fake
            self._scheme[fake] = URL(site_origin).scheme
            self.served.hosts[fake] = f"http://{self.bind_host}:{port}"
        for fake in sorted(self._offsite_hosts()):
            self._refuse(fake)
        self.served.refuse = self._refuse
        return self.served

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for sock in self._refusers:
            sock.close()
        self._refusers.clear()
        self.recorder.flush()

    def _refuse(self, fake: str) -> str:
        """Give an off-site host a port that is bound but never listening: connecting to it is
        refused at once, like a dead host."""
        if fake not in self.served.hosts:
            sock = self._bound_socket()
            self._refusers.append(sock)
            self.served.hosts[fake] = f"http://{self.bind_host}:{sock.getsockname()[1]}"
        return self.served.hosts[fake]

    def _bound_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.bind_host, 0))
        return sock

    def _offsite_hosts(self) -> set[str]:
        found = set()
        for resource in self.site.resources.values():
            for response in resource.responses:
                texts = [response.headers.get("Location", "")]
                if isinstance(response.body, str):
                    texts.append(response.body)
                for text in texts:
                    found.update(_host_key(m) for m in _LINK_ORIGIN.finditer(text))
        # Only reserved .test names: anything else is not ours to stand in for.
        return {h for h in found if h.split(":")[0].endswith(".test")} - set(self.site.hosts)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else None
        fake = self._by_port.get(port, "")
        url = canonical(f"{self._scheme.get(fake, 'http')}://{fake}{request.raw_path}")
        token = self.recorder.begin(url, host_of(url), request.method)
        status, error = None, None
        try:
            n = await self.recorder.next_index(url) if self.site.is_sequenced(url) else 0
            response = self.site.get(url, n)
            await asyncio.sleep(response.wait)
            if response.error in ("connect", "timeout"):
                error = response.error
                _drop_connection(request)  # no answer at all
            headers = {hdrs.CONTENT_TYPE: response.content_type_header}
            for name, value in response.headers.items():
                headers[name] = self.served.rewrite(value) if name.lower() == "location" else value
            body = response.body
            body = self.served.rewrite(body).encode() if isinstance(body, str) else body
            status = response.status
            if response.error == "reset":
                error = "reset"
                await self._send_truncated(request, response.status, headers, body)
            return web.Response(status=response.status, body=body, headers=headers)
        except asyncio.CancelledError:
            if error is None:
                error, status = "cancelled", None  # the client went away first
            raise
        finally:
            self.recorder.end(token, status, error)

    @staticmethod
    async def _send_truncated(request: web.Request, status: int, headers: dict, body: bytes):
        """Status and headers, half the body, then the connection is cut."""
        stream = web.StreamResponse(status=status, headers=headers)
        stream.content_length = len(body) + 1  # promise more than will come
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        _drop_connection(request)


def _drop_connection(request: web.Request):
    if request.transport is not None:
        request.transport.abort()
    # Ending the handler by cancellation is the one way aiohttp.web accepts silently.
    raise asyncio.CancelledError


@contextlib.asynccontextmanager
async def serve_site(
    site: Site, hits: Any = None, host: str = "127.0.0.1"
) -> AsyncIterator[ServedSite]:
    """Serve `site` on `host` (one port per fake host) while the block runs; hits go to `hits`
    (a HitLog actor handle or a LocalHitLog; a new LocalHitLog by default, `served.hits`)."""
    server = FakeWebServer(site, hits, host)
    served = await server.start()
    try:
        yield served
    finally:
        await server.stop()


@contextlib.contextmanager
def serve_site_in_thread(
    site: Site, hits: Any = None, host: str = "127.0.0.1"
) -> Iterator[ServedSite]:
    """The same, for synchronous code (a CLI, a benchmark driver): the server runs on its own
    event loop in a background thread until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-web-server", daemon=True)
    thread.start()
    server = FakeWebServer(site, hits, host)
    try:
        served = asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=30)
        yield served
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
