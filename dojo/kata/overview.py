"""The one-screen overview a learner sees after running several katas at once
(`pytest katas/`): a line per kata, then where to go next. A run of one kata stays detailed.

Examples:
    >>> results = [{"kata": "k01_await_one_ref", "test": "test_a", "outcome": "failed",
    ...             "not_done": True, "message": "NOT DONE YET: greet()"}]
    >>> print(overview(results).splitlines()[0])
    Kata 01 · Await one ref                  not started  (0 of 1 tests pass)
"""

from __future__ import annotations

from dojo.kata.catalogue import Kata, all_katas
from dojo.kata.outcomes import NOT_RUN

NOT_STARTED, DONE, FAILING = "not started", "done", "failing"
TITLE_WIDTH = 40
MESSAGE_WIDTH = 90


def _per_kata(results: list[dict]) -> dict[str, dict[str, dict]]:
    """kata -> test -> the worst record of that test in this run (a failed setup or teardown
    outweighs a passed call)."""
    tests: dict[str, dict[str, dict]] = {}
    for r in results:
        mine = tests.setdefault(r["kata"], {})
        if r["test"] not in mine or r["outcome"] != "passed":
            mine[r["test"]] = r
    return tests


def _state(records: dict[str, dict]) -> str:
    ran = [r for r in records.values() if r["outcome"] != NOT_RUN]
    if all(r["outcome"] == "passed" for r in records.values()):
        return DONE
    if ran and all(r["outcome"] != "passed" and r["not_done"] for r in ran):
        return NOT_STARTED
    return FAILING


def _first_line(message: str) -> str:
    line = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    return line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 1] + "…"


def _row(kata: Kata, records: dict[str, dict]) -> str:
    state = _state(records)
    passed = sum(r["outcome"] == "passed" for r in records.values())
    not_run = sum(r["outcome"] == NOT_RUN for r in records.values())
    title = f"Kata {kata.number:02d} · {kata.title}"
    counts = f"{passed} of {len(records)} tests pass" + (f", {not_run} not run" if not_run else "")
    row = f"{title:<{TITLE_WIDTH}} {state:<12} ({counts})"
    if state == FAILING:
        first = next(r for r in records.values() if r["outcome"] not in ("passed", NOT_RUN))
        row += f"\n    {first['test']}: {_first_line(first['message'])}"
    return row


def _next_step(kata: Kata) -> str:
    folder = f"katas/{kata.slug}"
    commands = [
        (f"pytest {folder}", "its failures in full"),
        (f"dojo watch {kata.number}", "re-runs it each time you save kata.py"),
        (f"dojo hint {kata.number}", "one hint at a time, when stuck"),
        ("dojo list", "where every kata stands"),
    ]
    width = max(len(command) for command, _ in commands) + 2
    lines = [f"Next: Kata {kata.number:02d} · {kata.title}: read {folder}/README.md, then"]
    lines += [f"  {command:<{width}}{what}" for command, what in commands]
    return "\n".join(lines)


def overview(results: list[dict], katas: list[Kata] | None = None) -> str:
    """The overview text for one run's results (the pytest plugin's records)."""
    tests = _per_kata(results)
    ran = [k for k in (katas if katas is not None else all_katas()) if k.slug in tests]
    rows = [_row(kata, tests[kata.slug]) for kata in ran]
    unfinished = [k for k in ran if _state(tests[k.slug]) != DONE]
    if not unfinished:
        return "\n".join([*rows, "", f"All {len(ran)} katas of this run pass."])
    # Where to go: the first kata already begun and failing, else the first not started.
    begun = [k for k in unfinished if _state(tests[k.slug]) == FAILING]
    return "\n".join([*rows, "", _next_step((begun or unfinished)[0])])
