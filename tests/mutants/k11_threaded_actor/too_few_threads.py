"""Mutant: a threaded actor, but with max_concurrency=4. Four calls run at once; the other
four wait for a free thread."""

import ray

REJECTED_BY = "test_eight_calls_overlap_on_one_client"


@ray.remote(num_cpus=0, max_concurrency=4)
class LegacyClient:
    def fetch(self, service, item):
        return service.call(item)


def make_client():
    return LegacyClient.remote()
