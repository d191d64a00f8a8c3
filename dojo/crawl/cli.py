"""`dojo serve-site` and `dojo crawl`: the dojo's crawler (dojo.crawl.crawler) for real.

serve-site  serves a generated fake-web site over real HTTP on 127.0.0.1 (one port per fake
            host, latency included) until Ctrl-C, and prints the crawl command to point at it.
crawl       crawls any http(s) start URL with the reference distributed crawler on Ray (an
            embedded Ray, or RAY_ADDRESS), with a live progress bar, a summary that fits a
            screen (the top rows of each table) and an optional JSON report of every URL it
            came across. `crawl` below is the command itself (its flags and their defaults);
            dojo/cli.py registers it.

The crawler is dojo.crawl.crawler, which kata 26's reference solution re-exports: one crawler,
held to the kata's rules by its tests, run here with `site=None` (no mock: the real network)
and a progress callback, robots.txt read as RFC 9309 says (Protego) and the CrawlOptions
(--per-host, --max-bytes, --state: a crawl that resumes, dojo.crawl.state).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from yarl import URL

from dojo.crawl.limits import MAX_BODY, MAX_CRAWL_DELAY

MAX_URL_LENGTH = 2048  # longer start URLs are refused: no server takes them anyway
SUMMARY_ROWS = 10  # rows of each summary table; the rest is one "and N more" row (--json: all)


class BadStartUrl(ValueError):
    """The start URL cannot be crawled: not absolute http(s), no host, or absurdly long."""


def check_start_url(url: str) -> str:
    """The start URL as given, if it can be crawled; else BadStartUrl saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise BadStartUrl(f"the start URL is {len(url):,} characters (limit {MAX_URL_LENGTH:,})")
    try:
        parsed = URL(url)
    except ValueError as err:
        raise BadStartUrl(f"{url!r} is not a URL: {err}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BadStartUrl(
            f"{url!r} is not an absolute http(s) URL (only http and https are crawled)"
        )
    return url


def default_domains(start_url: str) -> list[str]:
    return [URL(start_url).host or ""]


def run_crawl(
    start_url: str,
    *,
    allowed_domains: list[str],
    max_depth: int,
    max_pages: int,
    fetchers: int,
    concurrency: int,
    delay: float,
    per_host: int = 1,
    max_bytes: int = MAX_BODY,
    on_progress: Any = None,
    resume: Any = None,
) -> Any:
    """Crawl the real network with the dojo's crawler (dojo.crawl.crawler); Ray must be
    initialised. Returns its CrawlReport."""
    # Imported here: the `dojo` command imports this module at every start (its flags), and
    # only a crawl needs asyncio, Ray and aiohttp.
    import asyncio

    from dojo.crawl.crawler import CrawlOptions, crawl

    return asyncio.run(
        crawl(
            None,
            None,
            start_url,
            allowed_domains=allowed_domains,
            max_depth=max_depth,
            max_pages=max_pages,
            fetchers=fetchers,
            per_fetcher=concurrency,
            delay=delay,
            on_progress=on_progress,
            options=CrawlOptions(
                per_host=per_host, max_bytes=max_bytes, resume=resume, coalesce=True
            ),
        )
    )


