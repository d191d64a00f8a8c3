"""Kata 18 · One actor owns the state: the tests your code must pass.

How the race is made certain rather than likely: the audit log is a SlowService whose every
write waits at a gate the test holds shut. All the claims are submitted at once; while the
gate is shut, no audit can finish. Code that records the claim before awaiting the audit
answers the other callers of a url False at once, and exactly one audit per url waits at
the gate. Code that awaits between its check and its update lets every caller of a url pass
the check: their audits pile up at the gate, which the test sees, and then they all win.
"""

import asyncio
import time
from collections import Counter

import pytest
import ray

from dojo import NotDoneYet
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
GATE_TIMEOUT = 20.0


@pytest.fixture
def make_coordinator(kata, ray_cluster):
    """Create Coordinator actors for the test; they are killed at the end."""
    made = []

    def make(audit_log):
        actor = kata.Coordinator.remote(audit_log)
        made.append(actor)
        return actor

    yield make
    for actor in made:
        ray.kill(actor)


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


async def _claim_all_at_once(actor, probe) -> tuple[list[str], list, object]:
    """Submit every claim before awaiting any, hold the audits until the claims have
    settled, then let them finish. Returns (urls in call order, answers, report taken while
    the audits were held)."""
    order = [url for _ in range(CALLERS) for url in URLS]
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

    held = await wait_until(settled, within=SETTLE_WITHIN, interval=0.05)
    await probe.open_gate("audit")
    results = await _answer(asyncio.gather(*answers), f"{len(order)} concurrent claim() calls")
    return order, results, held or await probe.areport()


def _audit_log(probe) -> SlowService:
    return SlowService(probe, delay=0.0, gates=dict.fromkeys(URLS, "audit"))


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
            f"claims one after another answered {answers}",
            f"{[want for _, want in expected]}: True for a url's first claim, False after",
            "remember every claimed url (a set) and answer False when it is already there",
        )
    audited = [c.label for c in (await probe.areport()).calls]
    if sorted(audited) != sorted([a, b]):
        fail(
            f"the audit log recorded {audited}",
            f"each successful claim audited once: {[a, b]}",
            "await self._audit(url) once for each claim that returns True, and not for "
            "refused ones",
        )
    stats = await _answer(actor.stats.remote(), "stats()")
    want = {"calls": 5, "claimed": 2, "duplicates": 3}
    if stats != want:
        fail(
            f"after those 5 claims, stats() returned {stats!r}",
            f"{want}",
            "count every call, every url claimed and every refused call",
        )


async def test_each_url_is_claimed_exactly_once(kata, make_probe, make_coordinator):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = make_coordinator(_audit_log(probe))
    order, results, held = await _claim_all_at_once(actor, probe)
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
            "claims for the same url run and pass the check too. Record the claim BEFORE the "
            "first await: code with no await between the check and the update cannot be "
            "interleaved",
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
    order, results, held = await _claim_all_at_once(actor, probe)
    stats = await _answer(actor.stats.remote(), "stats()")
    refused = sum(1 for r in results if r is False)
    want = {"calls": len(order), "claimed": len(URLS), "duplicates": len(order) - len(URLS)}
    if not isinstance(stats, dict) or set(stats) != set(want):
        fail(
            f"stats() returned {stats!r:.200}",
            f"a dict with exactly the keys {sorted(want)}",
            'return {"calls": ..., "claimed": ..., "duplicates": ...}',
        )
    if stats != want:
        wrong = {key: stats[key] for key in want if stats[key] != want[key]}
        fail(
            f"after {len(order)} concurrent claims ({refused} answered False), stats() "
            f"returned {stats!r}: wrong {sorted(wrong)}",
            f"{want}",
            "a counter updated across an await: `n = self.calls`, then an await, then "
            "`self.calls = n + 1` loses every update made by the calls that ran during the "
            "await. Update counters with no await between the read and the write "
            "(`self.calls += 1` before awaiting); and count from the state itself where "
            "you can (len(claimed))",
            held.timeline("audits waiting while the gate was shut"),
        )
