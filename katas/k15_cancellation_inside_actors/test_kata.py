"""Kata 15 · Cancellation inside actors: the tests your code must pass."""

import asyncio

import pytest
import ray

from dojo.harness.actors import killed_at_the_end, outcome
from dojo.harness.sim import OutOfStock, SlowService, answer
from dojo.harness.teach import (
    GROUP_WRAPS_IT,
    below_zero,
    fail,
    finishes_within,
    wrapped_in_a_group,
)
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

# A call held at this gate is visibly in progress until the test opens it (the test opens it
# itself; the probe's timeout is only a safety net).
HOLD = "hold the call"
GATE_TIMEOUT = 60.0

# The call the test cancels would take SLOW seconds: it is certainly still running when
# ray.cancel arrives, and a call nobody stops still ends in bounded time.
SLOW = 10.0
# Ray answers the caller of an async actor's call (finished, failed or cancelled) only once
# the method's coroutine has ended, its `finally` and `except` clauses included: the worker
# sends the reply when the coroutine is over (ray/_raylet.pyx,
# run_async_func_or_coro_in_event_loop; a cleanup that takes 1.5 s delays the caller's
# TaskCancelledError by 1.5 s). So once the caller has its answer, a lease the call gives back
# on its way out is back, and the test reads leased_count() once, right after: waiting
# longer could not change what the call did. A cancelled service call has by then (almost
# always) recorded its end too: the test allows this much for that record, and on a busy
# machine waits on for it (see the cancelled-call test).
RETURNED_WITHIN = 2.0
# The deadline of the given use_with_deadline, for a call that would take SLOW seconds.
DEADLINE = 0.5


@pytest.fixture
def actors(ray_cluster):
    """Keep every actor a test creates, and kill it when the test ends, whatever happened."""
    with killed_at_the_end() as keep:
        yield keep


async def _outcome(ref):
    """The result of a call, or the error it raised, as a value (NOT DONE YET goes on up;
    finishes_within would read a TimeoutError as a hang of its own)."""
    return await outcome(ref)


# The lesson when the count went below zero (teach.below_zero).
_GIVEN_BACK_TWICE = (
    "the lease given back twice for one call: e.g. in an `except` and again in the `finally`. "
    "Give it back in the `finally` only: it runs however the call ends, cancelled included"
)


async def _leased(pool) -> int:
    return await finishes_within(pool.leased_count.remote(), 25, "leased_count()")


async def _until_running(probe, call: asyncio.Future, label: str) -> None:
    """Wait until the service call for `label` is in progress. If use() ends first, its
    error (NOT DONE YET, ...) is the real story."""

    async def ready():
        if call.done():
            return True
        return any(c.label == label for c in (await probe.areport()).running)

    if not await wait_until(ready, within=20):
        fail(
            f"use(service, {label!r}) had not called the service after 20 s",
            "use calls service.acall(item) at once",
            "use never awaits service.acall(item)",
        )
    if call.done():
        result = await call
        fail(
            f"use(service, {label!r}) returned {result!r:.100} while the service call was held",
            "use returns only once the service has answered",
            "returning before awaiting service.acall(item)",
            (await probe.areport()).timeline(),
        )


def _check_lease_held(leased: int, when: str, picture=None) -> None:
    if leased != 1:
        fail(
            f"leased_count() was {leased!r} {when}",
            "1: the call holds one lease for as long as it talks to the service",
            "use must add 1 to self.leased before awaiting service.acall(item)",
            picture,
        )


