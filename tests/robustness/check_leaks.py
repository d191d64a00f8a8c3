"""Run last in tests/test_isolation.py's session: the leaky kata's actors are still alive (so
the later katas passed alongside them, not after a clean-up), then end them."""

import contextlib

import ray

from tests.robustness.k02_gather_many.leaky import IDLER, SPINNER


def test_the_leaks_outlived_the_later_katas(ray_cluster):
    spinner = ray.get_actor(SPINNER)  # ValueError if it is gone
    idler = ray.get_actor(IDLER)
    try:
        spun = ray.get(spinner.spinning_for.remote(), timeout=60)
        ticks = ray.get(idler.ticked.remote(), timeout=60)
        print(f"leaked spinner busy for {spun:.1f} s, leaked idler task ticked {ticks} times")
        assert spun > 0, "the leaked spinner never started spinning"
        assert ticks > 0, "the leaked idler's own task never ran"
    finally:
        for actor in (spinner, idler):
            with contextlib.suppress(Exception):
                ray.kill(actor)
