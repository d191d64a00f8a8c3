"""Kata 18 · One actor owns the state: the tests your code must pass.

How the race is made certain rather than likely: the audit log is a SlowService whose every
write waits at a gate the test holds shut. All the claims are submitted at once; while the
gate is shut, no audit can finish. Code that records the claim before awaiting the audit
answers the other callers of a url False at once, and exactly one audit per url waits at
the gate. Code that awaits between its check and its update lets every caller of a url pass
the check: their audits pile up at the gate, which the test sees, and then they all win.
And since no audit can finish while the gate is shut, a claim that answers True meanwhile
has returned before its audit was done.
"""

import asyncio
import reprlib
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.actors import killed_at_the_end
from dojo.harness.sim import SlowService
from dojo.harness.teach import fail, finishes_within
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

# 600 concurrent claims: 120 urls, each claimed by 5 callers. (The probe recording the
# audits is itself an async actor that serves at most 1000 calls at once; with every claim
# of a wrong answer held at its gate, 600 leaves room for the test's own calls.)
URLS = [f"s.test/{i}" for i in range(120)]
CALLERS = 5
# Code that holds a lock while it audits makes the other callers of a url wait behind the
# held audit: once nothing has moved for this long, the test opens the gate anyway.
QUIET = 1.5
# How long the claims may take to settle, starting the actor included (seconds on a busy
# machine).
SETTLE_WITHIN = 15.0
# Safety net only: the test opens the audit gate itself once the claims have settled.
GATE_TIMEOUT = 60.0
# The audit test: fewer urls are enough. An audit started but not awaited reaches the gate
# a moment after its claim has answered True; this is how long the test waits to see it.
AUDIT_URLS = 20
AUDITS_SHOW_WITHIN = 3.0


@pytest.fixture
def make_coordinator(kata, ray_cluster):
    """Create Coordinator actors for the test; they are killed at the end."""
    with killed_at_the_end() as keep:
        yield lambda audit_log: keep(kata.Coordinator.remote(audit_log))


async def _answer(ref, call: str):
    try:
        return await finishes_within(ref, 20, call)
    except NotDoneYet:
        raise
    except ray.exceptions.RayTaskError as error:
        if isinstance(getattr(error, "cause", None), NotDoneYet):
            raise
        fail(
            f"{call} raised {type(error.cause or error).__name__}: "
            f"{str(error).strip().splitlines()[-1][:200]}",
            "an answer: claim returns True or False, stats returns a dict",
            "an error inside the actor method",
        )


@dataclass
class _Claims:
    order: list[str]  # the url of each claim, in the order they were sent
    results: list  # what each claim answered
    held: object  # the probe's report while the audits were held at the gate
    early: list[str]  # urls answered True while every audit was still held at the gate


async def _claim_all_at_once(actor, probe, urls: list[str]) -> _Claims:
    """Submit every claim (CALLERS per url) before awaiting any, hold the audits until the
    claims have settled, then let them finish."""
    order = [url for _ in range(CALLERS) for url in urls]
    answers = [asyncio.ensure_future(actor.claim.remote(url)) for url in order]
    progress = {"seen": None, "since": time.monotonic()}

    async def settled():
        report = await probe.areport()
        answered = sum(a.done() for a in answers)
        if answered + len(report.calls) >= len(order):
            # Every claim has either answered or is waiting in its audit (right answers:
            # one audit per url, every other caller answered False; a race: every caller
            # of a url passed the check and is auditing).
            return report
        moved = (len(report.calls), answered)
        if moved != progress["seen"]:
            progress["seen"], progress["since"] = moved, time.monotonic()
        elif any(moved) and time.monotonic() - progress["since"] > QUIET:
            # The actor is up and working, but nothing moved for a while: the other callers
            # wait behind the held audits (a lock around the audit).
            return report
        return None

    try:
        held = await wait_until(settled, within=SETTLE_WITHIN, interval=0.05)
        early = [
            url
            for url, a in zip(order, answers, strict=True)
            if a.done() and not a.cancelled() and a.exception() is None and a.result() is True
        ]
        if early:
            # An audit started without being awaited may reach the gate a moment after its
            # claim has answered: give those audits the time to show up.
            async def audits_seen():
                report = await probe.areport()
                return set(early) <= {c.label for c in report.calls} and report

            held = await wait_until(audits_seen, within=AUDITS_SHOW_WITHIN) or held
    finally:
        await probe.open_gate("audit")
    results = await _answer(asyncio.gather(*answers), f"{len(order)} concurrent claim() calls")
    return _Claims(order, results, held or await probe.areport(), early)


