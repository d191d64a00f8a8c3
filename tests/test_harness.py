"""Checks of the harness itself: a probe must report what really happened, and every
hold must fail in bounded time rather than hang."""

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import sysconfig
import time

import pytest
import ray

from dojo.harness import heartbeat as heartbeat_module
from dojo.harness.heartbeat import FREEZE_LIMIT, Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.timeline import Interval, peak_in_flight, render
from dojo.harness.timing import warm_workers
from dojo.harness.waiting import wait_until
from tests.robustness import blocking


@ray.remote(num_cpus=0)
def _call(service, item):
    return service.call(item)


async def _has_calls(probe):
    return (await probe.areport()).calls


async def _has_finished(probe):
    return (await probe.areport()).finished()


def test_peak_of_touching_intervals_is_one():
    calls = [Interval("a", 0.0, 1.0), Interval("b", 1.0, 2.0)]
    assert peak_in_flight(calls) == (1, 0.0)


def test_peak_of_overlapping_intervals():
    calls = [Interval("a", 0.0, 2.0), Interval("b", 0.5, 1.0), Interval("c", 0.7, 3.0)]
    assert peak_in_flight(calls) == (3, 0.7)


def test_a_lone_running_call_peaks_at_its_start():
    # A call still running when the picture is taken was in flight (a timeline once said
    # "peak at -1796507771 s" for it).
    calls = [Interval("a", 5.0, None)]
    assert peak_in_flight(calls) == (1, 5.0)
    assert "peak: 1 in flight at once, at 0.00 s" in render(calls)
    assert peak_in_flight([Interval("a", 1.0, None), Interval("b", 9.0, 9.5)]) == (2, 9.0)


def test_calls_still_running_are_drawn_up_to_when_the_report_was_read():
    calls = [Interval("a", 5.0, None), Interval("b", 5.0, None)]
    assert "0 s … 2.50 s" in render(calls, now=7.5)
    assert "0 s … 0.00 s" in render(calls)  # no clock given: nothing to draw them up to


def test_timeline_fits_80_columns_and_marks_the_peak():
    calls = [Interval(f"call {i}", i * 0.25, (i + 1) * 0.25) for i in range(30)]
    picture = render(calls)
    assert all(len(line) <= 80 for line in picture.splitlines()), picture
    assert "peak: 1 in flight" in picture
    assert "more calls not shown" in picture


async def test_one_call_in_flight_is_reported_as_one(make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=0.05)
    assert await _call.remote(service, "x") == answer("x")
    report = await probe.areport()
    assert report.peak == 1
    assert [c.outcome for c in report.calls] == ["ok"]


async def test_sequential_calls_peak_at_one(make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=0.05)
    for i in range(3):
        await _call.remote(service, i)
    assert (await probe.areport()).peak == 1


async def test_barrier_opens_when_all_are_in_flight(make_probe):
    # Four calls need four worker processes; Ray starts them lazily, and beside the plan
    # (load average 40) the last two took over 10 s to come up (CI on 78ddf84). Warm them
    # first; the generous idle limit costs nothing when the barrier opens, as it should.
    await warm_workers(4)
    probe = make_probe(barrier=4, barrier_idle=30)
    service = SlowService(probe, delay=0.01)
    await asyncio.gather(*[_call.remote(service, i) for i in range(4)])
    report = await probe.areport()
    assert report.peak == 4
    assert not report.barrier_broken


async def test_a_barrier_that_never_fills_breaks_within_its_timeout(make_probe):
    probe = make_probe(barrier=3, barrier_idle=0.5)
    service = SlowService(probe, delay=0.01)
    started = time.monotonic()
    await _call.remote(service, "alone")
    assert time.monotonic() - started < 5
    report = await probe.areport()
    assert report.barrier_broken
    assert report.peak == 1


async def test_an_unopened_gate_opens_by_timeout_and_says_so(make_probe):
    probe = make_probe(gate_timeout=0.5)
    service = SlowService(probe, delay=0.0, gates={"g": "gate-g"})
    await _call.remote(service, "g")
    assert (await probe.areport()).gates == {"gate-g": "timeout"}


