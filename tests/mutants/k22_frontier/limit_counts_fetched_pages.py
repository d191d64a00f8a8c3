"""Mutant: max_pages is checked against the pages fetched so far, not against the URLs ever
accepted. By the time enough pages are fetched, far more are queued, and all of them are
leased."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "page-limit-counts-accepted-urls"
SAYS = ("accepted", "fetched")


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        try:
            url = canonical(link)
        except ValueError:
            return
        if url in self._seen:
            return
        if depth > self.max_depth:
            self._skipped_by_depth += 1
            return
        if self._done >= self.max_pages:  # the mistake: counts the pages fetched
            self._skipped_by_limit += 1
            return
        self._seen.add(url)
        self._queue.append((url, depth))


FrontierActor = ray.remote(num_cpus=0)(Frontier)
