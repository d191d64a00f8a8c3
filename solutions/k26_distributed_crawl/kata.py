"""Kata 26 · Distributed crawl: reference solution.

The reference answer IS the crawler `dojo crawl` runs: dojo/crawl/crawler.py, a module of the
dojo's support package, built from the same given parts (dojo/crawl/). Read it there. It is
imported here whole (its imports too), so kata 26's tests hold the real crawler to the
kata's rules, and each known wrong answer in tests/mutants/k26_distributed_crawl/ is that
crawler with one piece changed.

What it has beyond the stub: `on_progress` (a progress bar for `dojo crawl`), the HTTP
sessions closed before the actors are killed, and the coordination as a class, Crawler, whose
steps are methods (start_actors, work_together, give_back) so that a variant swaps one.
"""

from dojo.crawl.crawler import *  # noqa: F403
