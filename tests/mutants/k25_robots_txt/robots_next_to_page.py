"""Mutant: robots.txt is looked up next to the page, `urljoin(url, "robots.txt")`: right for
pages at the root of a site, but a page under /private/ gets /private/robots.txt (a 404: allow
all) instead of the rules of its origin."""

from urllib.parse import urljoin

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules
from tests.variant_tools import rebuilt

BREAKS = "rules-from-the-origin-root"
SAYS = ("next to the page", "robots_url(origin_of(url))")


def _folder_of(url):
    # the mistake: the page's folder, not its origin: its robots.txt is urljoin(url, "robots.txt")
    return urljoin(url, ".").rstrip("/")


class RobotsCache(RobotsCache):
    # The solution's rules, with _folder_of(url) where it has origin_of(url).
    rules = rebuilt(RobotsCache.rules, {**globals(), "origin_of": _folder_of})
