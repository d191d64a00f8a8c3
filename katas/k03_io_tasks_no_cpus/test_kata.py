"""Kata 03 · IO tasks don't need CPUs: the tests your code must pass."""

import time
from dataclasses import dataclass

import pytest
import ray

from dojo.cluster.ray_runtime import cluster_cpus
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.probes import Probe
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers

pytestmark = pytest.mark.timeout(30)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

PAGES = ["home", "about", "blog", "shop"]

# Each download waits at a barrier until every download is in flight. A 1-CPU-per-task
# download fills only as many places as the cluster has CPUs; after BARRIER_IDLE seconds
# without a new arrival the barrier gives up and the report says it was broken. Cold worker
# start-up brings new arrivals well within that, so it is generous for correct code.
BARRIER_IDLE = 4.0

# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
DELAY = 0.8
MAX_FREEZE = 0.4


def _wait_keeping_the_cpu(ref):
    """Wait for a ref without ray.get/ray.wait: while a task blocks in those, Ray lends its
    CPU to queued tasks, so a CPU-reserving task held at the barrier with ray.get would let
    more tasks in than the cluster has CPUs. Polling the ref's future keeps the reservation."""
    future = ref.future()
    while not future.done():
        time.sleep(0.005)
    return future.result()


@dataclass(frozen=True)
class CpuFaithfulService:
    """Like dojo.harness.sim.SlowService (same answers, recorded by the same probe), but it waits at
    the probe's barrier without giving up the task's CPU reservation (see above)."""

    probe: Probe
    delay: float = 0.05

    def call(self, page):
        call_id = _wait_keeping_the_cpu(self.probe.enter_remote(str(page)))
        time.sleep(self.delay)
        _wait_keeping_the_cpu(self.probe.leave_remote(call_id, "ok"))
        return answer(page)


def _how_many() -> int:
    """More downloads than the cluster has CPUs, so reserving a CPU each cannot fit them."""
    return max(8, cluster_cpus() + 2)


async def test_returns_every_page_in_order(kata, make_probe):
    probe = make_probe()
    # Later pages answer sooner: the results must still follow the order of pages.
    delays = {page: 0.1 * (len(PAGES) - 1 - i) for i, page in enumerate(PAGES)}
    service = SlowService(probe, delays=delays)
    result = await finishes_within(
        kata.download_all(service, PAGES), CALL_LIMIT, f"download_all(service, {PAGES!r})"
    )
    expected = [answer(page) for page in PAGES]
    if isinstance(result, list | tuple) and any(isinstance(r, ray.ObjectRef) for r in result):
        fail(
            "download_all returned ObjectRefs, not the downloaded pages",
            f"{expected!r}",
            "the downloads were started but their refs were never awaited",
        )
    if not isinstance(result, list | tuple) or list(result) != expected:
        fail(
            f"download_all returned {result!r:.200}",
            f"one result per page, in the order of pages: {expected!r}",
            "results collected in the order they finished, or pages missing",
            picture=(await probe.areport()).timeline(),
        )


async def test_all_downloads_run_at_once_on_a_small_cluster(kata, make_probe):
    n, cpus = _how_many(), cluster_cpus()
    pages = [f"page {i}" for i in range(n)]
    probe = make_probe(barrier=n, barrier_idle=BARRIER_IDLE)
    service = CpuFaithfulService(probe)
    await warm_workers(n)
    await finishes_within(kata.download_all(service, pages), CALL_LIMIT, f"download_all({n} pages)")
    report = await probe.areport()
    if not report.barrier_broken and report.peak >= n:
        return
    if report.peak <= 1 < cpus:
        likely = (
            "they ran one after another: did you await each download inside the loop that "
            "starts them? Start them all first, then await them together"
        )
    elif report.peak <= cpus:
        likely = (
            f"each task reserves 1 CPU by default and this cluster has {cpus}, so Ray queues "
            "the rest although they only wait on IO; IO-bound tasks should ask for num_cpus=0 "
            "(@ray.remote(num_cpus=0), or .options(num_cpus=0) when you call it)"
        )
    else:
        likely = "some downloads started only after others had finished"
    fail(
        f"only {report.peak} of {n} downloads ran at once "
        f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
        f"all {n} downloads in flight together, on a cluster with {cpus} CPUs",
        likely,
        picture=report.timeline(),
    )


async def test_event_loop_stays_responsive(kata, make_probe):
    probe = make_probe()
    pages = PAGES[:2]  # no more than the test cluster's CPUs: this test is about the loop
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(pages))
    async with Heartbeat() as heartbeat:
        await finishes_within(
            kata.download_all(service, pages), CALL_LIMIT, f"download_all(service, {pages!r})"
        )
    heartbeat.assert_never_froze(
        MAX_FREEZE, during=f"download_all waited for {len(pages)} downloads of {DELAY} s"
    )
