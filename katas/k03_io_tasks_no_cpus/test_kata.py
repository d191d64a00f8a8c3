"""Kata 03 · IO tasks don't need CPUs: the tests your code must pass."""

import time
from dataclasses import dataclass

import pytest
import ray

from dojo.cluster.ray_runtime import cluster_cpus
from dojo.harness.handoffs import QUIET, watch_handoffs
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.probes import Probe, ProbeReport
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers

# pytest's own limit, above the warm-up (12 s at most), CALL_LIMIT and the barrier's wait for
# calls Ray is still starting: a busy machine gets the kata's lesson, not a bare timeout. The
# all-at-once test has its own, AT_ONCE_TIMEOUT.
pytestmark = pytest.mark.timeout(45)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

PAGES = ["home", "about", "blog", "shop"]

# Each download waits at a barrier until every download is in flight. A download that reserves
# no CPU but is started late (one at a time) fills only part of it: once your code starts no
# other while those wait, for a second (dojo/harness/handoffs.py), or after BARRIER_IDLE seconds
# without a new arrival, the barrier gives up and the report says so. Cold worker start-up
# brings new arrivals well within that, so it is generous for correct code. (A download that
# reserves CPU skips the barrier: its reservation, which it reads itself, is the verdict.)
BARRIER_IDLE = 4.0

# The all-at-once run is tried cold first: without warm_workers, whose start of eight worker
# processes is most of a wrong answer's wait (code that starts one download and waits for it
# needs one worker, and the handoff watch catches it a QUIET second after that download
# arrives), while a right answer's own downloads start the workers the warm-up would have. A
# cold run's verdict stands when the code passed, or when it failed on evidence a cold start
# cannot produce: wrong results, a CPU reserved, a blocking call on the loop, or the code seen
# to stop starting downloads. A barrier that gave up without that (it may have waited on Ray's
# worker start-up) sends the run again warm, exactly as before, and that run decides. The cold
# run's limit includes the warm-up's own (WARM_UP_LIMIT s, warm_workers' at_most), so Ray's
# slowness gets as much time.
WARM_UP_LIMIT = 12.0
# pytest's limit for the all-at-once test: a cold run that decided nothing, then the warm run.
AT_ONCE_TIMEOUT = 90

# A blocked loop freezes for the whole DELAY: caught inside a blocking call (ray.get,
# ray.wait, ...), a freeze past CAUGHT_FREEZE fails; any other past the heartbeat's FREEZE_LIMIT.
DELAY = 0.8
CAUGHT_FREEZE = 0.4


# -- the tests -----------------------------------------------------------------------------


def _wait_keeping_the_cpu(ref):
    """Wait for a ref without ray.get/ray.wait: while a task blocks in those, Ray lends its
    CPU to queued tasks, so a CPU-reserving task that waited with ray.get would let more tasks
    in than the cluster has CPUs. Polling the ref's future keeps the reservation."""
    future = ref.future()
    while not future.done():
        time.sleep(0.005)
    return future.result()


@dataclass(frozen=True)
class CpuFaithfulService:
    """Like dojo.harness.sim.SlowService (same answers, recorded by a probe), but each call
    records the CPU its task reserved (Ray's own count, read inside the task) as its outcome,
    and never gives that reservation up while it waits. A call that reserves no CPU is
    recorded by `probe` (and waits at its barrier, if it has one); a call that reserves CPU is
    recorded by `tally` when there is one, and so does not wait at the barrier: it is wrong
    whatever happens there."""

    probe: Probe
    tally: Probe | None = None
    delay: float = 0.05

    def call(self, page):
        cpu = ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0)
        probe = self.tally if cpu and self.tally is not None else self.probe
        call_id = _wait_keeping_the_cpu(probe.enter_remote(str(page)))
        time.sleep(self.delay)
        _wait_keeping_the_cpu(probe.leave_remote(call_id, f"{cpu:g} CPU"))
        return answer(page)


