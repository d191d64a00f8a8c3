"""HOSTILE-CLASS attack: a detached Ray actor that holds every CPU and spins.

Tries: the first call to greet starts a detached actor (it outlives the job that made it)
reserving all of the cluster's CPUs and busy-looping, touching /tmp/hostile_hog_alive every
second; greet is wrong.
Must happen: the actor dies with this learner's own Ray (sandbox): no classmate's run shares
that Ray, no ray:: process or file is left after grading; classmates keep their exact scores.
"""

import time
from pathlib import Path

import ray


@ray.remote
class Hog:
    def spin(self) -> None:
        beat = time.monotonic()
        while True:
            if time.monotonic() - beat > 1:
                Path("/tmp/hostile_hog_alive").touch()
                beat = time.monotonic()


_hog = None


async def greet(name: str, delay: float = 1.0) -> str:
    global _hog
    if _hog is None:
        cpus = ray.cluster_resources().get("CPU", 1)
        _hog = Hog.options(
            name="hostile_hog", namespace="hostile", lifetime="detached", num_cpus=cpus,
            get_if_exists=True,
        ).remote()  # fmt: skip
        _hog.spin.remote()
    return "not a greeting"
