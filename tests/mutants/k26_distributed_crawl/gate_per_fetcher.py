"""Mutant: one politeness gate per fetcher (kept in the gatekeeper, which is the same as each
fetcher keeping its own). Each fetcher spaces its own requests to a host, but two fetchers hit
the same host at once."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for the gate's owner

BREAKS = "one-politeness-gate-for-all"
SAYS = ("a politeness gate in each fetcher",)


@ray.remote(num_cpus=0)
class Gatekeeper(Gatekeeper.__ray_actor_class__):
    def __init__(self, *args):
        super().__init__(*args)
        self.gates = {}  # the mistake: worker -> a gate of its own

    def _gate_of(self, worker):
        return self.gates.setdefault(worker, OriginGate(self.gate.delay))

    async def permit(self, worker, url):
        if not await self.robots.allowed(url):
            return None
        return await self._gate_of(worker).enter(origin_of(url), worker)

    async def leave(self, worker, url, done_at):
        await self._gate_of(worker).leave(origin_of(url), worker, done_at)


class Crawler(Crawler):
    Gatekeeper = Gatekeeper


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
