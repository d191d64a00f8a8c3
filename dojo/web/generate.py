"""Deterministic fake web sites of any size, and the facts a test needs about them.

    site, facts = generate_site(pages=200, hosts=4, seed=0)

The same arguments always give the same site (one `random.Random(seed)`), so tests and
benchmarks crawl the same worlds. What is in it:

* `pages` HTML pages (200, text/html) over `hosts` hosts `h0.example.test`, `h1...`; the start
  page is `http://h0.example.test/`. Every page sits at an exact link depth 0..`depth`: a tree
  of links (each page has a parent one level up) plus cross links that never create a
  shortcut (a page at depth d only links to pages at depth <= d + 1).
* every page has `fanout` distinct links into the site (tree, cross, and the specials below),
  written in every way HTML allows: relative (`../a.html`, `./b/`), root-relative, absolute,
  protocol-relative (`//h1.example.test/x`), upper-case hosts, `&amp;` in queries, fragments,
  the same target twice with different spellings. Plus links a crawler must not follow:
  `mailto:`, `tel:`, `javascript:`, `#top`, off-site hosts (`elsewhere.test`), and decoys
  inside an HTML comment and a <script> (found by regexes, not by an HTML parser).
* a few malformed bits browsers and `html.parser` tolerate: upper-case tags, single-quoted
  and unquoted attributes, unclosed <p>/<li>, missing </body></html>, a stray "<".
* specials, placed on pages above the deepest level while they have free link slots (so
  everything stays within `depth`), else on the deepest pages (then one level deeper):
  broken links (404; fraction `broken_links` of all links), redirects (301/302 chains of 1-2
  hops, some to another host; fraction `redirects`), non-HTML files (PDF, PNG, text, CSS;
  `non_html` x pages of them), with `robots` a robots.txt on every host disallowing the
  `disallow` prefixes and a few linked pages under them, and `flaky` x pages pages that
  answer 503 (Retry-After: 0) once before working.
* every answer takes `latency` x uniform(0.5, 1.5) seconds.

`SiteFacts` lists what was built (start, depth of each page, files, broken, redirects,
disallowed, off-site, decoys, each page's links as an HTML parser finds them) and computes
what a correct crawler fetches (`expected_crawl`) and how fast any crawler could possibly
finish (`lower_bound`).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import posixpath
import random
from collections import deque
from dataclasses import dataclass, field

from yarl import URL

from dojo.web.site import Resource, Response, Site, canonical, host_of, origin

OFFSITE = (
    "http://elsewhere.test/",
    "https://www.elsewhere.test/about",
    "http://ads.elsewhere.test/?q=1",
)
SECTIONS = ("docs", "blog", "shop", "news", "wiki")
FILE_KINDS = (
    ("application/pdf", ".pdf"),
    ("image/png", ".png"),
    ("text/plain", ".txt"),
    ("text/css", ".css"),
)
WORDS = (
    "actor task future event loop gather await cancel queue stream shard node cluster object "
    "store worker driver timeout retry backoff crawl fetch link page host polite robots"
).split()


@dataclass(frozen=True)
class Crawl:
    """What a correct crawler does on a generated site (see SiteFacts.expected_crawl)."""

    requested: frozenset[str]  # every URL requested (pages, hops, files, 404s, robots.txt)
    pages: dict[str, int]  # HTML pages fetched with status 200 -> depth (links followed)
    files: dict[str, int]  # non-HTML 200 answers -> depth
    broken: frozenset[str]  # 404s requested
    redirected: frozenset[str]  # URLs that answered 3xx


@dataclass(frozen=True)
class SiteFacts:
    start: str
    hosts: tuple[str, ...]  # host names, h0 first
    depth_of: dict[str, int]  # every allowed HTML page -> its link depth (start: 0)
    files: tuple[str, ...]  # non-HTML resources
    disallowed: tuple[str, ...]  # existing pages behind a robots.txt Disallow
    disallow: tuple[str, ...]  # the disallowed path prefixes ((): no robots.txt)
    broken: tuple[str, ...]  # linked URLs that answer 404
    redirects: dict[str, tuple[str, ...]]  # each 3xx URL -> the URLs it leads to, final last
    offsite: tuple[str, ...]  # linked URLs outside the site's hosts
    decoys: tuple[str, ...]  # links hidden in comments/scripts (404s; a parser skips them)
    flaky: tuple[str, ...]  # pages answering 503 once, then 200
    robots: dict[str, str]  # robots.txt URL -> body (hosts without one are absent)
    links: dict[str, tuple[str, ...]] = field(repr=False)  # page -> http(s) links, as parsed
    latency: dict[str, float] = field(repr=False)  # every resource -> its (first) latency

    # --- views -----------------------------------------------------------------------

    @property
    def pages(self) -> frozenset[str]:
        return frozenset(self.depth_of)

    @property
    def pages_by_depth(self) -> dict[int, list[str]]:
        by: dict[int, list[str]] = {}
        for url, d in sorted(self.depth_of.items(), key=lambda kv: (kv[1], kv[0])):
            by.setdefault(d, []).append(url)
        return by

    @property
    def redirect_targets(self) -> frozenset[str]:
        return frozenset(chain[-1] for chain in self.redirects.values())

    def is_disallowed(self, url: str) -> bool:
        return any(URL(url).path.startswith(prefix) for prefix in self.disallow)

    # --- expectations ----------------------------------------------------------------

    def expected_crawl(self, max_depth: int | None = None, respect_robots: bool = True) -> Crawl:
        """What a correct breadth-first crawler from `start` requests when it:

        * stays on the site's hosts and, if `respect_robots`, fetches a host's /robots.txt
          once, before the first URL it considers there, and never requests a disallowed path;
        * requests each canonical URL (fragment dropped) once, the start at depth 0 and a
          link found on a depth-d page at depth d + 1, nothing deeper than `max_depth`;
        * follows redirects itself, hop by hop, each hop at the depth of the link, never to a
          URL it already requested (a crawler that lets aiohttp follow redirects may request a
          redirect target twice: see `redirect_targets`);
        * extracts links only from 200 text/html answers (one per final URL).
        """
        limit = max_depth if max_depth is not None else 10**9
        site_hosts = set(self.hosts)
        requested: set[str] = set()
        pages: dict[str, int] = {}
        files: dict[str, int] = {}
        broken: set[str] = set()
        redirected: set[str] = set()

        def may_fetch(url: str) -> bool:
            """Stays on the site and, when respecting robots.txt, is not disallowed (to know
            that, the crawler has fetched the host's robots.txt)."""
            if host_of(url) not in site_hosts or not url.startswith("http://"):
                return False
            if not respect_robots:
                return True
            requested.add(canonical(URL(origin(url)) / "robots.txt"))
            return not self.is_disallowed(url)

        seen = {self.start}
        queue = deque([(self.start, 0)] if may_fetch(self.start) else [])
        while queue:
            url, d = queue.popleft()
            if url in requested:  # already reached through a redirect
                continue
            requested.add(url)
            final = url
            while final in self.redirects:
                redirected.add(final)
                nxt = self.redirects[final][0]
                if nxt in requested or not may_fetch(nxt):
                    final = None
                    break
                seen.add(nxt)
                requested.add(nxt)
                final = nxt
            if final is None or final in pages or final in files:
                continue
            if final in self.depth_of or final in self.disallowed:
                pages[final] = d
                if d < limit:
                    for link in self.links.get(final, ()):
                        if link not in seen and may_fetch(link):
                            seen.add(link)
                            queue.append((link, d + 1))
            elif final in self.files:
                files[final] = d
            else:
                broken.add(final)
        return Crawl(frozenset(requested), pages, files, frozenset(broken), frozenset(redirected))

    def lower_bound(
        self,
        concurrency: int,
        per_host_gap: float = 0.0,
        max_depth: int | None = None,
        respect_robots: bool = True,
    ) -> float:
        """Seconds no crawler can beat with `concurrency` requests in flight in total and
        at least `per_host_gap` seconds between two request starts on one host. The largest of:
        the sum of all latencies / concurrency; the slowest chain of links (a page cannot be
        requested before a page linking to it has answered); (requests on a host - 1) x gap."""
        crawl = self.expected_crawl(max_depth, respect_robots)
        total = sum(self.latency.get(u, 0.0) for u in crawl.requested) / max(1, concurrency)
        per_host: dict[str, int] = {}
        for u in crawl.requested:
            per_host[host_of(u)] = per_host.get(host_of(u), 0) + 1
        politeness = max((n - 1) * per_host_gap for n in per_host.values())
        return max(total, self._critical_path(crawl), politeness)

    def _critical_path(self, crawl: Crawl) -> float:
        """Dijkstra over links: earliest time each fetched page can have answered."""

        def cost(url: str) -> float:
            total, hops = self.latency.get(url, 0.0), 0
            while url in self.redirects and hops < 20:
                url, hops = self.redirects[url][0], hops + 1
                total += self.latency.get(url, 0.0)
            return total

        done: dict[str, float] = {}
        heap = [(cost(self.start), self.start)]
        while heap:
            t, url = heapq.heappop(heap)
            if url in done:
                continue
            done[url] = t
            final = self.redirects[url][-1] if url in self.redirects else url
            for link in self.links.get(final, ()):
                if link in crawl.requested and link not in done:
                    heapq.heappush(heap, (t + cost(link), link))
        return max(done.values(), default=0.0)


# --- generation -------------------------------------------------------------------------------


@dataclass
class _Page:
    index: int
    host: str
    path: str  # with query, e.g. /docs/page-3.html or /shop/item?id=3&view=1
    level: int
    allowed: bool = True
    children: list[int] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # canonical URLs it links to

    @functools.cached_property
    def url(self) -> str:
        return canonical(f"http://{self.host}{self.path}")


def _level_sizes(pages: int, fanout: int, depth: int) -> list[int]:
    """Pages per depth: one at each level first, then fill shallow levels up to what the level
    above can parent (fanout children each)."""
    if pages < depth + 1:
        raise ValueError(f"{pages} pages cannot reach depth {depth} (need at least {depth + 1})")
    sizes = [1] * (depth + 1)
    remaining = pages - (depth + 1)
    for d in range(1, depth + 1):
        add = min(remaining, sizes[d - 1] * fanout - sizes[d])
        sizes[d] += add
        remaining -= add
    if remaining:
        raise ValueError(
            f"{pages} pages do not fit in depth {depth} with fanout {fanout} (at most {sum(sizes)})"
        )
    return sizes


def _page_path(rng: random.Random, i: int) -> str:
    section = rng.choice(SECTIONS)
    style = rng.random()
    if style < 0.6:
        return f"/{section}/page-{i}.html"
    if style < 0.8:
        return f"/{section}/{i}/"
    return f"/{section}/item?id={i}&view={rng.randint(1, 3)}"


def _href(rng: random.Random, from_page: _Page, target: str) -> str:
    """One of the many ways to write a link from `from_page` to `target`."""
    t = URL(target)
    path_qs = t.raw_path + (f"?{t.raw_query_string}" if t.raw_query_string else "")
    if host_of(target) != from_page.host:
        r = rng.random()
        host = t.raw_host if t.is_default_port() else f"{t.raw_host}:{t.port}"
        if r < 0.7:
            return f"http://{host}{path_qs}"
        if r < 0.9:
            return f"//{host}{path_qs}"
        return f"HTTP://{host.upper()}{path_qs}"
    r = rng.random()
    if r < 0.4:
        base_dir = posixpath.dirname(URL(from_page.url).raw_path) or "/"
        rel = posixpath.relpath(t.raw_path, base_dir)
        if t.raw_path.endswith("/") and not rel.endswith("/"):
            rel += "/"
        if rel in (".", "./"):
            rel = "./"
        elif rng.random() < 0.3 and not rel.startswith("."):
            rel = "./" + rel
        return rel + (f"?{t.raw_query_string}" if t.raw_query_string else "")
    if r < 0.8:
        return path_qs
    return f"http://{from_page.host}{path_qs}"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _anchor(rng: random.Random, href: str, text: str) -> str:
    """An <a> with the href written in one of several (some sloppy) ways."""
    attr_href = href.replace("&", "&amp;")
    r = rng.random()
    if r < 0.08 and not any(c in href for c in " \"'<>=`&"):
        return f"<a href={href}>{text}</a>"  # unquoted
    if r < 0.16 and "'" not in href:
        return f"<a href='{attr_href}'>{text}</a>"
    if r < 0.24:
        return f'<A HREF="{attr_href}">{text}</A>'
    if r < 0.3:
        return f'<a class="nav"\n   href="{attr_href}" title="{text}">{text}</a>'
    return f'<a href="{attr_href}">{text}</a>'


def _render(rng: random.Random, page: _Page, hrefs: list[str], decoys: list[str]) -> str:
    title = f"Page {page.index} &amp; friends"
    parts = [
        "<!DOCTYPE html>",
        "<html><head><meta charset='utf-8'>",
        f"<title>{title}</title></head>",
        "<body>",
        f'<h1 id="top">{title}</h1>',
        f"<p>{_words(rng, 12)}",  # unclosed <p>
    ]
    if rng.random() < 0.3:
        parts.append("<p>if a < b then the crawler must not choke</p>")
    parts.append("<ul>")
    for i, href in enumerate(hrefs):
        item = _anchor(rng, href, f"link {i} {rng.choice(WORDS)}")
        parts.append(f"<li>{item}" + ("" if rng.random() < 0.3 else "</li>"))
    parts.append("</ul>")
    parts.append('<p><a name="anchor-only">no href here</a> <a href="#top">back to top</a>')
    if decoys:
        parts.append(f'<!-- old menu: <a href="{decoys[0]}">gone</a> -->')
    if len(decoys) > 1:
        parts.append(f"<script>var tpl = '<a href=\"{decoys[1]}\">x</a>';</script>")
    parts.append(f"<p>{_words(rng, 20)}</p>")
    if rng.random() < 0.85:
        parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def generate_site(
    pages: int = 200,
    hosts: int = 4,
    fanout: int = 5,
    depth: int = 4,
    latency: float = 0.02,
    broken_links: float = 0.05,
    redirects: float = 0.03,
    non_html: float = 0.05,
    robots: bool = True,
    disallow: tuple[str, ...] = ("/private/",),
    flaky: float = 0.0,
    seed: int = 0,
) -> tuple[Site, SiteFacts]:
    """Build a site (see the module docstring) and the facts about it."""
    if hosts < 1 or hosts > pages:
        raise ValueError(f"need 1 <= hosts <= pages, got hosts={hosts}, pages={pages}")
    if fanout < 1 or depth < 0:
        raise ValueError("need fanout >= 1 and depth >= 0")
    build = _Build(pages, hosts, fanout, depth, latency, tuple(disallow) if robots else (), seed)
    # The steps draw from one random generator in this order: the same seed, the same site.
    build.tree()
    build.disallowed_pages()
    build.files(round(pages * non_html))
    build.broken(round(pages * fanout * broken_links))
    build.redirects(round(pages * fanout * redirects))
    build.cross_links()
    build.bodies(flaky)
    if robots:
        build.robots_txt()
    return build.result()


class _Build:
    """One site being generated: its pages and resources, built step by step."""

    def __init__(
        self,
        pages: int,
        hosts: int,
        fanout: int,
        depth: int,
        latency: float,
        disallow: tuple[str, ...],
        seed: int,
    ):
        self.pages, self.fanout, self.depth, self.latency = pages, fanout, depth, latency
        self.disallow = disallow
        self.rng = random.Random(seed)
        self.host_names = tuple(f"h{i}.example.test" for i in range(hosts))
        self.resources: list[Resource] = []
        self.disallowed: list[_Page] = []
        self.file_urls: list[str] = []
        self.broken_urls: list[str] = []
        self.redirect_chains: dict[str, tuple[str, ...]] = {}
        self.decoys: list[str] = []
        self.flaky_urls: list[str] = []
        self.links: dict[str, tuple[str, ...]] = {}
        self.robots_bodies: dict[str, str] = {}

    def lat(self) -> float:
        return round(self.latency * self.rng.uniform(0.5, 1.5), 4) if self.latency else 0.0

    def tree(self) -> None:
        """Pages, their levels and hosts, and the tree of links that makes every page
        reachable at its level."""
        rng, pages, hosts = self.rng, self.pages, len(self.host_names)
        self.sizes = _level_sizes(pages, self.fanout, self.depth)
        levels = [d for d, n in enumerate(self.sizes) for _ in range(n)]
        # Page i < hosts is on host i, so every host has a page; the rest are spread at random.
        page_hosts = [
            *self.host_names,
            *(rng.choice(self.host_names) for _ in range(pages - hosts)),
        ]
        self.all_pages = [
            _Page(i, page_hosts[i], "/" if i == 0 else _page_path(rng, i), levels[i])
            for i in range(pages)
        ]
        by_level: list[list[_Page]] = [[] for _ in self.sizes]
        for p in self.all_pages:
            by_level[p.level].append(p)
        for d in range(1, self.depth + 1):
            for child in by_level[d]:
                parents = [p for p in by_level[d - 1] if len(p.children) < self.fanout]
                parent = rng.choice(parents)
                parent.children.append(child.index)
                parent.targets.append(child.url)
        self.upper = [p for p in self.all_pages if p.level < self.depth] or self.all_pages[:1]
        # Pages are numbered level by level: those at depth <= d are all_pages[:up_to[d]].
        self.up_to = [sum(self.sizes[: d + 1]) for d in range(self.depth + 1)] + [pages]

    def free_page(self) -> _Page:
        """A page with a free link slot, above the deepest level if possible (so specials stay
        within `depth`), else at the deepest level (then they sit at depth + 1)."""
        for pool in (self.upper, self.all_pages):
            for _ in range(20):  # usually the first random pick has room; scan only if not
                p = self.rng.choice(pool)
                if len(p.targets) < self.fanout:
                    return p
            candidates = [p for p in pool if len(p.targets) < self.fanout]
            if candidates:
                return self.rng.choice(candidates)
        raise ValueError(
            f"fanout {self.fanout} leaves no room for the broken links, redirects, files and "
            "disallowed pages asked for: raise fanout or lower those fractions"
        )

    def place(self, url: str) -> None:
        self.free_page().targets.append(url)

    def disallowed_pages(self) -> None:
        for j in range(max(1, self.pages // 25) if self.disallow else 0):
            prefix = self.disallow[j % len(self.disallow)]
            host = self.rng.choice(self.host_names)
            path = f"{prefix.rstrip('/')}/secret-{j}.html"
            page = _Page(self.pages + j, host, path, self.depth, False)
            self.place(page.url)
            self.disallowed.append(page)

    def files(self, count: int) -> None:
        for j in range(count):
            kind, ext = FILE_KINDS[j % len(FILE_KINDS)]
            url = canonical(f"http://{self.rng.choice(self.host_names)}/files/file-{j}{ext}")
            body: str | bytes = (
                f"%PDF-1.4 fake {j}".encode() if ext == ".pdf"
                else b"\x89PNG\r\n\x1a\n" + bytes([j % 256]) * 16 if ext == ".png"
                else f"body {{ color: #{j:06x}; }}\n" if ext == ".css"
                else f"plain text file {j}\n"
            )  # fmt: skip
            self.place(url)
            self.file_urls.append(url)
            response = Response(content_type=kind, body=body, latency=self.lat())
            self.resources.append(Resource(url, (response,)))

    def broken(self, count: int) -> None:
        for j in range(count):
            url = canonical(f"http://{self.rng.choice(self.host_names)}/gone/missing-{j}.html")
            self.place(url)
            self.broken_urls.append(url)
            # Written out (an unknown path would 404 too) so that it takes latency like the rest.
            missing = Response(
                status=404, content_type="text/plain", body="not found", latency=self.lat()
            )
            self.resources.append(Resource(url, (missing,)))

    def redirects(self, count: int) -> None:
        rng = self.rng
        for j in range(count):
            linker = self.free_page()
            target = rng.choice(self.all_pages[: self.up_to[linker.level + 1]])
            src = canonical(f"http://{rng.choice(self.host_names)}/old/{j}")
            hops = [src]
            if rng.random() < 0.3:
                hops.append(canonical(f"http://{rng.choice(self.host_names)}/moved/{j}"))
            chain = [*hops, target.url]
            for a, b in itertools.pairwise(chain):
                # Same-host Locations are often written root-relative.
                same_host = host_of(a) == host_of(b) and rng.random() < 0.5
                location = URL(b).raw_path_qs if same_host else b
                status = rng.choice((301, 302, 307, 308)) if b != target.url else 301
                hop = Response(
                    status=status, headers={"Location": location}, body="", latency=self.lat()
                )
                self.resources.append(Resource(a, (hop,)))
            for k, a in enumerate(hops):
                self.redirect_chains[a] = tuple(chain[k + 1 :])
            linker.targets.append(src)

    def cross_links(self) -> None:
        """Cross links fill the remaining slots (never to a deeper level than level + 1)."""
        rng = self.rng
        for p in self.all_pages:
            pool = self.all_pages[: self.up_to[p.level + 1]]
            if len(pool) - 1 <= self.fanout:  # tiny site: take every other page
                picks = [q for q in pool if q.index != p.index]
            else:
                picks = (rng.choice(pool) for _ in range(self.fanout * 20))
            for q in picks:
                if len(p.targets) >= self.fanout:
                    break
                if q.index != p.index and q.url not in p.targets:
                    p.targets.append(q.url)
        for p in self.disallowed:  # what a crawler ignoring robots.txt would go on to find
            p.targets = [q.url for q in rng.sample(self.all_pages, min(self.fanout, self.pages))]

    def bodies(self, flaky: float) -> None:
        rng = self.rng
        flaky_pages = set(
            rng.sample(range(1, self.pages), min(self.pages - 1, round(self.pages * flaky)))
        )
        for p in [*self.all_pages, *self.disallowed]:
            response = Response(body=self._page_body(p), latency=self.lat())
            if p.index in flaky_pages:
                self.flaky_urls.append(p.url)
                busy = Response(
                    status=503, headers={"Retry-After": "0"}, body="busy", latency=self.lat()
                )
                self.resources.append(Resource(p.url, (busy, response)))
            else:
                self.resources.append(Resource(p.url, (response,)))

    def _page_body(self, p: _Page) -> str:
        """The page's HTML (with the noise a crawler must survive), and the links a parser
        should find in it."""
        rng = self.rng
        targets = list(p.targets)
        rng.shuffle(targets)
        hrefs = [_href(rng, p, t) for t in targets]
        parsed = list(targets)
        if hrefs and rng.random() < 0.3:  # the same target again, spelled with a fragment
            k = rng.randrange(len(hrefs))
            hrefs.append(hrefs[k] + "#more")
        noise = ["mailto:webmaster@example.test", "javascript:void(0)", "tel:+1-555-0100"]
        hrefs.extend(rng.sample(noise, rng.randint(0, len(noise))))
        offsite = rng.sample(OFFSITE, rng.randint(0, 2))
        hrefs.extend(offsite)
        parsed.extend(canonical(o) for o in offsite)
        parsed.append(p.url)  # the "#top" link in every page
        decoys = []
        if rng.random() < 0.2:
            decoys = [
                canonical(f"http://{p.host}/decoy/comment-{p.index}"),
                canonical(f"http://{p.host}/decoy/script-{p.index}"),
            ]
            self.decoys.extend(decoys)
        body = _render(rng, p, hrefs, [URL(d).raw_path for d in decoys])
        self.links[p.url] = tuple(dict.fromkeys(parsed))
        return body

    def robots_txt(self) -> None:
        for i, host in enumerate(self.host_names):
            rules = "".join(f"Disallow: {prefix}\n" for prefix in self.disallow)
            text = f"# robots.txt for {host}\n"
            if i == 0:  # a group for another robot first: the crawler must pick the * group
                text += "User-agent: BadBot\nDisallow: /\n\n"
            text += f"User-agent: *\n{rules}"
            url = canonical(f"http://{host}/robots.txt")
            self.robots_bodies[url] = text
            response = Response(content_type="text/plain", body=text, latency=self.lat())
            self.resources.append(Resource(url, (response,)))

    def result(self) -> tuple[Site, SiteFacts]:
        site = Site.of(self.resources)
        facts = SiteFacts(
            start=self.all_pages[0].url,
            hosts=self.host_names,
            depth_of={p.url: p.level for p in self.all_pages},
            files=tuple(self.file_urls),
            disallowed=tuple(p.url for p in self.disallowed),
            disallow=self.disallow,
            broken=tuple(self.broken_urls),
            redirects=self.redirect_chains,
            offsite=tuple(canonical(o) for o in OFFSITE),
            decoys=tuple(self.decoys),
            flaky=tuple(self.flaky_urls),
            robots=self.robots_bodies,
            links=self.links,
            latency={url: r.responses[0].latency for url, r in site.resources.items()},
        )
        return site, facts