async def test_a_gate_opened_by_the_test_says_signal(make_probe):
    probe = make_probe(gate_timeout=10)
    service = SlowService(probe, delay=0.0, gates={"g": "gate-g"})
    ref = _call.remote(service, "g")
    await probe.open_gate("gate-g")
    await ref
    assert (await probe.areport()).gates == {"gate-g": "signal"}


async def test_a_cancelled_task_is_recorded_as_cancelled(make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=30)
    ref = _call.remote(service, "slow")
    assert await wait_until(lambda: _has_calls(probe))
    ray.cancel(ref)
    with pytest.raises(ray.exceptions.TaskCancelledError):
        await ref
    assert await wait_until(lambda: _has_finished(probe))
    report = await probe.areport()
    assert [c.outcome for c in report.finished()] == ["cancelled"]


async def test_heartbeat_sees_a_blocked_loop():
    async with Heartbeat() as heartbeat:
        time.sleep(0.3)  # noqa: ASYNC251 - blocking on purpose
    assert heartbeat.longest_freeze >= 0.3


async def test_heartbeat_keeps_ticking_when_the_loop_is_free():
    # Held to the katas' own rule (no freeze past FREEZE_LIMIT): a busy machine delays a free
    # loop's turns too (0.23 s seen in CI at a load average near 50). The sleep outlasts that
    # limit, so a heartbeat that stopped ticking would fail here.
    async with Heartbeat() as heartbeat:
        await asyncio.sleep(FREEZE_LIMIT * 1.5)
    assert heartbeat.longest_freeze < FREEZE_LIMIT
    assert heartbeat.ticks > 5


# The end of a child script that read a /proc status into `status`: exit 1 if SIGINT is ignored.
_EXIT_1_IF_SIGINT_IGNORED = (
    "import signal, sys\n"
    "line = next(l for l in status.splitlines() if l.startswith('SigIgn:'))\n"
    "sys.exit(1 if int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)) else 0)\n"
)


def _run_where_ctrl_c_is_ignored(script: str, timeout: float) -> int:
    """Run `script` in a child started with SIGINT ignored, as a backgrounded shell starts it;
    return its exit code."""
    return subprocess.run(
        [sys.executable, "-c", script + _EXIT_1_IF_SIGINT_IGNORED],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        timeout=timeout,
    ).returncode


def test_an_inherited_ignore_of_ctrl_c_is_undone_for_ray_workers():
    # Started in the background by a non-interactive shell (`cmd &`), a process begins with
    # SIGINT ignored, and passes that on: ray.cancel (KeyboardInterrupt) then fails in workers.
    child = (
        "import subprocess\n"
        "from dojo.cluster.ray_runtime import prepare_environment\n"
        "prepare_environment()\n"
        "status = subprocess.run(['cat', '/proc/self/status'], capture_output=True, text=True)"
        ".stdout\n"
    )
    code = _run_where_ctrl_c_is_ignored(child, timeout=60)
    assert code == 0, "a process started by dojo still ignores Ctrl-C (SIGINT)"


@pytest.mark.timeout(200)  # a head's start is tried up to 3 times on a busy machine
def test_a_head_started_where_ctrl_c_is_ignored_does_not_pass_that_on():
    # The self-check's shards and the reused head are `ray start --head` processes the dojo
    # starts; their workers inherit SIGINT's disposition, and ray.cancel needs it.
    child = (
        "from dojo.cluster.head import LocalHead\n"
        "head = LocalHead(num_cpus=1).start()\n"
        "try:\n"
        "    status = open(f'/proc/{head.pid}/status').read()\n"
        "finally:\n"
        "    head.stop()\n"
    )
    code = _run_where_ctrl_c_is_ignored(child, timeout=180)
    assert code == 0, "a head the dojo started ignores Ctrl-C: ray.cancel would fail"


@ray.remote(num_cpus=0)
def _niceness():
    return os.nice(0)