def report_json(report: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The whole crawl as plain data: settings, totals, and every URL with its outcome."""
    elapsed = report.elapsed
    return {
        "settings": settings,
        "discovered": report.discovered,
        "accounted_for": len(report.outcomes),
        "released_from_dead_fetchers": report.released,
        "resolved_by_earlier_runs": report.resumed,
        "refetched_after_restart": sorted(report.restarted),
        "elapsed_s": round(elapsed, 3),
        "pages_per_s": round(len(report.fetched) / elapsed, 2) if elapsed > 0 else None,
        "by_kind": report.counts_by_kind(),
        "crawl_delays_asked": report.crawl_delays,
        "urls": {
            url: {"kind": o.kind, "reason": o.reason, "status": o.status, "depth": o.depth}
            for url, o in sorted(report.outcomes.items())
        },
    }


def _counter_table(
    title: str, counts: Counter | dict, key_name: str, rows: int = SUMMARY_ROWS
) -> Table:
    """The `rows` biggest counts, then one row for the rest: a crawl that met 4,000 hosts
    still prints a screenful (the JSON report has every URL)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if len(ranked) > rows:
        title = f"{title} (top {rows} of {len(ranked):,})"
    table = Table(title=title, show_edge=False, pad_edge=False, title_justify="left")
    table.add_column(key_name)
    table.add_column("URLs", justify="right")
    for key, n in ranked[:rows]:
        table.add_row("-" if key is None else escape(str(key)), f"{n:,}")
    rest = ranked[rows:]
    if rest:
        table.add_row(f"and {len(rest):,} more", f"{sum(n for _, n in rest):,}", style="dim")
    return table


def summary_tables(report: Any) -> list[Table]:
    """Pages by status, host and depth; failures and skips by reason; time and rate."""
    failed = Counter(o.reason for o in report.failed.values())
    skipped = Counter(o.reason for o in report.skipped.values())
    totals = Table(title="crawl", show_edge=False, pad_edge=False, title_justify="left")
    totals.add_column("")
    totals.add_column("", justify="right")
    rate = len(report.fetched) / report.elapsed if report.elapsed > 0 else 0.0
    for label, value in (
        ("discovered", report.discovered),
        ("fetched", len(report.fetched)),
        ("failed", len(report.failed)),
        ("skipped", len(report.skipped)),
        ("lost (discovered, no outcome)", report.discovered - len(report.outcomes)),
        ("released from dead fetchers", report.released),
        *_resumed_rows(report),
        ("time", f"{report.elapsed:.2f} s"),
        ("pages/s", f"{rate:.1f}"),
    ):
        totals.add_row(label, str(value))
    tables = [
        totals,
        _counter_table("by status", report.counts_by_status(), "status"),
        _counter_table("by host", report.counts_by_host(), "host"),
        _counter_table("by depth", report.counts_by_depth(), "depth"),
    ]
    if failed:
        tables.append(_counter_table("failed, by reason", failed, "reason"))
    if skipped:
        tables.append(_counter_table("skipped, by reason", skipped, "reason"))
    if report.crawl_delays:
        tables.append(_crawl_delay_table(report.crawl_delays))
    return tables


def _crawl_delay_table(asked: dict[str, float]) -> Table:
    """The origins whose robots.txt asked for a Crawl-delay, and what each asked for."""
    table = Table(
        title=f"Crawl-delay asked by robots.txt (honoured up to {MAX_CRAWL_DELAY:g} s, "
        "when longer than --delay)",
        show_edge=False, pad_edge=False, title_justify="left", min_width=80,  # title: 1 line
    )  # fmt: skip
    table.add_column("origin")
    table.add_column("asked", justify="right")
    ranked = sorted(asked.items(), key=lambda kv: (-kv[1], kv[0]))
    for origin, seconds in ranked[:SUMMARY_ROWS]:
        table.add_row(escape(origin), f"{seconds:g} s")
    if len(ranked) > SUMMARY_ROWS:
        table.add_row(f"and {len(ranked) - SUMMARY_ROWS:,} more", "")
    return table


def _resumed_rows(report: Any) -> list[tuple[str, int]]:
    """A resumed crawl's own rows (--state): none for a crawl that never stopped."""
    if not (report.resumed or report.restarted):
        return []
    return [
        ("resolved by earlier runs", report.resumed),
        ("refetched after a restart", len(report.restarted)),
    ]


def _bad_settings(start_url: str, numbers: dict[str, float]) -> str | None:
    """Why the crawl cannot start with this URL and these numbers, or None."""
    try:
        check_start_url(start_url)
    except BadStartUrl as err:
        return str(err)
    at_least_one = ("fetchers", "concurrency", "per_host", "max_pages", "max_bytes")
    if min(numbers[k] for k in at_least_one) < 1 or min(numbers["max_depth"], numbers["delay"]) < 0:
        return (
            "need --fetchers, --concurrency, --per-host, --max-pages, --max-bytes >= 1, "
            "--depth and --delay >= 0"
        )
    return None


def _plan(settings: dict[str, Any], where: str) -> str:
    """The crawl about to run, in one sentence."""
    s = settings
    if s["per_host"] == 1:
        polite = f"one request at a time per host, {s['delay_s']:g} s after each answer"
    else:
        polite = f"≤ {s['per_host']} requests in flight per host, starts {s['delay_s']:g} s apart"
    return (
        f"crawling {escape(s['start_url'])} on {where}: {s['fetchers']} fetchers × "
        f"{s['concurrency_per_fetcher']} in flight, {polite}, depth ≤ {s['max_depth']}, "
        f"≤ {s['max_pages']} pages, bodies ≤ {s['max_bytes']:,} bytes, "
        f"domains {', '.join(s['allowed_domains'])}"
    )


def _crawl_showing_progress(settings: dict[str, Any], console: Console, resume: Any) -> Any:
    """run_crawl with a live bar of URLs resolved, queued and in flight; returns the report."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[queued]} queued, {task.fields[in_flight]} in flight"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("URLs resolved", total=1, queued=1, in_flight=0)

        def show(stats: dict[str, int]) -> None:
            known = stats["resolved"] + stats["queued"] + stats["in_flight"]
            bar.update(
                task,
                completed=stats["resolved"],
                total=max(known, 1),
                queued=stats["queued"],
                in_flight=stats["in_flight"],
            )

        report = run_crawl(
            settings["start_url"],
            allowed_domains=settings["allowed_domains"],
            max_depth=settings["max_depth"],
            max_pages=settings["max_pages"],
            fetchers=settings["fetchers"],
            concurrency=settings["concurrency_per_fetcher"],
            delay=settings["delay_s"],
            per_host=settings["per_host"],
            max_bytes=settings["max_bytes"],
            on_progress=show,
            resume=resume,
        )
        bar.update(task, completed=len(report.outcomes), total=max(report.discovered, 1),
                   queued=0, in_flight=0)  # fmt: skip
    return report


def crawl_command(
    start_url: str,
    *,
    allowed_domains: list[str] | None,
    max_depth: int,
    max_pages: int,
    fetchers: int,
    concurrency: int,
    delay: float,
    json_path: Path | None,
    console: Console,
    per_host: int = 1,
    max_bytes: int = MAX_BODY,
    state_dir: Path | None = None,
) -> int:
    """`dojo crawl`: exit 0 after a crawl (whatever the pages said), 2 for bad input (a state
    DIR that cannot be resumed included: before Ray starts), 1 when Ray cannot be reached,
    130 when interrupted (Ctrl-C; with --state, the same command goes on from there)."""
    problem = _bad_settings(
        start_url,
        dict(fetchers=fetchers, concurrency=concurrency, per_host=per_host, max_pages=max_pages,
             max_bytes=max_bytes, max_depth=max_depth, delay=delay),
    )  # fmt: skip
    if problem:
        console.print(f"[red]{escape(problem)}[/red]")
        return 2
    domains = allowed_domains or default_domains(start_url)
    settings = {
        "start_url": start_url,
        "allowed_domains": domains,
        "max_depth": max_depth,
        "max_pages": max_pages,
        "fetchers": fetchers,
        "concurrency_per_fetcher": concurrency,
        "delay_s": delay,
        "per_host": per_host,
        "max_bytes": max_bytes,
        **({"state_dir": str(state_dir)} if state_dir is not None else {}),
    }
    from dojo.crawl.state import StateError, state_for

    try:
        with state_for(state_dir, settings, console.print) as state:
            return _connect_and_crawl(settings, state, json_path, console)
    except StateError as err:
        console.print(f"[red]{escape(str(err))}[/red]")
        return 2
    except KeyboardInterrupt:
        # Whenever it came: mid-crawl, the crawl's actors are gone already (asyncio.run
        # cancelled it, and its `finally` killed them); the journal has every step so far.
        again = ": the same command goes on from here" if state_dir is not None else ""
        console.print(f"interrupted{again}", highlight=False)
        return 130


def _connect_and_crawl(
    settings: dict[str, Any], state: Any, json_path: Path | None, console: Console
) -> int:
    """crawl_command once its input is checked (and the state DIR open, with --state)."""
    from dojo.cluster import ray_runtime

    try:
        where = ray_runtime.start_or_connect()
    except ray_runtime.ClusterUnreachable as err:
        console.print(f"[red]{escape(str(err))}[/red]")
        return 1
    console.print(_plan(settings, where), highlight=False)
    if state is not None:
        console.print(escape(state.describe()), highlight=False)
    began = time.monotonic()
    report = _crawl_showing_progress(settings, console, state and state.resume)
    tables = summary_tables(report)
    for table in tables:
        console.print(table)
        console.print()
    console.print(f"done in {time.monotonic() - began:.1f} s (Ray start-up not counted)")
    if json_path is None and any("(top " in str(t.title) for t in tables):
        console.print("the tables show their top rows: --json FILE writes every URL's outcome")
    if json_path is not None:
        json_path.write_text(json.dumps(report_json(report, settings), indent=1), encoding="utf-8")
        console.print(f"report written to {escape(str(json_path))}")
    return 0


def crawl(
    start_url: Annotated[str, typer.Argument(help="where to start: an http(s) URL")],
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            help="domain to stay on, subdomains included (repeatable; "
            "default: the start URL's host)",
        ),
    ] = None,
    max_pages: Annotated[int, typer.Option(min=1, help="stop discovering after this many")] = 200,
    depth: Annotated[int, typer.Option(min=0, help="link depth limit (start: 0)")] = 3,
    fetchers: Annotated[int, typer.Option(min=1, help="fetcher actors")] = 4,
    concurrency: Annotated[int, typer.Option(min=1, help="requests in flight per fetcher")] = 8,
    per_host: Annotated[
        int,
        typer.Option(
            min=1,
            help="requests in flight to one host at most: 1 is one at a time, the polite "
            "choice for a site you do not run; more overlap only when an answer takes longer "
            "than --delay",
        ),
    ] = 1,
    delay: Annotated[
        float,
        typer.Option(
            min=0,
            help="seconds from an answer to the next request to its host, and between two "
            "requests starting on one host",
        ),
    ] = 0.25,
    max_bytes: Annotated[
        int,
        typer.Option(min=1, help="largest page read, in bytes; a bigger one is failed: too_large"),
    ] = MAX_BODY,
    json_report: Annotated[
        Path | None, typer.Option("--json", help="write every URL's outcome to this file")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            help="keep the crawl's state in DIR: stopped any way (Ctrl-C, killed), the same "
            "command with the same DIR goes on where it was, fetching no page twice but those "
            "in flight at the stop",
        ),
    ] = None,
) -> None:
    """Crawl a real site with the reference crawler (kata 26) on Ray; obeys robots.txt."""
    raise typer.Exit(
        crawl_command(
            start_url,
            allowed_domains=allow,
            max_depth=depth,
            max_pages=max_pages,
            fetchers=fetchers,
            concurrency=concurrency,
            per_host=per_host,
            delay=delay,
            max_bytes=max_bytes,
            json_path=json_report,
            console=Console(),
            state_dir=state,
        )
    )


def serve_command(
    *,
    pages: int,
    hosts: int,
    fanout: int,
    depth: int,
    latency: float,
    seed: int,
    seconds: float | None,
    console: Console,
) -> int:
    """`dojo serve-site`: serve a generated site until Ctrl-C (or for `seconds`)."""
    from dojo.web import generate_site, serve_site_in_thread

    try:
        site, facts = generate_site(
            pages=pages, hosts=hosts, fanout=fanout, depth=depth, latency=latency, seed=seed
        )
    except ValueError as err:
        console.print(f"[red]{escape(str(err))}[/red]")
        return 2
    with serve_site_in_thread(site) as served:
        start = served.url(facts.start)
        crawl = facts.expected_crawl()
        console.print(
            f"serving a generated site: {pages} pages over {hosts} hosts, {latency * 1000:g} ms "
            f"latency (seed {seed}); a correct crawl fetches {len(crawl.pages)} HTML pages and "
            f"requests {len(crawl.requested)} URLs.",
            highlight=False,
        )
        table = Table(show_edge=False, pad_edge=False)
        table.add_column("fake host")
        table.add_column("served at")
        for fake, real in sorted(served.hosts.items()):
            table.add_row(fake, real)
        console.print(table)
        console.print(f"start URL: {start}", highlight=False, soft_wrap=True)
        console.print(
            f"crawl it:  dojo crawl {start} --allow 127.0.0.1", highlight=False, soft_wrap=True
        )
        console.print("Ctrl-C stops the server.")
        try:
            if seconds is None:
                while True:
                    time.sleep(3600)
            else:
                time.sleep(seconds)
        except KeyboardInterrupt:
            console.print("stopped.")
    return 0
