"""A static site on disk, served over real HTTP on 127.0.0.1 with latency, and the crawl it
should give: what bench/crawl_static.py crawls.

    .venv/bin/python bench/static_site.py ROOT [--latency 0.02]   # serve until Ctrl-C

The tree is a real documentation tree (Debian's python3-doc: /usr/share/doc/python3/html) or
a small generated one (make_tree, for --quick). The server runs in a process of its own (its
CPU and GIL are not the crawlers'), waits `latency` seconds before each answer, and adds one
broken link to the start page (BROKEN), so every crawl has one to report. `expected_crawl`
walks the same files offline, by the same link rule, for the check that a crawl found every
page: a speed-up of a crawl that missed pages would mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dojo.crawl.links import extract_links  # noqa: E402

DOCS = Path("/usr/share/doc/python3/html")  # Debian: apt-get install python3-doc
START = "index.html"
BROKEN = "dojo-broken-link.html"  # linked from the start page, on no disk


def file_of(root: Path, path: str) -> Path | None:
    """The file a URL path names under root (a folder: its index.html), or None."""
    found = (root / unquote(path).lstrip("/")).resolve()
    if found.is_dir():
        found = found / "index.html"
    if not found.is_relative_to(root.resolve()) or not found.is_file():
        return None
    return found


def content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def body_of(root: Path, path: str) -> bytes | None:
    """What the server answers for a URL path (None: 404); the start page gets BROKEN."""
    found = file_of(root, path)
    if found is None:
        return None
    body = found.read_bytes()
    if found == (root / START).resolve():
        link = f'<p><a href="{BROKEN}">a page that is not there</a></p></body>'.encode()
        body = body.replace(b"</body>", link, 1)
    return body


@dataclass(frozen=True)
class Expected:
    pages: frozenset[str]  # URLs a correct crawl fetches (every file reached by links)
    broken: frozenset[str]  # URLs it reaches that answer 404
    html_pages: int  # of `pages`, the HTML ones (the ones whose links count)


def expected_crawl(root: Path, start_url: str) -> Expected:
    """Breadth-first over the files, following every <a href> of each HTML file that stays on
    the start URL's host and port: what any correct crawl of the served tree fetches."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start_url))
    queue, seen = deque([start_url]), {start_url}
    pages, broken, html = set(), set(), 0
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        body, found = body_of(root, path), file_of(root, path)
        if body is None or found is None:
            broken.add(url)
            continue
        pages.add(url)
        if content_type(found) != "text/html":
            continue
        html += 1
        for link in extract_links(body.decode("utf-8", errors="replace"), url):
            if link.startswith(origin + "/") and link not in seen:
                seen.add(link)
                queue.append(link)
    return Expected(frozenset(pages), frozenset(broken), html)


def make_tree(root: Path, pages: int = 60, filler: int = 200) -> Path:
    """A small documentation-like tree: an index, `pages` pages in three folders linking to
    each other (relative links, fragments, a source .txt each), external and mailto links."""
    names = [f"{'abc'[i % 3]}/page{i}.html" for i in range(pages)]
    text = "<p>" + "Lorem ipsum dolor sit amet. " * filler + "</p>"
    index = "".join(f'<li><a href="{n}">{n}</a></li>' for n in names[: pages // 2])
    (root / START).write_text(f"<html><body><ul>{index}</ul></body></html>")
    for i, name in enumerate(names):
        page = root / name
        page.parent.mkdir(parents=True, exist_ok=True)
        others = [names[(i * 7 + k) % pages] for k in (1, 2, 3)]
        links = "".join(f'<a href="../{o}#s{k}">{o}</a>' for k, o in enumerate(others))
        page.write_text(
            f'<html><body><a href="../index.html">up</a>{links}<a href="#top">top</a>'
            f'<a href="page{i}.txt">source</a><a href="https://example.com/">out</a>'
            f'<a href="mailto:x@example.com">mail</a>{text}</body></html>'
        )
        page.with_suffix(".txt").write_text(f"source of {name}\n")
    return root


def serve(root: Path, latency: float, port: int = 0) -> None:
    """Serve root on 127.0.0.1 until killed; prints "port N" once listening."""
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(latency)  # the network's share of every request
        body = body_of(root, request.path)
        if body is None:
            return web.Response(status=404, text="not found")
        ctype = content_type(file_of(root, request.path) or Path())
        charset = "utf-8" if ctype.startswith("text/") else None
        return web.Response(body=body, content_type=ctype, charset=charset)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=512)
        await site.start()
        print(f"port {runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def served(root: Path, latency: float) -> Iterator[str]:
    """The tree served by a process of its own; yields the start URL."""
    cmd = [sys.executable, __file__, str(root), "--latency", str(latency)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        if not line.startswith("port "):
            raise RuntimeError(f"the static server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/{START}"
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="serve a static tree with latency")
    parser.add_argument("root", type=Path)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    serve(args.root, args.latency, args.port)
