"""bench/crawl_faults.py: the reference crawler, on a fake web answering 5xx bursts, 429 with
Retry-After, timeouts and resets, with a fetcher killed mid-crawl, still accounts for every
URL once; and the script's checks do catch a lost URL or an unexplained repeat."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from rich.console import Console

from bench.crawl_faults import QUICK, Kill, RunResult, _check, run_scenario, summary, table
from dojo.crawl.report import FAILED, FETCHED, CrawlReport, Outcome
from dojo.web.hits import Hit

SEED = 1


@pytest.mark.timeout(300)  # the run gives up on a stuck crawl after 240 s (CRAWL_WITHIN)
async def test_a_faulty_web_and_a_killed_fetcher_lose_nothing(ray_cluster):
    result = await run_scenario(QUICK, SEED)

    shown = Console(record=True, width=160)
    shown.print(table(result))
    shown.print(summary([result], SEED))
    text = shown.export_text()
    assert result.ok, f"{result.problems}\n{text}"
    assert result.kills, f"no fetcher was killed:\n{text}"
    assert set(result.faults_served) == {"5xx", "429", "timeout", "reset"}, text
    # Every fault the crawl met is in the books as a failure with its reason.
    assert result.failed_by_reason["timeout"] >= 1 and result.failed_by_reason["reset"] >= 1, text
    assert any(r.startswith("429") for r in result.failed_by_reason), text
    assert any(r.startswith("5") for r in result.failed_by_reason), text
    assert result.kinds.total() == result.discovered > 0, text
    assert "0 lost, 0 resolved twice, 0 requested twice without a kill" in text, text


def _hit(url: str, who: str, n: int) -> Hit:
    return Hit(f"{who}-{n}", url, "a.example.test", who, float(n), float(n) + 0.1, 200)


def test_the_checks_catch_lost_urls_and_repeats():
    """Books with every kind of mistake: each must show up (the checks are not vacuous)."""
    a = "http://a.example.test"
    outcomes = {
        f"{a}/": Outcome(FETCHED, "200 text/html, 2 links", 200, 0),
        f"{a}/x": Outcome(FAILED, "503 Service Unavailable", 503, 1),
        f"{a}/w": Outcome(FETCHED, "200 text/html, 0 links", 200, 1),
        f"{a}/u": Outcome(FETCHED, "200 text/html, 0 links", 200, 1),
        "HTTP://A.example.test/x": Outcome(FAILED, "503 Service Unavailable", 503, 1),
        f"{a}/odd": Outcome("maybe", "", None, 1),
    }
    report = CrawlReport(outcomes, discovered=len(outcomes) + 1)
    facts = SimpleNamespace(links={f"{a}/": (f"{a}/x", f"{a}/z")}, redirects={})
    hits = [
        _hit(f"{a}/", "fetcher-0", 0),
        _hit(f"{a}/x", "fetcher-0", 1),
        _hit(f"{a}/x", "fetcher-0", 2),  # twice, and nobody died: unexplained
        _hit(f"{a}/w", "fetcher-1", 3),  # fetcher-1 was killed holding it: allowed
        _hit(f"{a}/w", "fetcher-0", 4),
        _hit(f"{a}/u", "fetcher-1", 5),  # once by the victim, twice by a survivor: not allowed
        _hit(f"{a}/u", "fetcher-0", 6),
        _hit(f"{a}/u", "fetcher-0", 7),
        _hit(f"{a}/v", "fetcher-0", 8),  # requested, never in the books
    ]
    result = RunResult(1, 0, QUICK, injected=Counter())
    result.kills.append(Kill("fetcher-1", 3, True, (f"{a}/w",)))

    _check(result, report, hits, facts)

    assert result.lost == sorted(["<1 discovered, no outcome>", f"{a}/v", f"{a}/z"])
    assert result.resolved_twice == [f"{a}/x"]
    assert result.requested_twice == [f"{a}/u", f"{a}/x"]
    assert result.rerequested_after_kill == [f"{a}/w"]
    assert result.no_reason == [f"{a}/odd"]
    assert not result.ok and len(result.problems) == 4, result.problems
