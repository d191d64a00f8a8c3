"""Kata 07 · Errors without losing results: the tests your code must pass."""

import pytest

from dojo import NotDoneYet
from dojo.harness.handoffs import QUIET, watch_handoffs
from dojo.harness.heartbeat import CAUGHT_LIMIT, Heartbeat
from dojo.harness.probes import BROKEN_ON_A_STALL
from dojo.harness.sim import OutOfStock, PriceNotFound, SlowService, answer
from dojo.harness.teach import fail, finishes_within, were
from dojo.harness.timing import warm_workers
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

ITEMS = ["apples", "bread", "cheese", "eggs", "flour"]
FAILING = {"bread": OutOfStock, "eggs": PriceNotFound}
PRICED = [item for item in ITEMS if item not in FAILING]
# In the "no result lost" test the failures come back long before any success.
FAST, SLOW = 0.02, 0.6
# A barrier waiting for every call gives up once your code, with the calls it started held
# there, starts no other for a second (dojo/harness/handoffs.py), or after this long without
# a new arrival.
BARRIER_IDLE = 2.5
# The error no one warned you about: the service hung up. It comes back after the named
# errors (so a bare gather would raise one of THEM first) and before the successes.
UNEXPECTED = "flour"
UNEXPECTED_DELAY = 0.35
# In the loop test every call takes HEARTBEAT_DELAY: a blocking wait freezes the loop for
# about that long.
# (The heartbeat's freeze rule judges it: Heartbeat.assert_loop_stayed_free.)
HEARTBEAT_DELAY = 1.0


def _failures() -> dict:
    return {
        "bread": OutOfStock("bread is out of stock"),
        "eggs": PriceNotFound("no price for eggs"),
    }


def _show(value) -> str:
    """A short description of a value: its type, and the last line of its text (Ray's
    errors carry the remote traceback first and the original message last)."""
    text = str(value).strip()
    last = text.splitlines()[-1] if text else ""
    if len(last) > 60:
        last = last[:57] + "..."
    return f"a {type(value).__name__}({last!r})"


def _fail_escaped(call: str, error: Exception) -> None:
    if isinstance(error, BaseExceptionGroup):
        likely = (
            "a TaskGroup whose task raised: it cancels the other tasks and raises an "
            "ExceptionGroup; catch the error inside each task instead"
        )
    else:
        likely = [
            "a bare asyncio.gather raises the first error; use gather(..., return_exceptions=True)",
            "awaiting a ref outside a try/except: put the try/except around each await",
        ]
    fail(
        f"{call} raised {_show(error)} instead of returning",
        "(successes, failures): a failed item goes into failures, it does not escape",
        likely,
    )


# Why an item can be missing from both dicts.
_TOO_SOON = (
    "the first error ended the wait (asyncio.wait(..., return_when=FIRST_EXCEPTION) returns "
    "then, and a bare asyncio.gather raises it at once): the tasks still running are never "
    "heard from; wait for all of them (gather(..., return_exceptions=True), or ALL_COMPLETED)"
)
_DROPPED = "the items whose task raised were dropped: put each exception into failures"
_MISFILED = "results stored under another key than their item"


def _whose(value, errors: dict) -> str | None:
    """The item whose outcome `value` is: its price reply, or its error (by the error's text,
    which a RayTaskError carries on its last line); None if it is no item's."""
    for item in ITEMS:
        if item in errors:
            if isinstance(value, BaseException) and str(errors[item]) in str(value):
                return item
        elif value == answer(item):
            return item
    return None


def _check_filed_under_their_items(successes: dict, failures: dict, errors: dict, picture):
    """No item holds another item's outcome (`errors`: the error each failing item raised).
    One error object under several items is another mistake, told by its own check."""
    repeated = [v for v in failures.values() if sum(w is v for w in failures.values()) > 1]
    swapped = [
        (item, owner)
        for item, value in [*successes.items(), *failures.items()]
        if not any(value is r for r in repeated)
        and (owner := _whose(value, errors)) not in (None, item)
    ]
    if swapped:
        shown = ", ".join(f"{item!r} holds the outcome of {owner!r}" for item, owner in swapped)
        fail(
            f"outcomes filed under the wrong items: {shown}",
            "each item's own outcome under its own key",
            "outcomes matched to items in the order the calls finished (asyncio.as_completed "
            "and asyncio.wait hand them back in that order, not in the order of `items`): "
            "keep each item with its own ref or task (zip items with gather's results, or a "
            "dict from task to item)",
            picture,
        )


