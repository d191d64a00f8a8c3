"""Mutant: done() looks the URL up in every worker's leases, not in this worker's. A ghost
(a worker released after a crash) that acknowledges a URL now leased to someone else is
believed: the page is counted done twice and the ghost's links are crawled."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "a-ghost-ack-changes-nothing"
SAYS = ("does not hold",)


class Frontier(Reference):
    async def done(self, worker: str, url: str, links: list[str]) -> bool:
        # the mistake: whoever holds it, the acknowledgement is taken
        holder = next((w for w, held in self._leases.items() if canonical(url) in held), worker)
        return await super().done(holder, url, links)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