def test_ray_workers_run_at_the_priority_of_the_test_process(ray_cluster):
    # At Ray's default nice 15, two busy programs starved the workers so much that warming
    # up 8 of them outlasted a test's timeout.
    from dojo.cluster.ray_runtime import is_external

    if is_external():
        pytest.skip("a cluster someone else started sets its own worker priority")
    assert ray.get(_niceness.remote(), timeout=60) == os.nice(0)


@ray.remote(num_cpus=0)
def _worker_pid_at_barrier(probe) -> int:
    with probe.track("pid"):
        return os.getpid()


async def test_workers_warmed_for_a_test_are_still_there_for_the_next(ray_cluster, make_probe):
    # Ray stops idle workers beyond its soft limit (its CPUs by default) after a second; the
    # dojo raises the limit (ray_runtime.keep_idle_workers) so a test's 8 calls at once do not
    # start 6 processes again (0.6-0.75 s of CPU each) that the last test had just started.
    from dojo.cluster.ray_runtime import IDLE_WORKERS_KEPT, is_external

    if is_external():
        pytest.skip("a cluster someone else started keeps its own number of idle workers")

    async def pids_of_calls_held_together() -> set[int]:
        probe = make_probe(barrier=IDLE_WORKERS_KEPT, barrier_idle=20)
        pids = await asyncio.gather(
            *(_worker_pid_at_barrier.remote(probe) for _ in range(IDLE_WORKERS_KEPT))
        )
        assert (await probe.areport()).peak == IDLE_WORKERS_KEPT, "the calls were not held together"
        return set(pids)

    first = await pids_of_calls_held_together()
    await asyncio.sleep(2.5)  # Ray's idle limit is 1 s: past it, extra idle workers are gone
    second = await pids_of_calls_held_together()
    assert first == second, (
        f"{len(first - second)} of the {IDLE_WORKERS_KEPT} workers were stopped while idle and "
        "started again"
    )


@ray.remote(num_cpus=0)
def _answers_after(seconds: float) -> None:
    time.sleep(seconds)


def test_the_pulse_counts_only_the_time_ray_was_slow_to_answer(ray_cluster, make_probe):
    from dojo.harness.pulse import PROMPT, Pulse

    probe = make_probe()
    ray.get(probe.ping())  # its actor is up: a prompt answer from now on
    start = time.monotonic()
    with Pulse(lambda: [probe.ping()]) as prompt:
        time.sleep(1.0)
    assert prompt.overdue_between(start, time.monotonic()) < 0.1

    start = time.monotonic()
    with Pulse(lambda: [probe.ping(), _answers_after.remote(PROMPT + 0.6)]) as slow:
        time.sleep(1.5)
        end = time.monotonic()
    overdue = slow.overdue_between(start, end)
    # The first ping was sent at 0.2 s and overdue from 0.7 s: about 0.8 s of the 1.5 s.
    assert 0.5 < overdue <= end - start - 0.7, overdue
    assert slow.overdue_between(start, start + 0.6) == 0.0


def test_a_slow_batch_is_blamed_on_the_code_only_when_the_calls_did_not_overlap():
    from dojo.harness.timing import assert_well_under_sequential

    # 8 calls of 0.5 s in 3 s: all 8 in flight at once means a busy machine, not serial code.
    assert_well_under_sequential(3.0, 8, 0.5, peak=8)
    with pytest.raises(pytest.fail.Exception, match=r"8 calls of 0\.50 s took 3\.00 s"):
        assert_well_under_sequential(3.0, 8, 0.5, peak=2)
    with pytest.raises(pytest.fail.Exception):
        assert_well_under_sequential(3.0, 8, 0.5)  # no mechanism evidence: time alone decides