def _check_none_lost(successes: dict, failures: dict, report, spare=()) -> None:
    """Every item (but those in `spare`, judged by the caller) is in one of the dicts.
    `report` is the probe's, taken the moment run_batch returned."""
    missing = [
        item
        for item in ITEMS
        if item not in successes and item not in failures and item not in spare
    ]
    if not missing:
        return
    running = {c.label for c in report.running}
    if all(item in running for item in missing):
        likely = _TOO_SOON  # seen: run_batch returned while their calls still ran
    elif all(item in FAILING for item in missing):
        # Their calls had ended, but an error may still have been on its way to run_batch.
        likely = [_DROPPED, _TOO_SOON]
    else:
        likely = [_TOO_SOON, _MISFILED]
    fail(
        f"run_batch lost {missing}: they are in neither successes nor failures",
        f"each of the {len(ITEMS)} items in exactly one of the two dicts",
        likely,
        report.timeline(),
    )


async def _run_batch(kata, service, items=ITEMS) -> tuple[dict, dict]:
    call = f"run_batch(service, {len(items)} items)"
    try:
        async with watch_handoffs(kata, "price", service.probe, want=len(items)):
            result = await finishes_within(kata.run_batch(service, list(items)), 20, call)
    except NotDoneYet:
        raise
    except Exception as error:
        _fail_escaped(call, error)
    if not (
        isinstance(result, tuple)
        and len(result) == 2
        and all(isinstance(part, dict) for part in result)
    ):
        fail(
            f"{call} returned {_show(result)}",
            "a tuple of two dicts: (successes, failures)",
            "return successes, failures at the end",
        )
    return result


@pytest.fixture
async def probe(make_probe):
    """A probe whose barrier waits for every item's call, with its actor up and a worker
    process ready for every item. Set up here, right before the test, because fixture setup
    is not timed: a slow machine cannot eat the test's own time."""
    probe = make_probe(barrier=len(ITEMS), barrier_idle=BARRIER_IDLE)
    await probe.areport()
    await warm_workers(len(ITEMS))
    return probe


async def _all_calls_ended(probe):
    report = await probe.areport()
    return not report.running and report


async def test_every_item_is_accounted_for(kata, probe):
    # The calls end in the reverse order of `items`: outcomes paired with items in the order
    # they came back land on the wrong items, and show it.
    reverse = {item: 0.05 * (len(ITEMS) - i) for i, item in enumerate(ITEMS)}
    service = SlowService(probe, delay=0.05, delays=reverse, failures=_failures())
    successes, failures = await _run_batch(kata, service)
    report = await probe.areport()
    picture = report.timeline()
    _check_filed_under_their_items(successes, failures, _failures(), picture)
    _check_none_lost(successes, failures, report)
    in_both = sorted(successes.keys() & failures.keys())
    strangers = sorted(map(repr, (successes.keys() | failures.keys()) - set(ITEMS)))
    if in_both or strangers:
        fail(
            f"items in both dicts: {in_both}; keys that are not items: {strangers}",
            "successes and failures keyed by the items you were given, each item once",
            "key both dicts by the item itself, and put each item in one dict only",
        )
    for item in FAILING:
        if item in successes:
            fail(
                f"successes[{item!r}] is {_show(successes[item])}, but its task raised",
                f"{item!r} in failures",
                "gather(..., return_exceptions=True) puts the exception in the results list "
                "in place of a result: sort each outcome with isinstance(outcome, Exception)",
                picture,
            )
    for item in PRICED:
        if item in failures:
            shared = [k for k, v in failures.items() if k != item and v is failures[item]]
            fail(
                f"failures[{item!r}] is {_show(failures[item])}, but its task succeeded",
                f"successes[{item!r}] == {answer(item)!r}",
                f"one error filed under several items (the same exception object is under "
                f"{[item, *shared]!r}): a bare asyncio.gather raised the first error and it was "
                "recorded for every item; gather(..., return_exceptions=True) keeps each item's "
                "own outcome"
                if shared
                else "only an outcome that is an exception belongs in failures",
                picture,
            )
        if successes[item] != answer(item):
            fail(
                f"successes[{item!r}] is {successes[item]!r}",
                f"{answer(item)!r}, what the price task returned for it",
                "store each task's result under its own item (zip items with the results; "
                "gather keeps the order of what you pass it)",
                picture,
            )


