"""Mutant: dedupes on the pages already fetched (acknowledged), not on every URL ever
accepted. A URL that is still queued or being fetched is queued again each time another
page links to it: the same page is leased and fetched several times."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "dedupes-when-offered"
SAYS = ("fetched", "offered")


class Frontier(Reference):
    def _accept(self, url: str, depth: int) -> None:
        queued = {u for u, _ in self._queue}
        leased = {u for held in self._leases.values() for u in held}
        if url in queued | leased:
            self._seen.discard(url)  # the mistake: known only once its page is fetched
        super()._accept(url, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
