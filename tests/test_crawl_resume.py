"""`dojo crawl --state DIR`: a crawl stopped any way goes on where it was. First the books
(the frontier and its journal, no Ray: a run "killed" by dropping its frontier), and the state
DIRs that must be refused with a clear error before Ray starts; then the real thing: `dojo
crawl` on a served site, its driver killed (SIGKILL) or interrupted (SIGINT) mid-crawl, run
again with the same DIR, and the server's hit log as the witness."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from dojo.cluster import ray_runtime
from dojo.crawl import cli
from dojo.crawl.frontier import Frontier
from dojo.crawl.report import FETCHED, Outcome, Visit
from dojo.crawl.state import open_state
from dojo.web import generate_site, serve_site_in_thread

START = "http://site.example.test/"
SETTINGS = {"start_url": START, "allowed_domains": ["site.example.test"]}


def _page(url: str, *paths: str) -> Visit:
    links = tuple(f"{START}{path.lstrip('/')}" for path in paths)
    return Visit(url, Outcome(FETCHED, f"200 text/html, {len(links)} links", 200), links)


def _frontier(state_dir: Path) -> Frontier:
    """One run's frontier on the state in state_dir; dropping it is the run's death (its
    journal, and the lock on it, close with it)."""
    state = open_state(state_dir, SETTINGS)
    state.close()  # the driver's lock: not what these tests are about
    return Frontier([START], SETTINGS["allowed_domains"], 5, 100, state.resume)


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _a_run_killed_mid_crawl(state_dir: Path) -> None:
    """The start page fetched (3 links), /a and /b leased, /a done (1 link): then the end."""
    frontier = _frontier(state_dir)
    [(start, _)] = _run(frontier.lease("w1", 1))
    _run(frontier.done("w1", _page(start, "/a", "/b", "/c")))
    assert [u for u, _ in _run(frontier.lease("w2", 2))] == [f"{START}a", f"{START}b"]
    _run(frontier.done("w2", _page(f"{START}a", "/d")))


def test_a_rerun_keeps_what_was_done_and_requeues_what_was_in_flight(tmp_path):
    _a_run_killed_mid_crawl(tmp_path)
    frontier = _frontier(tmp_path)

    first = _run(frontier.lease("w1", 1))
    assert first == [(f"{START}b", 1)], "the URL in flight at the stop goes first"
    report = _run(frontier.report())
    assert report.restarted == (f"{START}b",) and report.resumed == 2
    assert set(report.fetched) == {START, f"{START}a"}
    assert _run(frontier.stats())["queued"] == 2  # /c and /d, still to do
    assert report.discovered == 5, "start, /a, /b, /c, /d: none lost, none twice"


def test_a_third_run_counts_every_stop(tmp_path):
    _a_run_killed_mid_crawl(tmp_path)
    second = _frontier(tmp_path)
    _run(second.lease("w1", 2))  # /b (in flight again) and /c
    del second
    report = _run(_frontier(tmp_path).report())
    assert set(report.restarted) == {f"{START}b", f"{START}c"}


def test_a_finished_crawl_run_again_is_over_at_once(tmp_path):
    frontier = _frontier(tmp_path)
    while batch := _run(frontier.lease("w1", 5)):
        for url, _ in batch:
            _run(frontier.done("w1", _page(url, "/a") if url == START else _page(url)))
    del frontier
    again = _frontier(tmp_path)
    assert _run(again.finished()) and _run(again.lease("w1", 5)) == []
    report = _run(again.report())
    assert report.resumed == len(report.fetched) == 2 and not report.restarted


def test_a_torn_last_line_is_cut_off_and_the_rest_kept(tmp_path):
    _a_run_killed_mid_crawl(tmp_path)
    journal = tmp_path / "journal.jsonl"
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"op":"lease","urls":["http://site.exa')  # killed mid-write

    frontier = _frontier(tmp_path)
    assert journal.read_bytes().startswith(whole), "the whole lines are kept as they were"
    assert _run(frontier.report()).resumed == 2
    _run(frontier.lease("w1", 1))
    del frontier
    assert _run(_frontier(tmp_path).report()).restarted == (f"{START}b",), "the file still reads"


def _crawl_on(state_dir: Path, monkeypatch, start: str = START, allow=None) -> tuple[int, str]:
    """crawl_command on state_dir, where reaching Ray would fail the test: a refusal must
    come first."""

    def no_ray() -> str:
        raise AssertionError("Ray was started for a state DIR that cannot be used")

    monkeypatch.setattr(ray_runtime, "start_or_connect", no_ray)
    console = Console(record=True, width=300)
    code = cli.crawl_command(
        start, allowed_domains=allow, max_depth=3, max_pages=10, fetchers=1, concurrency=1,
        delay=0.0, json_path=None, console=console, state_dir=state_dir,
    )  # fmt: skip
    return code, " ".join(console.export_text().split())


def _damaged_journal(state_dir: Path) -> None:
    _a_run_killed_mid_crawl(state_dir)
    journal = state_dir / "journal.jsonl"
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][:10]  # not the last line: not a torn write, damage
    journal.write_bytes(b"\n".join(lines))


def _another_version(state_dir: Path) -> None:
    open_state(state_dir, SETTINGS).close()
    kept = json.loads((state_dir / "crawl.json").read_text())
    (state_dir / "crawl.json").write_text(json.dumps({**kept, "version": 99}))


def _not_json(state_dir: Path) -> None:
    open_state(state_dir, SETTINGS).close()
    (state_dir / "crawl.json").write_text("{{{")


def _no_crawl_json(state_dir: Path) -> None:
    _a_run_killed_mid_crawl(state_dir)
    (state_dir / "crawl.json").unlink()


def _a_file(state_dir: Path) -> None:
    state_dir.write_text("not a directory")


def _in_use(state_dir: Path) -> Any:
    return open_state(state_dir, SETTINGS)  # held until the test ends


def _someone_elses_folder(state_dir: Path) -> None:
    state_dir.mkdir()
    (state_dir / "thesis.tex").write_text("years of work")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_damaged_journal, "line 2 is damaged"),
        (_another_version, "version 99; this dojo reads 'dojo-crawl-state' version 1"),
        (_not_json, "crawl.json is damaged"),
        (_no_crawl_json, "has a journal but no crawl.json"),
        (_in_use, "another `dojo crawl` is running on"),
        (_a_file, "not a directory"),
        (_someone_elses_folder, "holds other files (thesis.tex) and no crawl"),
    ],
)
def test_a_state_dir_that_cannot_be_resumed_is_refused_clearly(tmp_path, monkeypatch, make, says):
    state_dir = tmp_path / "state"
    held = make(state_dir)
    code, said = _crawl_on(state_dir, monkeypatch)
    assert code == 2 and says in said and "Traceback" not in said, said
    if held is not None:
        held.close()


@pytest.mark.parametrize(
    ("start", "allow", "says"),
    [
        ("http://other.example.test/", ["site.example.test"], "its start_url is"),
        (START, ["site.example.test", "more.example.test"], "its allowed_domains is"),
    ],
)
def test_a_rerun_must_be_the_same_crawl(tmp_path, monkeypatch, start, allow, says):
    open_state(tmp_path, SETTINGS).close()
    code, said = _crawl_on(tmp_path, monkeypatch, start, allow)
    assert code == 2 and says in said and "--allow" in said, said


def test_the_order_of_allow_flags_and_the_other_flags_may_change(tmp_path):
    open_state(tmp_path, {**SETTINGS, "allowed_domains": ["b.test", "a.test"]}).close()
    again = {**SETTINGS, "allowed_domains": ["a.test", "b.test"], "max_depth": 9, "fetchers": 8}
    assert open_state(tmp_path, again).books.runs == 0


def test_the_flag_reaches_the_crawl(monkeypatch, tmp_path):
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli, "crawl_command", lambda start_url, **kw: seen.update(kw) or 0)
    app = typer.Typer()
    app.command()(cli.crawl)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["crawl", START, "--state", str(tmp_path)])
    assert result.exit_code == 0 and seen["state_dir"] == tmp_path, result.output
    assert CliRunner().invoke(app, ["crawl", "--help"]).output.count("--state") == 1


# -- the real thing: `dojo crawl` stopped mid-crawl, then run again --------------------------

DOJO = Path(sys.executable).with_name("dojo")
# Slow enough that a stop lands mid-crawl (each host answers ~4 pages a second), small enough
# that the whole crawl takes seconds.
SITE, FACTS = generate_site(pages=30, hosts=2, fanout=4, depth=3, latency=0.15, seed=14)
EXPECTED = FACTS.expected_crawl()
FLAGS = ["--depth", "10", "--max-pages", "1000", "--fetchers", "2", "--concurrency", "2",
         "--delay", "0.05"]  # fmt: skip
STOP_AT = len(EXPECTED.requested) // 3  # requests served before the stop
# Ray's two agents outlive a killed raylet by a minute (they try to tell the GCS, dead too, why
# it died); they hold nothing a rerun needs. Every other process of a run ends with it.
AGENTS = {"ray::DashboardAgent", "ray::RuntimeEnvAgent"}
WITHIN = 90.0  # seconds for anything a run waits on (Ray start-up on 2 busy cores included)


def _wait_for(check: Any, what: str) -> None:
    deadline = time.monotonic() + WITHIN
    while not check():
        assert time.monotonic() < deadline, f"waited {WITHIN:g} s for {what}"
        time.sleep(0.05)


def _dojo_crawl(served: Any, state_dir: Path, out: Path, *more: str) -> subprocess.Popen:
    """`dojo crawl --state` on an embedded Ray of its own: every process of it is the
    driver's child, so that the test can see them all end with the driver."""
    env = {**os.environ, "DOJO_NO_DAEMON": "1"}
    env.pop("RAY_ADDRESS", None)
    with open(out, "w") as output:  # a file, not a pipe nobody reads while it runs
        return subprocess.Popen(
            [str(DOJO), "crawl", served.url(FACTS.start), *FLAGS, "--state", str(state_dir),
             *more],
            stdout=output, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip


def _stop_mid_crawl(served: Any, tmp_path: Path, how: signal.Signals) -> None:
    """Start `dojo crawl --state`, stop it with `how` once STOP_AT requests were served, and
    wait until every process it started (its embedded Ray, but for AGENTS) is gone."""
    run = _dojo_crawl(served, tmp_path / "state", tmp_path / "first.txt")
    try:
        _wait_for(lambda: served.hits.size(finished_only=True) >= STOP_AT or run.poll() is not None,
                  "the first run to be well under way")  # fmt: skip
        assert run.poll() is None, (tmp_path / "first.txt").read_text()
        family = [p for p in psutil.Process(run.pid).children(recursive=True)
                  if p.name() not in AGENTS]  # fmt: skip
        assert any(p.name() == "raylet" for p in family), "the run's Ray cannot be found"
        run.send_signal(how)
        run.wait(timeout=WITHIN)
    finally:
        run.kill()
    said = (tmp_path / "first.txt").read_text()
    if how == signal.SIGINT:
        assert run.returncode == 130 and "the same command goes on from here" in said, said
    _, left = psutil.wait_procs(family, timeout=WITHIN)
    assert not left, f"the stopped run left processes behind: {left}"


def _resume(served: Any, tmp_path: Path) -> dict:
    report_path = tmp_path / "report.json"
    run = _dojo_crawl(served, tmp_path / "state", tmp_path / "second.txt", "--json",
                      str(report_path))  # fmt: skip
    try:
        run.wait(timeout=2 * WITHIN)
    finally:
        run.kill()
    said = (tmp_path / "second.txt").read_text()
    assert run.returncode == 0 and "resuming the crawl kept in" in said, said
    return json.loads(report_path.read_text(encoding="utf-8"))


def _stopped_and_resumed(tmp_path: Path, how: signal.Signals) -> None:
    with serve_site_in_thread(SITE) as served:
        _stop_mid_crawl(served, tmp_path, how)
        first = served.hits.size()
        report = _resume(served, tmp_path)
        hits = served.hits.hits()
    urls = [h.url for h in hits]
    requests = Counter(urls)
    again = {url for url, n in requests.items() if n > 1 and not url.endswith("/robots.txt")}
    in_flight = {served.original(url) for url in report["refetched_after_restart"]}
    fetched = {served.original(u) for u, o in report["urls"].items()
               if o["reason"].startswith("200 text/html")}  # fmt: skip

    assert 0 < first < len(hits), "the first run was not stopped mid-crawl"
    assert set(urls) == set(EXPECTED.requested), "a URL was lost, or one fetched that should not"
    assert again <= in_flight, f"fetched twice but not in flight at the stop: {again - in_flight}"
    assert in_flight, "the stop found nothing in flight: the report does not count it"
    assert fetched == set(EXPECTED.pages)
    assert report["discovered"] == report["accounted_for"]
    assert 0 < report["resolved_by_earlier_runs"] < report["accounted_for"]
    assert max(requests.values()) <= 2, "twice at most: once per run"


@pytest.mark.timeout(300)
def test_a_killed_driver_is_resumed_losing_nothing_and_fetching_nothing_twice(tmp_path):
    _stopped_and_resumed(tmp_path, signal.SIGKILL)


@pytest.mark.timeout(300)
def test_an_interrupted_crawl_is_resumed_the_same_way(tmp_path):
    _stopped_and_resumed(tmp_path, signal.SIGINT)
