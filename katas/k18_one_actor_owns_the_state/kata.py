"""Kata 18 · One actor owns the state. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
class Coordinator:
    """The one place that knows which urls have been claimed (say, by crawler workers)."""

    def __init__(self, audit_log):
        self._audit_log = audit_log  # (given) a slow service: writing to it takes an await
        # TODO: the state this actor owns: which urls are claimed, and counters for stats().

    async def _audit(self, url: str) -> None:
        """Record a successful claim in the audit log. (Given: keep it.) It awaits: while it
        waits, other calls on this actor run."""
        await self._audit_log.acall(url)

    async def claim(self, url: str) -> bool:
        """True for the first call with this url, False for every later one. Each successful
        claim is audited (await self._audit(url)) before claim returns True."""
        # TODO: decide and record the claim so that no other call can slip in between,
        # then audit it.
        todo("return True exactly once per url, even with hundreds of calls in flight")

    async def stats(self) -> dict:
        """Three counts: {"calls": claim calls so far, "claimed": urls claimed (how many),
        "duplicates": calls refused}"""
        # TODO: return the counters.
        todo("return the counters as a dict")