@pytest.mark.parametrize(
    ("block", "call", "lesson"),
    [
        ("sleeps", "time.sleep", "asyncio.sleep"),
        ("waits_on_a_future", "Future.result()", "wrap_future"),
    ],
)
async def test_the_heartbeat_names_the_blocking_call_and_its_line(block, call, lesson):
    async with Heartbeat() as heartbeat:
        await getattr(blocking, block)(0.5)
    with pytest.raises(pytest.fail.Exception) as failure:
        heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2)
    message = str(failure.value)
    assert f"stuck in {call} at tests/robustness/blocking.py:" in message, message
    assert "likely mistake:" in message and lesson in message, message


async def test_a_stall_not_caught_in_the_learners_code_counts_only_past_the_long_limit():
    async with Heartbeat() as heartbeat:
        time.sleep(0.5)  # noqa: ASYNC251  (the test's own line: not the learner's code)
    # What a busy machine does to a correct loop: below the limit for any freeze, no verdict.
    heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2, limit=1.0)
    with pytest.raises(pytest.fail.Exception) as failure:
        heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2, limit=0.4)
    message = str(failure.value)
    assert "never caught its thread in your code" in message, message
    assert "possible mistakes" in message and "too busy" in message, message


async def test_a_stall_at_a_line_with_no_known_call_is_named_only_past_the_long_limit():
    async with Heartbeat() as heartbeat:
        await blocking.spins(0.5)
    heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2, limit=1.0)
    with pytest.raises(pytest.fail.Exception) as failure:
        heartbeat.assert_loop_stayed_free(
            "the test waited", caught_limit=0.2, limit=0.4, candidates=["the kata's own cause"]
        )
    message = str(failure.value)
    assert "caught at tests/robustness/blocking.py:" in message, message
    assert "the kata's own cause" in message and "too busy" in message, message


def test_the_script_that_started_the_run_is_not_the_learners_code():
    # `.venv/bin/pytest` is the outermost frame of every test: counted as the learner's, a
    # stall caught outside any learner frame would be blamed on that script's line.
    script = os.path.join(sysconfig.get_paths()["scripts"], "pytest")
    assert not heartbeat_module.is_learners_code(script)
    assert heartbeat_module.is_learners_code(os.path.abspath(blocking.__file__))


async def test_a_stall_is_blamed_on_the_known_call_seen_in_it_not_on_an_earlier_line():
    # The watching thread first catches the spinning line (no known call), then time.sleep.
    async with Heartbeat() as heartbeat:
        await blocking.spins_then_sleeps(0.8)
    with pytest.raises(pytest.fail.Exception) as failure:
        heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2)
    assert "stuck in time.sleep at tests/robustness/blocking.py:" in str(failure.value)


async def test_a_thread_start_is_no_blocking_call_of_the_learners():
    # Thread.start() waits on a threading Event until the thread runs; an executor's first
    # to_thread call does it on the loop. Slow on a busy machine, but no threading wait of
    # the learner's: judged at the long limit, not the caught one.
    async with Heartbeat() as heartbeat:
        await blocking.starts_a_slow_thread(0.5)
    assert heartbeat.longest_freeze > 0.3, heartbeat.longest_freeze  # the stall did happen
    # Only the caught limit is under test: a thread start taken for the learner's threading
    # wait fails at 0.2 s. The long limit is out of the way (a 0.5 s start took 1.07 s beside
    # the plan: CI on ceaa01d).
    heartbeat.assert_loop_stayed_free("the test waited", caught_limit=0.2, limit=60)


