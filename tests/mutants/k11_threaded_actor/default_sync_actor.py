"""Mutant: a plain sync actor with no max_concurrency. Right replies, but Ray gives a sync
actor one call at a time, so the 8 calls queue up behind each other."""

import ray

REJECTED_BY = "test_eight_calls_overlap_on_one_client"


@ray.remote(num_cpus=0)
class LegacyClient:
    def fetch(self, service, item):
        return service.call(item)


def make_client():
    return LegacyClient.remote()
