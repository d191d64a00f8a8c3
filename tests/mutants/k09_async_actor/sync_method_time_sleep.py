"""Mutant: a plain `def` method calling the blocking `service.call(item)`. Right replies, but
a sync actor serves one call at a time, so twenty calls queue up behind each other."""

import ray

REJECTED_BY = "test_twenty_calls_overlap_on_one_actor"


@ray.remote(num_cpus=0)
class Fetcher:
    def fetch(self, service, item):
        return service.call(item)