def _audit_log(probe) -> SlowService:
    return SlowService(probe, delay=0.0, gates=dict.fromkeys(URLS, "audit"))


def _check_counts(stats, want: dict) -> None:
    """stats() is a dict with the keys of `want`, each a count (an int)."""
    if not isinstance(stats, dict) or set(stats) != set(want):
        fail(
            f"stats() returned {stats!r:.200}",
            f"a dict with exactly the keys {sorted(want)}",
            'return {"calls": ..., "claimed": ..., "duplicates": ...}',
        )
    not_counts = {
        key: value
        for key, value in stats.items()
        if not isinstance(value, int) or isinstance(value, bool)
    }
    if not_counts:
        key, value = next(iter(not_counts.items()))
        fail(
            f"stats()[{key!r}] is {type(value).__name__} {reprlib.repr(value)}, not a number",
            f"counts: {want}",
            "returning the collection instead of its size: every value of stats() is a "
            "count, so 'claimed' is how many urls were claimed: len(...) of your set"
            if isinstance(value, set | frozenset | list | tuple | dict)
            else "every value of stats() is a count, an int",
        )


async def _audited_later(probe, want: Counter, within: float = 1.0) -> bool:
    """Do the audits the claims owed arrive now that every claim has answered?"""

    async def arrived() -> bool:
        return Counter(c.label for c in (await probe.areport()).calls) == want

    return bool(await wait_until(arrived, within=within))


async def test_the_first_claim_wins_and_later_ones_lose(kata, make_probe, make_coordinator):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = make_coordinator(SlowService(probe, delay=0.0))
    a, b = URLS[:2]
    expected = [(a, True), (a, False), (b, True), (a, False), (b, False)]
    answers = []
    for url, _ in expected:
        answers.append(await _answer(actor.claim.remote(url), f"claim({url!r})"))
    got = list(zip([url for url, _ in expected], answers, strict=True))
    if got != expected:
        fail(
            f"claims one after another ({[url for url, _ in expected]}) answered {answers}",
            f"{[want for _, want in expected]}: True for a url's first claim, False after",
            "remember every claimed url (a set) and answer False when it is already there",
        )
    audited = Counter(c.label for c in (await probe.areport()).calls)
    if audited != Counter([a, b]):
        extra = sum(audited.values()) - 2
        if extra > 0 and all(audited[url] >= 1 for url in (a, b)):
            likely = (
                "refused claims were audited too: await self._audit(url) only on the way to "
                "returning True"
            )
        elif await _audited_later(probe, Counter([a, b])):
            # Seen: the audits arrived, but only after the claims had answered.
            likely = (
                "the audit ran only after claim had returned True: it was started (with "
                "asyncio.create_task, or as a coroutine left to run later) and not awaited; "
                "await self._audit(url) before returning"
            )
        else:
            likely = "await self._audit(url) once for each claim that returns True"
        fail(
            f"the audit log recorded {sorted(audited.elements())} for these claims "
            "when the last one had answered",
            f"each successful claim audited once, refused ones not: {[a, b]}",
            likely,
        )
    stats = await _answer(actor.stats.remote(), "stats()")
    want = {"calls": 5, "claimed": 2, "duplicates": 3}
    _check_counts(stats, want)
    if stats != want:
        fail(
            f"after those 5 claims, one after another, stats() returned {stats!r}",
            f"{want}",
            "count every call, every url claimed and every refused call",
        )


async def test_a_claim_answers_true_only_after_its_audit(kata, make_probe, make_coordinator):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = make_coordinator(_audit_log(probe))
    claims = await _claim_all_at_once(actor, probe, URLS[:AUDIT_URLS])
    if not claims.early:
        return
    url = claims.early[0]
    waiting = {c.label for c in claims.held.running}
    audited_later = [u for u in claims.early if u in waiting]
    happened = (
        f"{len(claims.early)} claims answered True while every audit was still held at the "
        f"gate, e.g. claim({url!r})"
    )
    if audited_later:
        fail(
            f"{happened}; their audits were still waiting there after claim had returned",
            "claim returns True only once `await self._audit(url)` has finished: the audit is "
            "part of the claim",
            "the audit was started but not awaited (asyncio.create_task or ensure_future of "
            "self._audit(url)): claim returned True while its audit was still running",
            claims.held.timeline("audits waiting while the gate was shut"),
        )
    fail(
        f"{happened}, and no audit for them reached the audit log",
        "claim returns True only once `await self._audit(url)` has finished",
        "claim never awaits self._audit(url) on the way to returning True",
        claims.held.timeline("audits waiting while the gate was shut"),
    )


