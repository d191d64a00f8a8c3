"""Requests the cluster can never satisfy: a task or actor asking for more than any node has
(`num_cpus=8` on a 2-CPU machine) waits for ever, and the learner would only see a generic
timeout minutes later. This watches the cluster's pending demands and says so at once.

Only on a cluster the dojo owns (the embedded Ray, or a private head started by `dojo watch`
or `dojo grade`): on a shared cluster another person's request could be taken for the
learner's, and a wrong diagnosis is worse than none.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from dojo.cluster import ray_runtime

POLL_SECONDS = 0.5
# Its own thread: the loop's default executor belongs to the code under test (asyncio.to_thread).
_POLLER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dojo-feasibility")

Bundle = frozenset  # of (resource, amount) pairs


def watching_is_sound() -> bool:
    """True when every request on the cluster comes from this run."""
    return not ray_runtime.is_external()


def _largest_node() -> dict[str, float]:
    import ray

    largest: dict[str, float] = {}
    for node in ray.nodes():
        if node.get("Alive"):
            for name, amount in node.get("Resources", {}).items():
                largest[name] = max(largest.get(name, 0.0), amount)
    return largest


def _pending() -> Counter[Bundle]:
    import ray
    from ray.autoscaler.v2.sdk import get_cluster_status

    status = get_cluster_status(ray.get_runtime_context().gcs_address)
    counts: Counter[Bundle] = Counter()
    for demand in status.resource_demands.ray_task_actor_demand:
        for request in demand.bundles_by_count:
            counts[frozenset(request.bundle.items())] += request.count
    return counts


async def in_poller(function):
    """function() in the harness's own thread: a blocking Ray query off the test's loop."""
    return await asyncio.get_running_loop().run_in_executor(_POLLER, function)


def _too_big(bundle: Bundle, largest: dict[str, float]) -> bool:
    return any(amount > largest.get(name, 0.0) for name, amount in bundle)


def describe(bundle: Bundle) -> str:
    return "{" + ", ".join(f"{name!r}: {amount:g}" for name, amount in sorted(bundle)) + "}"


async def first_infeasible_request() -> tuple[Bundle, dict[str, float]]:
    """Wait until a request that no node can satisfy appears (one that was not pending when
    this started), and return it with the largest node's resources. Never returns where
    watching is not sound, or if the cluster's status cannot be read."""
    never = asyncio.Event()
    if not watching_is_sound():
        await never.wait()
    try:
        largest = await in_poller(_largest_node)
        before = await in_poller(_pending)
    except Exception:  # the status API moved or the cluster is gone: no verdict from here
        await never.wait()
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            now = await in_poller(_pending)
        except Exception:
            await never.wait()
        for bundle, count in now.items():
            if count > before.get(bundle, 0) and _too_big(bundle, largest):
                return bundle, largest


@contextlib.asynccontextmanager
async def no_infeasible_requests():
    """Run the body; if it makes a request no node can satisfy, cancel it and fail the test
    with a lesson. Usage: `async with no_infeasible_requests(): await learner_code()`."""
    from dojo.harness.teach import fail

    body = asyncio.current_task()
    found: list[tuple[Bundle, dict[str, float]]] = []

    async def watch() -> None:
        found.append(await first_infeasible_request())
        body.cancel()

    watcher = asyncio.create_task(watch())
    try:
        yield
    except asyncio.CancelledError:
        if not found:
            raise
        body.uncancel()  # the cancel was ours, to stop the waiting: the test goes on to fail
        bundle, largest = found[0]
        have = describe(frozenset((k, largest.get(k, 0.0)) for k, _ in bundle))
        fail(
            f"your code asked Ray for {describe(bundle)} for one task or actor, but the "
            f"largest node of this cluster has {have}: it can never start, so your code "
            "would wait for it for ever",
            "every task and actor asks for resources the cluster has (IO-bound work asks "
            "for none: num_cpus=0)",
            "a resource request larger than the cluster, in @ray.remote(...) or "
            ".options(...), e.g. num_cpus=8 on a 2-CPU machine",
        )
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
