"""`dojo board`: the class board's web server (aiohttp), read-only for viewers.

It connects to the room's head as a Ray driver, creates the board actor there unless it runs
already (dojo/board/actor.py: the state lives in the actor, so restarting this server loses
nothing), and serves:

* GET /            the page (static/board.html), with a Content-Security-Policy that allows
                   its own inline script and style only;
* GET /api/state   the whole grid as JSON (dojo.board.state.BoardState.snapshot);
* GET /api/events  server-sent events: the grid at once, then again on every change.

One task (Hub.follow) long-polls the actor for the next version and shares each new snapshot
with every open page, so a learner's report reaches the browsers in milliseconds however many
watch. No route writes: reports go to the actor from the learners' runs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import re
import signal
from pathlib import Path

from aiohttp import web

PAGE_FILE = Path(__file__).with_name("static") / "board.html"
POLL_WAIT = 10.0  # seconds one long poll of the actor waits for a change
KEEPALIVE = 15.0  # seconds between two comments on a quiet event stream (finds closed pages)
MAX_VIEWERS = 200
RETRY_AFTER = 1.0  # seconds before asking a board that did not answer again
log = logging.getLogger(__name__)


class ActorSource:
    """The board actor, with LiveBoard's interface; made again if it died (the head lives on,
    but the actor was killed): the board then starts empty rather than stopping."""

    def __init__(self, make):
        self.make = make
        self.actor = make()

    async def _call(self, method: str, *args):
        from ray.exceptions import RayActorError

        try:
            return await getattr(self.actor, method).remote(*args)
        except RayActorError:
            self.actor = self.make()
            raise

    async def snapshot(self) -> dict:
        return await self._call("snapshot")

    async def changes(self, since: int, wait_at_most: float) -> dict:
        return await self._call("changes", since, wait_at_most)


class Hub:
    """The latest snapshot (as JSON text), fetched by one loop and shared by every viewer."""

    def __init__(self, source):
        self.source = source
        self.serial = 0  # grows with every new snapshot; viewers remember the last they sent
        self.text = ""
        self.viewers = 0
        self.closed = False
        self._changed = asyncio.Event()

    def publish(self, text: str) -> None:
        self.serial += 1
        self.text = text
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        self.closed = True
        self._changed.set()

    async def follow(self) -> None:
        seen = None
        while not self.closed:
            try:
                snapshot = await self.source.changes(seen[1] if seen else -1, POLL_WAIT)
            except Exception as error:  # the head is restarting, say: try again shortly
                log.warning("cannot read the board (%s); retrying", error)
                await asyncio.sleep(RETRY_AFTER)
                continue
            if seen != (snapshot["board"], snapshot["version"]):
                seen = (snapshot["board"], snapshot["version"])
                self.publish(json.dumps(snapshot, separators=(",", ":")))

    async def next(self, serial: int, wait: float) -> tuple[int, str] | None:
        """The snapshot after `serial` once there is one, or None after `wait` s."""
        changed = self._changed
        if self.serial == serial and not self.closed:
            try:
                await asyncio.wait_for(changed.wait(), wait)
            except TimeoutError:
                return None
        return self.serial, self.text


def _csp_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def page_and_policy(path: Path = PAGE_FILE) -> tuple[str, str]:
    """The page, and a Content-Security-Policy allowing exactly its inline script and style:
    even a bug that let a learner's text into the page as markup could run nothing."""
    page = path.read_text(encoding="utf-8")
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    policy = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return page, policy


HUB = web.AppKey("hub", Hub)
PAGE = web.AppKey("page", tuple)


async def index(request: web.Request) -> web.Response:
    page, policy = request.app[PAGE]
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"},
    )


async def state(request: web.Request) -> web.Response:
    snapshot = await request.app[HUB].source.snapshot()
    return web.json_response(snapshot, headers={"Cache-Control": "no-store"})


async def events(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    if hub.viewers >= MAX_VIEWERS:
        raise web.HTTPServiceUnavailable(text=f"the board has {MAX_VIEWERS} viewers already")
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    hub.viewers += 1
    try:
        serial = 0
        while not hub.closed:
            got = await hub.next(serial, KEEPALIVE)
            if got is None:
                await response.write(b": still here\n\n")
            elif got[0] != serial:
                serial, text = got
                await response.write(f"data: {text}\n\n".encode())
    except ConnectionResetError:  # the page was closed
        pass
    finally:
        hub.viewers -= 1
    return response


@web.middleware
async def read_only_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def make_app(source) -> web.Application:
    """The board's web app over `source` (an ActorSource, or a LiveBoard in tests). Only GET
    routes: aiohttp answers any other method with 405."""
    app = web.Application(middlewares=[read_only_headers])
    app[HUB] = Hub(source)
    app[PAGE] = page_and_policy()
    app.router.add_get("/", index)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/events", events)

    async def follow(app: web.Application):
        task = asyncio.create_task(app[HUB].follow())
        yield
        app[HUB].close()
        task.cancel()

    app.cleanup_ctx.append(follow)
    app.on_shutdown.append(lambda app: _close(app[HUB]))
    return app


async def _close(hub: Hub) -> None:
    hub.close()  # open event streams end, so shutting down does not wait for them


async def serve(app: web.Application, host: str, port: int, say) -> None:
    """Serve until SIGTERM or Ctrl-C; `say` gets the URL once it is listening."""
    runner = web.AppRunner(app, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        say(f"http://{host if ':' not in host else f'[{host}]'}:{bound}/")
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def catalogue_katas() -> list[dict]:
    from dojo.kata import catalogue

    return [
        {"slug": k.slug, "number": k.number, "title": k.title, "tests": k.test_names()}
        for k in catalogue.all_katas()
    ]


def connect(address: str) -> None:
    """Connect this process to the room's head (a Ray driver)."""
    os.environ["RAY_ADDRESS"] = address
    from dojo.cluster import ray_runtime

    ray_runtime.prepare_environment()  # before `import ray`
    ray_runtime.check_reachable(address)
    import ray

    from dojo.board.actor import NAMESPACE

    ray.init(
        address=address,
        namespace=NAMESPACE,
        # The actor's worker imports dojo.board from this checkout.
        runtime_env={"env_vars": {"PYTHONPATH": ray_runtime.worker_pythonpath()}},
        logging_level=logging.WARNING,
        log_to_driver=False,
    )