async def test_failure_types_are_preserved(kata, probe):
    service = SlowService(probe, delay=0.05, failures=_failures())
    successes, failures = await _run_batch(kata, service)
    report = await probe.areport()  # the moment run_batch returned
    _check_filed_under_their_items(successes, failures, _failures(), report.timeline())
    for item, kind in FAILING.items():
        if item not in failures:
            if item in {c.label for c in report.running}:
                likely = _TOO_SOON  # seen: run_batch returned while its call still ran
            else:
                # Its call had ended, but its error may still have been on its way.
                likely = [_DROPPED, _TOO_SOON]
            fail(
                f"failures has no entry for {item!r}, whose task raised {kind.__name__}",
                f"failures[{item!r}] holding the {kind.__name__}",
                likely,
                report.timeline(),
            )
        got = failures[item]
        if not isinstance(got, kind):
            fail(
                f"failures[{item!r}] is {_show(got)}, expected an {kind.__name__}",
                f"an exception that passes isinstance(e, {kind.__name__}) (Ray's "
                f"RayTaskError({kind.__name__}) does: it is both)",
                "keep the exception object you caught, don't wrap or stringify it: callers "
                f"must still be able to write `except {kind.__name__}`",
            )


async def test_one_failure_loses_no_results(kata, probe):
    # The failures come back at once; every success takes much longer.
    service = SlowService(
        probe, delay=SLOW, delays=dict.fromkeys(FAILING, FAST), failures=_failures()
    )
    successes, failures = await _run_batch(kata, service)
    report = await probe.areport()  # the moment run_batch returned
    if not report.running:
        _check_filed_under_their_items(successes, failures, _failures(), report.timeline())
    lost = [item for item in PRICED if item not in successes]
    if report.running or lost:
        still = sorted(c.label for c in report.running)
        # Let the abandoned calls end before the probe goes away (the picture is from before).
        await wait_until(lambda: _all_calls_ended(probe), within=5)
        fail(
            f"run_batch returned while {still} were still running; results lost: {lost}",
            f"every call finished and all {len(PRICED)} results returned, although "
            f"{list(FAILING)} failed after {FAST} s",
            "run_batch stopped waiting at the first error and returned (asyncio.wait(..., "
            "return_when=FIRST_EXCEPTION) returns then; so does code that catches a bare "
            "asyncio.gather's error around it): the other tasks keep running, but you never "
            "see their results. Wait for every call: gather(..., return_exceptions=True), or "
            "a try/except around each await"
            if report.running
            else [_MISFILED, "a result dropped on the way: keep every item's outcome"],
            report.timeline("when run_batch returned"),
        )
    cancelled = sorted(c.label for c in report.calls if c.outcome == "cancelled")
    if cancelled:
        fail(
            f"the calls for {cancelled} were cancelled",
            "one failure leaves the other calls alone: they finish and report",
            "something cancelled the siblings of the failed task (a TaskGroup does that "
            "when a task raises); catch the error inside each task instead",
            report.timeline(),
        )
    ended = {c.label: c.outcome for c in report.calls}
    expected = {item: "error" if item in FAILING else "ok" for item in ITEMS}
    if ended != expected:
        fail(
            f"the service saw these calls end: {ended}",
            f"one call per item, ending like this: {expected}",
            "call price exactly once per item",
            report.timeline(),
        )
    wrong = [item for item in PRICED if successes[item] != answer(item)]
    if wrong:
        fail(
            f"successes has wrong results for {wrong}",
            "each item's own result from its price task",
            "store each task's result under its own item",
            report.timeline(),
        )


async def test_all_items_run_at_once(kata, probe):
    n = len(ITEMS)
    service = SlowService(probe, delay=0.05, failures=_failures())
    async with Heartbeat() as heart:
        await _run_batch(kata, service)
    report = await probe.areport()
    if report.barrier_broken or report.peak < n:
        # A blocking call on the loop, caught in the act, is the mistake whatever the count
        # says: it keeps this test's own coroutines from holding the barrier open while a
        # busy machine starts the last calls (a CI run saw 4 of 5 in flight so).
        heart.fail_if_caught_blocking(
            CAUGHT_LIMIT, f"run_batch waited for its {n} calls", known_call_only=True
        )
        if BROKEN_ON_A_STALL in report.marks:
            # Seen, not guessed: the calls it had started were held, and it started no other.
            waited = f"your code started no other while they were held for {QUIET:g} s"
            likely = (
                "awaiting each call (inside its try/except) before starting the next: start "
                "every task first, then wait for them all"
            )
        else:
            waited = f"the barrier waiting for all {n} gave up after {BARRIER_IDLE} s"
            likely = [
                "awaiting each call (inside its try/except) before starting the next",
                "starting the calls in batches, or through a limit on how many run at once",
            ]
        fail(
            f"at most {report.peak} of {n} calls {were(report.peak)} in flight at once ({waited})",
            f"all {n} price calls in flight together",
            likely,
            report.timeline(),
        )