def _how_many() -> int:
    """More downloads than the cluster has CPUs, so reserving a CPU each cannot fit them."""
    return max(8, cluster_cpus() + 2)


def _check_no_cpu_reserved(report: ProbeReport) -> None:
    """Fail with a lesson if any recorded download reserved CPU (see CpuFaithfulService)."""
    reserved = [
        float(c.outcome.split()[0]) for c in report.finished() if c.outcome.endswith(" CPU")
    ]
    cpu = max(reserved, default=0.0)
    if not cpu:
        return
    cpus = cluster_cpus()
    fit = int(cpus / cpu)
    if cpu < 1:
        likely = (
            f"a fraction such as num_cpus={cpu:g} still reserves CPU: Ray counts it against "
            f"the node's CPUs, so only {fit} fit at once; an IO-bound task asks for num_cpus=0"
        )
    elif cpu == 1:
        likely = (
            "each task reserves 1 CPU, the default of a plain `@ray.remote`; an IO-bound task "
            "asks for num_cpus=0 (`@ray.remote(num_cpus=0)`, or `.options(num_cpus=0)` when "
            "you call it)"
        )
    else:
        likely = f"num_cpus={cpu:g} reserves even more; an IO-bound task asks for num_cpus=0"
    fail(
        f"each download reserved {cpu:g} CPU (Ray's own count, read inside the task), so at "
        f"most {fit} of them run at once on this {cpus}-CPU cluster and Ray queues the rest, "
        "although they only wait on IO",
        "downloads that reserve no CPU at all, so all of them run at once however few CPUs "
        "the cluster has",
        likely,
        picture=report.timeline(),
    )


def _check_results(result, pages, report: ProbeReport) -> None:
    """Fail with a lesson unless download_all returned every page's result, in page order."""
    call = f"download_all(service, {pages!r})"
    expected = [answer(page) for page in pages]
    if not isinstance(result, list | tuple):
        fail(
            f"{call} returned {type(result).__name__} {result!r:.80}",
            f"a list of {len(pages)} results",
            "returning before awaiting the refs (or returning the gather call un-awaited)",
        )
    result = list(result)
    if any(isinstance(r, ray.ObjectRef) for r in result):
        fail(
            f"{call} returned ObjectRefs, not the downloaded pages",
            f"{expected!r}",
            "the downloads were started but their refs were never awaited",
        )
    if result == expected:
        return
    finished = [c.label for c in sorted(report.finished(), key=lambda c: c.end)]
    if sorted(result, key=repr) != sorted(expected, key=repr):
        fail(
            f"{call} returned {result!r:.200}",
            f"one result per page, in the order of pages: {expected!r}",
            "the results do not come from download(service, page), once per page",
            picture=report.timeline(),
        )
    as_completed = (
        "collecting results in the order the downloads finished (asyncio.as_completed, "
        "appending in a callback) without putting each one back in its page's place; "
        "asyncio.gather keeps the order"
    )
    if result == [answer(label) for label in finished]:
        fail(
            f"the results came back as {result!r}, the order in which the downloads finished",
            f"the order of pages (the order you started them in): {expected!r}",
            as_completed,
            picture=report.timeline(),
        )
    fail(
        f"the results came back as {result!r:.300}: every one is there, but not in the order "
        "of pages",
        f"the order of pages: {expected!r:.300}",
        [
            as_completed,
            "results sorted, or kept in a set or a dict keyed by something else than the page",
            "each result put in another page's place",
        ],
        picture=report.timeline(),
    )


async def test_each_download_reserves_no_cpu(kata, make_probe):
    probe = make_probe()
    service = CpuFaithfulService(probe)
    result = await finishes_within(
        kata.download_all(service, PAGES), CALL_LIMIT, f"download_all(service, {PAGES!r})"
    )
    report = await probe.areport()
    _check_no_cpu_reserved(report)
    _check_results(result, PAGES, report)


