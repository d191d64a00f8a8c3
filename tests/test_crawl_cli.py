"""`dojo crawl`'s flags and summary, without Ray: --per-host and --max-bytes reach the crawl
with their stated defaults, the body cap holds over real HTTP, and the summary of a crawl
that met thousands of hosts fits a screen while --json keeps every URL. The crawl itself
with these flags, on Ray, is in tests/test_real_crawl.py."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from dojo.crawl import cli
from dojo.crawl.fetch import USER_AGENT, fetch_page
from dojo.crawl.limits import MAX_BODY, ROBOTS_PARSE_LIMIT
from dojo.crawl.report import FETCHED, SKIPPED, CrawlReport, Outcome
from dojo.crawl.rfc9309 import Rfc9309Rules
from dojo.web import Response, serve_site, site_from_pages


@pytest.fixture
def passed_on(monkeypatch) -> dict[str, Any]:
    """What the `crawl` command hands to crawl_command (which is not run: no Ray here)."""
    seen: dict[str, Any] = {}

    def record(start_url: str, **kwargs: Any) -> int:
        seen.update(kwargs, start_url=start_url)
        return 0

    monkeypatch.setattr(cli, "crawl_command", record)
    return seen


def _invoke(*args: str):
    app = typer.Typer()
    app.command()(cli.crawl)  # the command dojo/cli.py registers as `dojo crawl`
    app.command("other")(lambda: None)  # two commands: `crawl` is then named on the line
    return CliRunner().invoke(app, ["crawl", *args])


def test_the_flags_reach_the_crawl(passed_on):
    result = _invoke("https://docs.example.test/", "--per-host", "4", "--max-bytes", "5000")
    assert result.exit_code == 0, result.output
    assert passed_on["per_host"] == 4 and passed_on["max_bytes"] == 5000


def test_the_defaults_are_polite_and_sized_for_documentation(passed_on):
    result = _invoke("https://docs.example.test/")
    assert result.exit_code == 0, result.output
    assert passed_on["per_host"] == 1, "one request at a time per host unless asked"
    assert passed_on["delay"] == 0.25
    assert passed_on["max_bytes"] == MAX_BODY == 10_000_000
    shown = _invoke("--help").output
    assert "--per-host" in shown and "--max-bytes" in shown


@pytest.mark.parametrize("flag", ["--per-host", "--max-bytes"])
def test_nonsense_values_are_refused(passed_on, flag):
    assert _invoke("https://docs.example.test/", flag, "0").exit_code == 2
    assert not passed_on, "the crawl was started anyway"


def test_crawl_command_refuses_them_before_ray_starts():
    console = Console(record=True, width=200)
    code = cli.crawl_command(
        "https://docs.example.test/", allowed_domains=None, max_depth=1, max_pages=10,
        fetchers=1, concurrency=1, delay=0.0, json_path=None, console=console, per_host=0,
    )  # fmt: skip
    assert code == 2 and "--per-host" in console.export_text()


BIG = "<p>" + "x" * 4_997  # 5,000 bytes


async def test_the_body_cap_is_the_one_asked_for():
    site = site_from_pages({"http://big.example.test/": Response(body=BIG)})
    async with serve_site(site) as served, aiohttp.ClientSession() as session:
        url = served.url("http://big.example.test/")
        over = await fetch_page(session, url, 5.0, max_bytes=4_000)
        fits = await fetch_page(session, url, 5.0, max_bytes=5_000)
        default = await fetch_page(session, url, 5.0)
    assert (over.error, over.detail) == ("too_large", "body over 4,000 bytes")
    assert fits.error is None and fits.body == BIG
    assert default.error is None


async def test_a_robots_txt_over_the_parse_limit_is_read_up_to_it():
    # RFC 9309 2.5: parse at least 500 KiB, ignore the rest. The last rule lies past the
    # limit, and the line the limit cuts through must not be read as a shorter rule.
    head = "User-agent: *\nDisallow: /private\n" + "# filler\n" * (ROBOTS_PARSE_LIMIT // 9)
    cut_line = "Disallow: /public-but-cut-here\n"
    body = head[: ROBOTS_PARSE_LIMIT - 10] + "\n" + cut_line + "Disallow: /\n"
    site = site_from_pages({"http://big.example.test/robots.txt": Response(body=body)})
    async with serve_site(site) as served, aiohttp.ClientSession() as session:
        url = served.url("http://big.example.test/robots.txt")
        kept = await fetch_page(session, url, 5.0, ROBOTS_PARSE_LIMIT, keep_first=True)
        refused = await fetch_page(session, url, 5.0, ROBOTS_PARSE_LIMIT)
    assert refused.error == "too_large"
    assert kept.error is None and len(kept.body) <= ROBOTS_PARSE_LIMIT
    assert kept.body.endswith("\n") and "Disallow: /public" not in kept.body
    rules = Rfc9309Rules(kept.body)
    assert not rules.can_fetch(USER_AGENT, "http://big.example.test/private/x")
    assert rules.can_fetch(USER_AGENT, "http://big.example.test/public-but-cut-here")
    assert rules.can_fetch(USER_AGENT, "http://big.example.test/docs/")  # past the limit


def _many_hosts(hosts: int) -> CrawlReport:
    outcomes = {"https://docs.example.test/": Outcome(FETCHED, "200 text/html, 4000 links", 200, 0)}
    for i in range(hosts):
        outcomes[f"https://site-{i}.example.test/"] = Outcome(SKIPPED, "off-domain", None, 1)
    return CrawlReport(outcomes, discovered=len(outcomes), elapsed=1.0)


def test_the_summary_fits_a_screen_and_the_json_keeps_everything():
    report = _many_hosts(4_000)
    console = Console(record=True, width=100)
    for table in cli.summary_tables(report):
        console.print(table)
    text = console.export_text()

    assert len(text.splitlines()) < 60, text
    assert f"by host (top {cli.SUMMARY_ROWS} of 4,001)" in text
    assert f"and {4_001 - cli.SUMMARY_ROWS:,} more" in text
    assert "docs.example.test" in text  # the top rows are shown (ties sorted by name)
    everything = cli.report_json(report, {})
    assert len(everything["urls"]) == 4_001


def test_a_small_summary_is_shown_whole():
    console = Console(record=True, width=100)
    for table in cli.summary_tables(_many_hosts(3)):
        console.print(table)
    text = console.export_text()
    assert "top " not in text and "more" not in text
    assert all(f"site-{i}.example.test" in text for i in range(3))