async def test_a_stall_inside_ray_creating_an_actor_is_load_not_a_mistake(ray_cluster, monkeypatch):
    # Creating an actor (a ray.util.queue.Queue) registers its class with the cluster before
    # `.remote()` returns: 1.7 s with every core busy (kata 16's correct consumer_actor failed
    # so). No answer can avoid it, so it is no freeze of the learner's.
    manager = ray._private.worker.global_worker.function_actor_manager
    export = manager.export_actor_class

    def slow_export(*args, **kwargs):
        time.sleep(0.6)  # what a loaded machine does to the export
        return export(*args, **kwargs)

    monkeypatch.setattr(manager, "export_actor_class", slow_export)
    async with Heartbeat() as heartbeat:
        queue = await blocking.makes_a_queue()
        await asyncio.sleep(0.05)  # the loop ticks again: the next freeze is another one
        await blocking.spins(0.15)  # the learner's own freeze still counts
    queue.shutdown(force=True)
    gaps = list(itertools.pairwise(heartbeat.tick_times))
    # The gap that began when the queue was made (its tick is the first of the block's).
    export = max(gaps[:2], key=lambda gap: gap[1] - gap[0])
    assert export[1] - export[0] >= 0.6, gaps[:3]
    others = [b - a for a, b in gaps if (a, b) != export]
    # Compared with the other gaps, not with a time: a loaded machine stretches them all. The
    # export's gap counts only for what is left of it after the 0.6 s spent in Ray.
    left = export[1] - export[0] - 0.6
    assert max(others) <= heartbeat.longest_freeze <= max(*others, left), (
        heartbeat.longest_freeze,
        others,
        left,
    )
    assert heartbeat.longest_freeze >= 0.15, heartbeat.longest_freeze  # the spin still counts


async def test_a_freeze_of_the_learners_beside_ray_creating_an_actor_still_counts(
    ray_cluster, monkeypatch
):
    # One stall: 0.3 s of the learner's own, then 0.6 s in Ray's export. Only Ray's part is
    # excused, however the watching thread's looks fell (it saw the learner's line first).
    manager = ray._private.worker.global_worker.function_actor_manager
    export = manager.export_actor_class

    def slow_export(*args, **kwargs):
        time.sleep(0.6)
        return export(*args, **kwargs)

    monkeypatch.setattr(manager, "export_actor_class", slow_export)
    async with Heartbeat() as heartbeat:
        queue = await blocking.makes_a_queue(busy_first=0.3)
    queue.shutdown(force=True)
    gaps = [b - a for a, b in itertools.pairwise(heartbeat.tick_times)]
    assert max(gaps) >= 0.9, gaps  # the stall held both
    assert 0.3 <= heartbeat.longest_freeze <= max(gaps) - 0.6, (heartbeat.longest_freeze, gaps)
    culprit = heartbeat.culprit()
    assert culprit is not None and "time.monotonic() < end" in culprit.source, culprit


async def test_a_heartbeat_leaves_alone_what_a_test_put_in_place_of_rays_queue(
    ray_cluster, monkeypatch
):
    # Kata 16's tests put a plain function under ray.util.queue.Queue (to record every queue
    # made): the heartbeat must time Ray's own classes only, and put back what it found.
    import ray.util.queue

    made = []

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    real = ray.util.queue.Queue
    monkeypatch.setattr(ray.util.queue, "Queue", recording)
    async with Heartbeat():
        queue = await blocking.makes_a_queue()
    queue.shutdown(force=True)
    assert made == [queue] and ray.util.queue.Queue is recording


@ray.remote(num_cpus=0)
def _quick() -> int:
    return 1


async def test_a_ray_wait_poll_too_short_to_freeze_the_loop_still_breaks_the_rule(ray_cluster):
    refs = [_answers_after.remote(0.3) for _ in range(2)]
    async with Heartbeat() as heartbeat:
        await blocking.polls_ray_wait(refs)
    # Limits no freeze reaches, even on a loaded machine: what must fail is the calls alone.
    with pytest.raises(pytest.fail.Exception) as failure:
        heartbeat.assert_loop_stayed_free("the test waited", caught_limit=60, limit=60)
    message = str(failure.value)
    assert "called ray.wait" in message and "tests/robustness/blocking.py:" in message, message
    assert "likely mistake:" in message and "asyncio.wait" in message, message


async def test_ray_get_in_a_thread_or_in_the_tests_own_code_is_not_the_learners(ray_cluster):
    async with Heartbeat() as heartbeat:
        assert await blocking.gets_in_a_thread([_quick.remote()]) == [1]
        assert ray.get(_quick.remote()) == 1  # the test's own line
    assert heartbeat.ruled_calls == []
    assert ray.get is not None and ray.get.__module__.startswith("ray"), "ray.get not restored"


