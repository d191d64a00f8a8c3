"""Kata 25 · robots.txt: reference solution.

The reference answer IS the robots.txt cache the crawler uses: rules_for and RobotsCache in
dojo/crawl/robots.py, a module of the dojo's support package. Read them there. They are
imported here, so kata 25's tests hold the crawler's own cache to the kata's rules, and each
known wrong answer in tests/mutants/k25_robots_txt/ is that cache with one piece changed.

What it has beyond the stub: its steps are methods (_fresh, _fetch_once, _load, _keep), so
that a variant swaps one. The given parts (fetch_page, origin_of, robots_url, the three ways
to make rules) are the stub's own: imported from it, written once."""

from dojo.crawl.robots import RobotsCache, rules_for  # noqa: F401  (the answer)
from katas.k25_robots_txt.kata import (  # noqa: F401  (given; the tests use fetch_page)
    FETCH_TIMEOUT,
    allow_all,
    disallow_all,
    fetch_page,
    origin_of,
    robots_url,
    rules_from_text,
)
