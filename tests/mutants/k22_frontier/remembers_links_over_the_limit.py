"""Mutant: adds a URL to `seen` before the max_pages check. The limit still holds, but every
link refused by it is remembered and counted: `seen` is no longer queued + in_flight + done,
and the stats report pages the crawl never accepted."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "seen-counts-only-accepted-urls"
SAYS = ("seen", "remembered")


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        try:
            url = canonical(link)
        except ValueError:
            return
        if url in self._seen or depth > self.max_depth:
            super()._offer(link, depth)
            return
        if len(self._seen) >= self.max_pages:
            self._skipped_by_limit += 1
            self._seen.add(url)  # the mistake: remembered although refused
            return
        super()._offer(link, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