async def test_every_kind_of_error_is_a_failure(kata, probe):
    # Besides the two errors the README names, one call fails in a way nobody announced,
    # after the named ones and before any success.
    errors = {**_failures(), UNEXPECTED: ConnectionError("the price service hung up")}
    delays = {**dict.fromkeys(FAILING, FAST), UNEXPECTED: UNEXPECTED_DELAY}
    service = SlowService(probe, delay=SLOW, delays=delays, failures=errors)
    call = f"run_batch(service, {len(ITEMS)} items)"
    try:
        async with watch_handoffs(kata, "price", probe, want=len(ITEMS)):
            result = await finishes_within(kata.run_batch(service, list(ITEMS)), 20, call)
    except NotDoneYet:
        raise
    except ConnectionError as error:
        # A bare gather would have raised the (faster) OutOfStock or PriceNotFound.
        fail(
            f"{call} raised {_show(error)}: the faster OutOfStock and PriceNotFound were "
            f"caught, the ConnectionError of {UNEXPECTED!r} was not",
            f"failures[{UNEXPECTED!r}] holding the ConnectionError: any error a task raises "
            "is a failure",
            "catching only OutOfStock and PriceNotFound: the service can fail in other ways "
            "too; catch Exception (or use gather(..., return_exceptions=True))",
            (await probe.areport()).timeline(),
        )
    except Exception as error:
        _fail_escaped(call, error)
    successes, failures = result
    report = await probe.areport()
    picture = report.timeline()
    _check_filed_under_their_items(successes, failures, errors, picture)
    _check_none_lost(successes, failures, report, spare=(UNEXPECTED,))
    got = successes.get(UNEXPECTED, failures.get(UNEXPECTED))
    if UNEXPECTED in successes and isinstance(got, BaseException):
        fail(
            f"successes[{UNEXPECTED!r}] is {_show(got)}, while the OutOfStock and "
            "PriceNotFound went into failures",
            f"failures[{UNEXPECTED!r}] holding the ConnectionError: any error a task raises "
            "is a failure",
            "sorting only OutOfStock and PriceNotFound into failures: the service can fail in "
            "other ways too; sort by isinstance(outcome, Exception)",
            picture,
        )
    if UNEXPECTED not in successes and UNEXPECTED not in failures:
        fail(
            f"{UNEXPECTED!r}, whose task raised ConnectionError, is in neither dict, while "
            "every other item is",
            f"failures[{UNEXPECTED!r}] holding the ConnectionError: any error a task raises "
            "is a failure",
            "keeping only OutOfStock and PriceNotFound as failures and dropping other errors: "
            "sort by isinstance(outcome, Exception)",
            picture,
        )
    if not isinstance(got, ConnectionError):
        fail(
            f"{UNEXPECTED!r} is stored as {_show(got)}, but its task raised ConnectionError",
            f"failures[{UNEXPECTED!r}] holding the ConnectionError, as it was raised",
            "keep the exception object you caught, don't wrap or stringify it",
            picture,
        )


async def test_the_event_loop_keeps_running_while_it_waits(kata, probe):
    service = SlowService(probe, delay=HEARTBEAT_DELAY, failures=_failures())
    async with Heartbeat() as heart:
        await _run_batch(kata, service)
    during = f"run_batch waited (every call takes {HEARTBEAT_DELAY} s)"
    heart.assert_loop_stayed_free(
        during,
        candidates=[
            "ray.get(ref) inside the coroutine (a try/except around it does not change "
            "that it blocks the thread): `await` the ref instead",
            "ray.wait(refs, ...) inside the coroutine: it blocks the whole thread until "
            "refs are ready, with or without a timeout",
            "time.sleep(...) inside the coroutine: `await asyncio.sleep(...)` instead",
        ],
        picture=(await probe.areport()).timeline(),
    )
