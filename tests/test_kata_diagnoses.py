"""A kata test's diagnosis, on made-up evidence where a run on a loaded machine showed it
could guess wrong: "likely mistake: X" only when what the test saw points to X, otherwise
the candidates (a diagnosis must be earned: a wrong hint is worse than none)."""

from __future__ import annotations

from dojo.web.hits import Hit
from katas.k26_distributed_crawl import test_kata as k26

OWN_GATES = "a politeness gate in each fetcher"
NO_WAIT = "not waiting until the time the gate gives"


def _hits(requests: list[tuple[str, float, float]]) -> list[Hit]:
    return [
        Hit(str(i), f"http://h0.example.test/{i}", "h0.example.test", who, start, end, 200)
        for i, (who, start, end) in enumerate(requests)
    ]


def _diagnosis(hits: list[Hit]) -> str:
    found = k26._politeness_mistake(k26._breaches(hits), hits)
    return found if isinstance(found, str) else " | ".join(found)


def test_one_shared_gate_that_does_not_wait_is_not_blamed_on_gates_per_fetcher():
    # CI on e86bc19, kata 26's mutant ignores_start_at on a loaded machine: one request at a
    # time (a shared gate), each fetcher's own requests spaced by the load alone, and a
    # request by the other fetcher 0.004 s after an answer. That fits both mistakes.
    answer = 0.05
    spaced = k26.DELAY  # a fetcher's own next request: slow enough by chance
    requests, t = [], 0.0
    for who in ["f0", "f0", "f1", "f1", "f0", "f0", "f1", "f1"]:
        if requests:
            t += spaced if requests[-1][0] == who else 0.004
        requests.append((who, t, t + answer))
        t += answer
    said = _diagnosis(_hits(requests))
    assert NO_WAIT in said and OWN_GATES in said, said


def test_two_fetchers_in_flight_at_once_point_at_gates_per_fetcher():
    # Gates of their own: each fetcher spaces its requests, the other's overlap them.
    requests = []
    for i in range(4):
        start = i * (0.05 + k26.DELAY)
        requests += [("f0", start, start + 0.05), ("f1", start + 0.02, start + 0.07)]
    said = _diagnosis(_hits(requests))
    assert said.startswith(OWN_GATES), said