async def test_each_url_is_claimed_exactly_once(kata, make_probe, make_coordinator):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = make_coordinator(_audit_log(probe))
    claims = await _claim_all_at_once(actor, probe, URLS)
    order, results, held = claims.order, claims.results, claims.held
    if not all(isinstance(r, bool) for r in results):
        fail(
            f"claim() returned {Counter(type(r).__name__ for r in results)}",
            "True or False from every call",
            "return a bool from claim",
        )
    winners = Counter(url for url, won in zip(order, results, strict=True) if won)
    audited_while_held = Counter(c.label for c in held.calls)
    raced = [url for url in URLS if winners[url] > 1]
    if raced:
        url = raced[0]
        fail(
            f"{len(raced)} of {len(URLS)} urls were claimed more than once: {url} answered "
            f"True to {winners[url]} of its {CALLERS} callers, and "
            f"{audited_while_held[url]} audits for it were waiting at once; "
            f"{sum(winners.values())} True answers for {len(URLS)} urls in all",
            f"exactly one True per url ({len(URLS)} in all): the first claimer wins, the "
            f"other {CALLERS - 1} get False",
            "check, then await, then update: `if url in seen: return False`, "
            "`await self._audit(url)`, `seen.add(url)`. While the audit awaits, the other "
            "claims for the same url run and pass the check too. Record the claim before the "
            "first await: code with no await between the check and the update cannot be "
            "interleaved"
            if audited_while_held[url] > 1
            else "the claim is not recorded where the other callers look for it",
            held.timeline("audits waiting while the gate was shut"),
        )
    nobody = [url for url in URLS if winners[url] == 0]
    if nobody:
        fail(
            f"{len(nobody)} urls were never claimed, e.g. {nobody[0]} answered False to all "
            f"{CALLERS} callers",
            "the first claim of each url answers True",
            "answer True when the url was not claimed yet (and only then record it)",
        )


async def test_stats_count_every_call_exactly(kata, make_probe, make_coordinator):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = make_coordinator(_audit_log(probe))
    claims = await _claim_all_at_once(actor, probe, URLS)
    stats = await _answer(actor.stats.remote(), "stats()")
    refused = sum(1 for r in claims.results if r is False)
    calls = len(claims.order)
    want = {"calls": calls, "claimed": len(URLS), "duplicates": calls - len(URLS)}
    _check_counts(stats, want)
    if stats == want:
        return
    # Two more claims, one after another (the gate is open now): a new url and a repeat.
    # If these count right, the counts go wrong only when claims run concurrently.
    fresh = "s.test/one-more"
    for url in (fresh, fresh):
        await _answer(actor.claim.remote(url), f"claim({url!r})")
    after = await _answer(actor.stats.remote(), "stats()")
    step = {key: after[key] - stats[key] for key in want}
    wrong = sorted(key for key in want if stats[key] != want[key])
    happened = (
        f"after {calls} concurrent claims ({refused} answered False), stats() returned "
        f"{stats!r}: wrong {wrong}"
    )
    told = {"calls": calls, "claimed": calls - refused, "duplicates": refused}
    if stats == told and told["claimed"] > len(URLS):
        fail(
            f"{happened}, exactly what the claims answered ({told['claimed']} True for "
            f"{len(URLS)} urls): the counting follows the answers, the answers are wrong",
            f"{want}",
            "claims of one url answering True more than once (check, then await, then "
            "update: see test_each_url_is_claimed_exactly_once); the counters themselves "
            "count right",
            claims.held.timeline("audits waiting while the gate was shut"),
        )
    if step == {"calls": 2, "claimed": 1, "duplicates": 1}:
        fail(
            f"{happened}. Two more claims one after another were counted right",
            f"{want}",
            "a counter updated across an await: `n = self.calls`, then an await, then "
            "`self.calls = n + 1` loses every update made by the calls that ran during the "
            "await. Update counters with no await between the read and the write "
            "(`self.calls += 1` before awaiting); and count from the state itself where "
            "you can (len(claimed))",
            claims.held.timeline("audits waiting while the gate was shut"),
        )
    fail(
        f"{happened}. Two more claims one after another (a new url, then the same again) "
        f"changed it by {step}",
        f"{want}, and by {{'calls': 2, 'claimed': 1, 'duplicates': 1}} for the two",
        "count every call, every url claimed and every refused call",
    )
