"""The crawler benchmarks run and compare like with like: each script's --quick mode exits 0 and
prints its tables with every crawl checked right, and the baseline crawlers (bench/baselines.py)
request exactly what a correct crawler requests on a generated site, by the same rules (a
baseline that crawled other pages would make every speed-up ratio meaningless)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.baselines import asyncio_crawl, sequential_crawl
from dojo.crawl.report import FETCHED
from dojo.web import LocalHitLog, generate_site, start_mock

REPO = Path(__file__).resolve().parent.parent
DELAY = 0.02


def _run_quick(script: str, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"{script} --quick failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.timeout(300)
def test_crawl_efficiency_quick_prints_its_tables():
    out = _run_quick("crawl_efficiency.py")
    for title in ("Efficiency", "Speed-ups", "Zero latency", "Peak RSS", "load average"):
        assert title in out, out
    assert "│ mock" in out and "eff. crawler" in out, out
    # every crawl (Ray, asyncio, zero latency) fetched exactly the predicted pages
    assert "│    NO │" not in out and "WRONG" not in out, out


@pytest.mark.timeout(300)
def test_crawl_scaling_quick_prints_its_tables():
    out = _run_quick("crawl_scaling.py")
    for title in ("Fetchers (4 lanes each)", "Site size", "driver growth during a crawl"):
        assert title in out, out
    assert "│    NO │" not in out, out


@pytest.mark.parametrize("lanes", [1, 4])
async def test_baselines_request_exactly_what_a_correct_crawler_requests(lanes):
    site, facts = generate_site(pages=40, hosts=3, fanout=4, depth=3, latency=0.005, seed=5)
    expected = facts.expected_crawl()
    hits = LocalHitLog()
    settings = {"allowed_domains": ["example.test"], "max_depth": 100, "max_pages": 10**6}
    with start_mock(site, hits):
        if lanes == 1:
            report = await sequential_crawl(facts.start, delay=DELAY, **settings)
        else:
            report = await asyncio_crawl(facts.start, lanes=lanes, delay=DELAY, **settings)

    pages = {u for u, o in report.outcomes.items() if o.kind == FETCHED and "text/html" in o.reason}
    assert pages == set(expected.pages)
    assert report.discovered == len(report.outcomes), "URLs discovered but never resolved"
    # From the server's side: each URL a correct crawler requests, exactly once, no other.
    assert set(hits.counts()) == set(expected.requested)
    assert not hits.duplicates()
    # The same politeness as the Ray crawler: never two requests to a host closer than DELAY.
    gaps = [g for g in hits.min_gap(by="host").values() if g is not None]
    assert min(gaps) >= DELAY * 0.9
    in_flight = hits.peak_in_flight()
    assert in_flight == 1 if lanes == 1 else 1 < in_flight <= lanes


@pytest.mark.timeout(300)
def test_crawl_sharded_quick_prints_its_tables():
    out = _run_quick("crawl_sharded.py")
    for title in ("single frontier vs sharded by origin", "per 1,000 queued URLs", "load average"):
        assert title in out, out
    # each crawl (the single frontier, K=1, K=2, K=2 split) found every page, resolved every
    # URL, and gave every URL the single frontier's outcome
    assert out.count("│   yes │  yes │") == 4, out


@pytest.mark.timeout(300)
def test_crawl_static_quick_prints_its_tables():
    out = _run_quick("crawl_static.py")
    for title in ("Link extraction", "Static site", "network floor", "load average"):
        assert title in out, out
    for parser in ("html.parser", "selectolax"):
        assert parser in out, out
    # every crawl (two baselines, dojo crawl, kata 26's lanes) fetched every page of the tree,
    # and reported its broken link as a 404
    assert out.count("│ yes   │") == 4, out


def test_cpu_by_process_counts_a_grandchilds_cpu_and_names_it():
    # A grandchild orphaned at once (its shell exits first) that burns 0.5 s of CPU: still
    # followed (via the subreaper), counted, and named.
    burn = "import time\nwhile time.process_time() < 0.5: pass"
    out = subprocess.run(
        [sys.executable, "bench/cpu_by_process.py", "--every", "0.05", "--",
         "bash", "-c", f'("{sys.executable}" -c "{burn}" &)'],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    total = float(out.split("CPU seen: ")[1].split(" s")[0])
    assert total >= 0.3, out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("python")}
    assert rows and float(next(iter(rows.values()))[2]) >= 0.3, out


def test_cpu_by_process_leaves_no_zombie_while_the_command_runs():
    # Orphans are reparented to it (it is their subreaper): the ones that end must be reaped
    # at once, or a command that waits for its processes to be gone waits for ever (the
    # self-check's resume tests failed so under it).
    script = "(sleep 0.2 &); sleep 2; echo zombies: $(ps -o stat= --ppid $PPID | grep -c Z)"
    out = subprocess.run(
        [sys.executable, "bench/cpu_by_process.py", "--every", "0.05", "--", "bash", "-c", script],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert "zombies: 0" in out, out
