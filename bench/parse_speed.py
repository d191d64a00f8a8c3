"""Link extraction on real pages: html.parser against selectolax and lxml (dojo.crawl.parse),
whole (parse + resolve + canonical, dojo.crawl.links.extract_links) and parse alone; how long
one page blocks an event loop; and whether a second thread parses in parallel (a parser that
holds the GIL gains nothing from asyncio.to_thread but a free loop... which it cannot give).

    .venv/bin/python bench/parse_speed.py [ROOT]     # default: Debian's python3-doc tree

Numbers only: nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from dojo.crawl import links as links_module  # noqa: E402
from dojo.crawl.parse import FINDERS, installed  # noqa: E402

Page = tuple[str, str]  # (html, its URL)


def read_pages(root: Path, base: str = "http://127.0.0.1/") -> list[Page]:
    return [
        (p.read_text(encoding="utf-8", errors="replace"), base + p.relative_to(root).as_posix())
        for p in sorted(root.rglob("*.html"))
    ]


@dataclass
class ParserRow:
    parser: str
    total_s: float  # extract_links over every page (a cold canonical cache)
    parse_s: float  # the parser alone (hrefs found, nothing resolved)
    mb_per_s: float
    median_ms: float  # one page, extract_links: how long it holds an event loop
    max_ms: float
    same_links: bool  # the same links as html.parser on every page
    threads_gain: float  # the pages in 2 threads vs 1: 2.0 = fully parallel, 1.0 = none


def _timed(fn, pages: list[Page]) -> tuple[float, list[float], list]:
    each, out = [], []
    began = time.perf_counter()
    for html, url in pages:
        t = time.perf_counter()
        out.append(fn(html, url))
        each.append(time.perf_counter() - t)
    return time.perf_counter() - began, each, out


def _threads_gain(find, pages: list[Page]) -> float:
    """Time of the pages' parse in one thread over the time in two (half the pages each)."""
    one = time.perf_counter()
    for html, _ in pages:
        find(html)
    one = time.perf_counter() - one
    with ThreadPoolExecutor(2) as pool:
        two = time.perf_counter()
        list(pool.map(lambda half: [find(h) for h, _ in half], (pages[0::2], pages[1::2])))
        two = time.perf_counter() - two
    return one / two


def measure(pages: list[Page]) -> list[ParserRow]:
    chars = sum(len(html) for html, _ in pages)
    reference = [links_module.extract_links(h, u, "html.parser") for h, u in pages]
    rows = []
    for name, find in FINDERS.items():
        if not installed(name):
            continue
        links_module.clear_cache()  # each parser starts cold
        total, each, got = _timed(lambda h, u, n=name: links_module.extract_links(h, u, n), pages)
        parse_s, _, _ = _timed(lambda h, _u, f=find: f(h), pages)
        rows.append(
            ParserRow(
                name, total, parse_s, chars / 1e6 / parse_s,
                1000 * statistics.median(each), 1000 * max(each),
                got == reference, _threads_gain(find, pages),
            )
        )  # fmt: skip
    return rows


def table(rows: list[ParserRow], pages: list[Page]) -> Table:
    mb = sum(len(h) for h, _ in pages) / 1e6
    out = Table(title=f"Link extraction, {len(pages)} pages, {mb:.1f} M characters")
    for col in ("parser", "extract_links s", "parse alone s", "parse MB/s", "vs html.parser",
                "ms/page median", "ms/page max", "same links", "2 threads / 1"):  # fmt: skip
        out.add_column(col, justify="left" if col == "parser" else "right")
    stdlib = next((r.total_s for r in rows if r.parser == "html.parser"), None)
    for r in rows:
        out.add_row(
            r.parser, f"{r.total_s:.2f}", f"{r.parse_s:.2f}", f"{r.mb_per_s:.0f}",
            f"{stdlib / r.total_s:.1f}x" if stdlib else "-",
            f"{r.median_ms:.2f}", f"{r.max_ms:.1f}", "yes" if r.same_links else "NO",
            f"{r.threads_gain:.2f}x",
        )  # fmt: skip
    return out


if __name__ == "__main__":
    from bench.static_site import DOCS

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS
    pages = read_pages(root)
    Console(width=160).print(table(measure(pages), pages))