async def test_an_actors_blocking_calls_on_its_loop_are_noted_in_its_process(ray_cluster):
    from dojo.harness.actor_loop_calls import loop_calls, watching_loop_calls

    waiter = watching_loop_calls(blocking.LoopWaiter).remote()
    try:
        holder = [_quick.remote()]  # in a list: Ray passes the ref itself, not its value
        assert await waiter.awaits.remote(holder) == 1
        assert await waiter.gets_in_a_thread.remote(holder) == 1
        assert await loop_calls(waiter) == []
        assert await waiter.gets_on_its_loop.remote(holder) == 1
        (noted,) = await loop_calls(waiter, made_in="gets_on_its_loop")
        assert noted.call == "ray.get" and noted.where().startswith("tests/robustness/blocking.py:")
        assert await loop_calls(waiter, made_in="awaits") == []
    finally:
        ray.kill(waiter)


async def test_on_stall_is_called_once_when_the_loop_stood_still_long_enough():
    calls = []
    async with Heartbeat(on_stall=lambda: calls.append(1), stall_after=0.3) as heartbeat:
        await blocking.sleeps(1.0)
        await blocking.sleeps(0.5)
    assert calls == [1] and 0.3 < heartbeat.stalled_for < 1.0, (calls, heartbeat.stalled_for)


async def test_stalls_are_counted_only_while_the_heartbeat_watched():
    before = time.monotonic() - 5.0  # long before the heartbeat began: it saw nothing then
    async with Heartbeat() as heartbeat:
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # noqa: ASYNC251  (a stall of the loop, on purpose)
        await asyncio.sleep(0.1)
    end = heartbeat.tick_times[-1]
    stalled = heartbeat.stalled_between(before, end, 0.05)
    assert 0.2 <= stalled < 1.0, stalled
    assert heartbeat.stalled_between(before, heartbeat.tick_times[0], 0.05) == 0.0


def test_stillness_windows_stretch_with_the_machine_s_load_and_no_further(monkeypatch):
    from dojo.harness import timing

    monkeypatch.setattr(timing.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (0.4, 0.0, 0.0))
    assert timing.stretched(4.0) == 4.0  # idle: the kata's own window
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (5.0, 0.0, 0.0))
    assert timing.stretched(4.0) == 10.0  # 2.5 times busier than its two cores
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (42.0, 0.0, 0.0))
    assert timing.stretched(4.0) == 4.0 * timing.MAX_STRETCH  # a wrong answer still hears soon

    def no_load_average():
        raise OSError("not on this system")

    monkeypatch.setattr(timing.os, "getloadavg", no_load_average)
    assert timing.stretched(4.0) == 4.0


@ray.remote(num_cpus=0)
class _SlowToStart:
    def __init__(self, gate):
        ray.get(gate.wait.remote())  # up only once the test lets it


@ray.remote(num_cpus=0)
class _Gate:
    def __init__(self):
        import asyncio as _asyncio

        self.open = _asyncio.Event()

    async def wait(self):
        await self.open.wait()

    async def let_go(self):
        self.open.set()


def test_an_actor_still_being_created_is_seen_starting_until_it_is_up(ray_cluster):
    from dojo.harness.actors import actors_starting

    gate = _Gate.remote()
    ray.get(gate.__ray_ready__.remote())
    assert not actors_starting("_SlowToStart")
    actor = _SlowToStart.remote(gate)
    try:
        # Registering the actor with the cluster takes a moment after .remote() returns.
        seen_by = time.monotonic() + 20
        while not actors_starting("_SlowToStart") and time.monotonic() < seen_by:
            time.sleep(0.05)
        assert actors_starting("_SlowToStart") and actors_starting()
        assert not actors_starting("NoSuchClass")
        ray.get(gate.let_go.remote())
        ray.get(actor.__ray_ready__.remote(), timeout=60)
        assert not actors_starting("_SlowToStart")
    finally:
        ray.kill(actor)
        ray.kill(gate)