@pytest.mark.timeout(AT_ONCE_TIMEOUT)
async def test_all_downloads_run_at_once_on_a_small_cluster(kata, make_probe):
    n = _how_many()
    # One tally for both runs: a cold run that recorded a reserved CPU has failed already.
    tally = make_probe()
    if await _at_once_run(kata, make_probe, tally, n, cold=True):
        return
    await warm_workers(n, at_most=WARM_UP_LIMIT)
    await _at_once_run(kata, make_probe, tally, n, cold=False)


async def _at_once_run(kata, make_probe, tally: Probe, n: int, cold: bool) -> bool:
    """One run of n downloads at the barrier and its verdict: fails the test with the lesson,
    or returns True when the code passed, or False when a cold run's barrier gave up in a way
    a cold start could explain (see WARM_UP_LIMIT)."""
    cpus = cluster_cpus()
    pages = [f"page {i}" for i in range(n)]
    probe = make_probe(barrier=n, barrier_idle=BARRIER_IDLE)
    service = CpuFaithfulService(probe, tally)
    limit = CALL_LIMIT + (WARM_UP_LIMIT if cold else 0)
    async with (
        Heartbeat() as heartbeat,
        watch_handoffs(kata, "download", probe, want=n) as handoffs,
    ):
        result = await finishes_within(
            kata.download_all(service, pages), limit, f"download_all({n} pages)"
        )
    report = await probe.areport()
    _check_results(result, pages, report)
    _check_no_cpu_reserved(await tally.areport())
    if report.barrier_broken or report.peak < n:
        # Downloads waited at the barrier while the loop was frozen: the blocking call is why.
        heartbeat.fail_if_caught_blocking(
            CAUGHT_FREEZE,
            during=f"only {report.peak} of {n} downloads were in flight at once",
            known_call_only=True,
        )
        if cold and not handoffs.stalled:
            return False  # not seen to stop starting downloads: Ray may have been slow
        if report.peak <= 1:
            likely = (
                "waiting for each download before starting the next (an `await` inside the "
                "loop that starts them): they ran one after another. Start them all first, "
                "then await them together"
            )
        else:
            likely = [
                "starting the downloads in batches and awaiting each batch before the next",
                "a limit on how many run at once (a semaphore, a pool of workers)",
            ]
        if handoffs.stalled:
            # Seen, not guessed: it had started only these, and no other while they waited.
            waited = f"your code started no other while they were held for {QUIET:g} s"
        else:
            waited = f"the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up"
        fail(
            f"only {report.peak} of {n} downloads ran at once, although none reserved a CPU "
            f"({waited})",
            f"all {n} downloads in flight together, on a cluster with {cpus} CPUs",
            likely,
            picture=report.timeline(),
        )
    return True


async def test_returns_every_page_in_order(kata, make_probe):
    # Later pages answer sooner: the results must still follow the order of pages. The
    # downloads leave the barrier together, so their delays alone decide the order they finish
    # in (without it, a worker that starts late can make a later page finish last after all).
    probe = make_probe(barrier=len(PAGES), barrier_idle=BARRIER_IDLE)
    delays = {page: 0.1 * (len(PAGES) - 1 - i) for i, page in enumerate(PAGES)}
    service = SlowService(probe, delays=delays)
    await warm_workers(len(PAGES))
    async with watch_handoffs(kata, "download", probe, want=len(PAGES)):
        result = await finishes_within(
            kata.download_all(service, PAGES), CALL_LIMIT, f"download_all(service, {PAGES!r})"
        )
    _check_results(result, PAGES, await probe.areport())


async def test_event_loop_stays_responsive(kata, make_probe):
    probe = make_probe()
    pages = PAGES[:2]  # no more than the test cluster's CPUs: this test is about the loop
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(pages))
    async with Heartbeat() as heartbeat:
        result = await finishes_within(
            kata.download_all(service, pages), CALL_LIMIT, f"download_all(service, {pages!r})"
        )
    heartbeat.assert_loop_stayed_free(
        f"download_all waited for {len(pages)} downloads of {DELAY} s", caught_limit=CAUGHT_FREEZE
    )
    _check_results(result, pages, await probe.areport())
