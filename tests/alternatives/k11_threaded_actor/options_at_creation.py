"""Alternative: the class is declared without max_concurrency, and the factory sets it per
actor with `.options(max_concurrency=16)` (more threads than needed is fine)."""

import ray


@ray.remote(num_cpus=0)
class LegacyClient:
    def fetch(self, service, item):
        return service.call(item)


def make_client():
    return LegacyClient.options(max_concurrency=16).remote()
