"""Mutant: dedupes links as written, without canonical(). http://a.test/page,
HTTP://A.TEST/page and http://a.test:80/page#top are one page, leased three times."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "dedupes-canonical-urls"
SAYS = ("canonical",)


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        try:
            canonical(link)  # checked, but the link is kept as written: the mistake
        except ValueError:
            return
        if link in self._seen:
            return
        if depth > self.max_depth:
            self._skipped_by_depth += 1
            return
        if len(self._seen) >= self.max_pages:
            self._skipped_by_limit += 1
            return
        self._seen.add(link)
        self._queue.append((link, depth))


FrontierActor = ray.remote(num_cpus=0)(Frontier)
