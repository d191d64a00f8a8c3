"""Alternative: a plain (sync) generator method on a threaded actor, calling the blocking
service.call. Ray streams a sync generator's yields just the same; the driver side is the
solution's `async for`."""

import ray

from solutions.k17_streaming_results.kata import *  # the solution, but a sync generator
from solutions.k17_streaming_results.kata import Streamer as _Solution


@ray.remote(num_cpus=0, max_concurrency=2)
class Streamer(_Solution.__ray_actor_class__):
    def stream(self, service, items):
        for item in items:
            yield service.call(item)
