"""The board's web server (dojo/board/server.py) over an in-process board (LiveBoard, what the
actor runs): the JSON API, the live event stream, the page's safety headers, and that viewers
cannot write. No Ray: tests/test_board_cluster.py has the real head and a real browser."""

import asyncio
import json
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dojo.board import server
from dojo.board.live import LiveBoard

KATAS = [{"slug": "k01_one", "number": 1, "title": "One", "tests": ["test_a"]}]
TOKEN = "c3" * 16


def report(learner="alice", outcome="passed", lesson=""):
    return {"learner": learner, "token": TOKEN, "kata": "k01_one", "test": "test_a",
            "outcome": outcome, "lesson": lesson, "digest": ""}  # fmt: skip


@pytest.fixture
def board():
    return LiveBoard(KATAS)


@pytest.fixture
async def client(board):
    async with TestClient(TestServer(server.make_app(board))) as client:
        yield client


async def next_event(response) -> dict:
    """The next `data:` event of a server-sent event stream (comments skipped)."""
    while True:
        block = await response.content.readuntil(b"\n\n")
        data = [ln[6:] for ln in block.decode().splitlines() if ln.startswith("data: ")]
        if data:
            return json.loads("".join(data))


async def test_api_state_is_the_whole_grid_as_json(client, board):
    await board.report([report(), report("bob", "failed", "a lesson")])
    response = await client.get("/api/state")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    state = await response.json()
    assert [k["slug"] for k in state["katas"]] == ["k01_one"]
    assert state["katas"][0]["passed"] == 1
    cells = {r["name"]: r["cells"]["k01_one"] for r in state["learners"]}
    assert cells["alice"]["state"] == "passed"
    assert cells["bob"]["failure"] == {"test": "test_a", "lesson": "a lesson"}
    assert state["refused"] == {"total": 0, "by_reason": {}, "recent": []}


async def test_the_event_stream_sends_the_grid_then_each_change_within_a_second(client, board):
    response = await client.get("/api/events")
    assert response.headers["Content-Type"] == "text/event-stream"
    first = await asyncio.wait_for(next_event(response), 5)
    assert first["learners"] == []
    await board.report([report()])
    changed = await asyncio.wait_for(next_event(response), 1.0)
    assert changed["version"] > first["version"]
    assert changed["learners"][0]["cells"]["k01_one"]["state"] == "passed"
    response.close()


async def test_refused_reports_are_counted_in_the_state(client, board):
    await board.report([report(learner="no spaces allowed")])
    await board.report("not a list")
    refused = (await (await client.get("/api/state")).json())["refused"]
    assert refused["total"] == 2
    assert refused["by_reason"] == {"bad_learner": 1, "malformed": 1}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/api/state", "/api/events"])
async def test_viewers_cannot_write(client, board, method, path):
    response = await client.request(method, path, json=[report()])
    assert response.status == 405
    assert board.state.learners == {}


async def test_the_page_may_run_only_its_own_script_and_style(client):
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL).group(1)
    assert server._csp_hash(script) in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Learners' names and lessons reach the page as text only.
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page


async def test_unknown_paths_are_not_found(client):
    assert (await client.get("/api/../../etc/passwd")).status == 404
    assert (await client.get("/static/board.html")).status == 404


class FlakySource:
    """A board that fails once (the head restarting), then answers."""

    def __init__(self, board):
        self.board = board
        self.failures = 1

    async def snapshot(self):
        return await self.board.snapshot()

    async def changes(self, since, wait_at_most):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("head restarting")
        return await self.board.changes(since, wait_at_most)


async def test_the_server_keeps_following_a_board_that_failed_once(board, monkeypatch):
    monkeypatch.setattr(server, "RETRY_AFTER", 0.01)
    hub = server.Hub(FlakySource(board))
    task = asyncio.create_task(hub.follow())
    try:
        got = await asyncio.wait_for(hub.next(0, 10), 5)
        assert got is not None and got[0] == 1
    finally:
        hub.close()
        task.cancel()


def test_dojo_board_without_a_head_says_how_to_start_one(monkeypatch):
    from typer.testing import CliRunner

    from dojo.cli import app

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    result = CliRunner().invoke(app, ["board"])
    assert result.exit_code == 2
    assert "ray start --head" in result.output and "RAY_ADDRESS" in result.output