async def test_a_call_holds_a_lease_until_it_ends(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(
        probe,
        delay=0.0,
        gates={"held": HOLD, "held too": HOLD},
        failures={"broken": OutOfStock("broken")},
    )
    pool = actors(kata.Pool.remote())
    call = asyncio.ensure_future(pool.use.remote(service, "held"))
    second = None
    try:
        await _until_running(probe, call, "held")
        _check_lease_held(await _leased(pool), "while use(service, 'held') was running")
        # A second call at the same time holds a second lease: a count kept as 1 and 0
        # (`self.leased = 1`) instead of adding and taking away is right for one call only.
        second = asyncio.ensure_future(pool.use.remote(service, "held too"))
        await _until_running(probe, second, "held too")
        leased = await _leased(pool)
        if leased != 2:
            fail(
                f"leased_count() was {leased!r} while two calls were running at once",
                "2: each running call holds a lease of its own",
                "a count set instead of counted (`self.leased = 1` when a call starts): add 1 "
                "when a call starts and take 1 away when it ends, so calls at the same time "
                "add up",
                (await probe.areport()).timeline(),
            )
    finally:
        await probe.open_gate(HOLD)
    reply = await finishes_within(_outcome(call), 25, "use(service, 'held')")
    if second is not None:
        await finishes_within(_outcome(second), 25, "use(service, 'held too')")
    if reply != answer("held"):
        fail(
            f"use(service, 'held') returned {reply!r:.100}",
            f"the service's reply: {answer('held')!r}",
            "use must return what `await service.acall(item)` gives",
        )
    leased = await _leased(pool)
    if leased != 0:
        fail(
            f"leased_count() was {leased!r} after the call had finished",
            "0: a finished call gives its lease back",
            _GIVEN_BACK_TWICE
            if below_zero(leased)
            else "use must take the 1 away again when service.acall(item) has answered",
        )
    failed = await finishes_within(_outcome(pool.use.remote(service, "broken")), 25, "use(broken)")
    if not isinstance(failed, OutOfStock):
        fail(
            f"use(service, 'broken') gave {failed!r:.100}, while the service raised OutOfStock",
            "the service's OutOfStock error, raised to the caller",
            GROUP_WRAPS_IT
            if wrapped_in_a_group(failed, OutOfStock)
            else "catching the service's error in use instead of letting it go on up",
        )
    leased = await _leased(pool)
    if leased != 0:
        fail(
            f"leased_count() was {leased!r} after a call that failed (after the call that "
            "finished, it was 0)",
            "0: a failed call gives its lease back too",
            _GIVEN_BACK_TWICE
            if below_zero(leased)
            else "the giving back is skipped when service.acall raises: put it in a `finally`",
        )


async def test_a_cancelled_call_stops_and_gives_its_lease_back(kata, make_probe, actors):
    probe = make_probe()
    service = SlowService(probe, delay=SLOW)
    pool = actors(kata.Pool.remote())
    ref = pool.use.remote(service, "slow")
    call = asyncio.ensure_future(_outcome(ref))
    try:
        await _until_running(probe, call, "slow")
        _check_lease_held(await _leased(pool), "while use(service, 'slow') was running")
        # recursive=False: the call's own bookkeeping (the probe's record that the service
        # call ended) is sent while it is being cancelled, and must not be cancelled with it.
        ray.cancel(ref, recursive=False)
        outcome = await finishes_within(call, 25, "the cancelled use(service, 'slow')")
    finally:
        if not call.done():
            call.cancel()
    if not isinstance(outcome, ray.exceptions.TaskCancelledError):
        fail(
            f"after ray.cancel, the caller of use(service, 'slow') got {outcome!r:.100}",
            "TaskCancelledError: the call was cancelled",
            "something in use stops the cancellation: let the CancelledError go on up",
            (await probe.areport()).timeline(),
        )
    leased = await _leased(pool)
    if leased != 0:
        fail(
            f"leased_count() was still {leased!r} after the call was cancelled (and the "
            "caller was told TaskCancelledError all the same)",
            "0: a cancelled call gives its lease back",
            _GIVEN_BACK_TWICE
            if below_zero(leased)
            else [
                "giving the lease back after the await, or in `except Exception:`: ray.cancel "
                "raises CancelledError at the await inside use, and CancelledError is a "
                "BaseException, not an Exception, so neither runs. Give it back in a `finally`",
                "an `except asyncio.CancelledError:` that returns (or raises) without giving "
                "the lease back",
            ],
            (await probe.areport()).timeline(),
        )

    async def service_call_ended():
        report = await probe.areport()
        return None if any(c.label == "slow" for c in report.running) else report

    # The service call's end is recorded from its `finally`, and on a busy machine the record
    # can land late (CI once saw it past RETURNED_WITHIN). Until it lands, wait on: a call that
    # was cancelled is then recorded "cancelled", one nobody stopped runs its SLOW seconds and
    # is recorded "ok". The quick wait decides a right answer at once on an idle machine.
    report = await wait_until(service_call_ended, within=RETURNED_WITHIN) or await wait_until(
        service_call_ended, within=SLOW
    )
    if report is None or report.finished("slow", "ok"):
        happened = (
            f"the service call for 'slow' ran on after the cancelled use() had ended, and "
            f"finished its {SLOW:g} s of work"
            if report is not None
            else f"the service call for 'slow' was still running {RETURNED_WITHIN + SLOW:.0f} "
            "s after the cancelled use() had ended"
        )
        report = report or await probe.areport()
        fail(
            f"{happened} (the lease was back, and the caller was told TaskCancelledError)",
            "ray.cancel stops the work: the CancelledError raised at `await "
            "service.acall(item)` cancels the service call too",
            [
                "`await asyncio.shield(service.acall(item))`: the shield keeps the service "
                "call running when use is cancelled, and nobody waits for it any more",
                "the service call started as a task of its own (asyncio.create_task) and "
                "waited for with asyncio.wait, which does not cancel what it waits for",
            ],
            report.timeline(),
        )
    quick = SlowService(probe, delay=0.05)
    after = await finishes_within(_outcome(pool.use.remote(quick, "after")), 25, "use(after)")
    if after != answer("after"):
        fail(
            f"the next call after the cancel, use(service, 'after'), gave {after!r:.100}",
            f"the actor keeps serving: {answer('after')!r}",
            "a cancellation must end only the call it was meant for",
        )


async def test_a_deadline_inside_the_actor_still_raises_timeout(kata, make_probe, actors):
    probe = make_probe()
    service = SlowService(probe, delay=SLOW)
    pool = actors(kata.Pool.remote())
    call = f"use_with_deadline(service, 'slow', {DEADLINE})"
    outcome = await finishes_within(
        _outcome(pool.use_with_deadline.remote(service, "slow", DEADLINE)), 25, call
    )
    if not isinstance(outcome, TimeoutError):
        swallowed = outcome is None or not isinstance(outcome, BaseException)
        fail(
            f"{call} gave {outcome!r:.100}, for a service call that takes {SLOW:.0f} s",
            "TimeoutError: the given use_with_deadline wraps use() in asyncio.timeout",
            "use swallowed the CancelledError (`except CancelledError: return ...`): "
            "asyncio.timeout cancels use() and expects the cancellation to come back out; "
            "a normal return tells it the work finished in time. Clean up, then re-raise"
            if swallowed
            else "use turned the cancellation into another error: let the CancelledError "
            "itself go on up (clean up in a `finally`, or re-raise it with a bare `raise`)",
            (await probe.areport()).timeline(),
        )
    leased = await _leased(pool)
    if leased != 0:
        fail(
            f"leased_count() was {leased!r} after {call} timed out",
            "0: a call stopped by a deadline gives its lease back",
            _GIVEN_BACK_TWICE
            if below_zero(leased)
            else "give the lease back in a `finally`, so the cancellation path returns it too",
        )
