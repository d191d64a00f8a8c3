"""The three-direction judge and the catalogue's rule bookkeeping, on made-up results: a
mutant counts as rejected only by its rule's test, with a teaching message that says its
words; a catalogue that lies about its folders or tests is caught."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest

from dojo.kata.catalogue import CatalogueError, Kata, Rule, Track, parse
from dojo.kata.outcomes import NOT_RUN
from dojo.kata.readme import rules_section, with_rules
from dojo.kata.verify import (
    RULE_ROUND,
    Variant,
    _plan_entry,
    _rule_round,
    _ShardRun,
    judge,
    read_costs,
    shard,
    write_costs,
)

RULE_TEST = "test_the_slower_replicas_are_cancelled"
MUTANT = Variant(
    "k05_first_wins", "mutant", "no_cancel", "tests.mutants.k05_first_wins.no_cancel",
    rejected_by=(RULE_TEST,), breaks="cancels-the-losers", says=("ray.cancel",),
)  # fmt: skip


def _result(outcome: str, message: str, test: str = RULE_TEST, impl="mutant-no_cancel") -> dict:
    return {
        "kata": "k05_first_wins", "impl": impl, "test": test,
        "outcome": outcome, "when": "call", "message": message, "not_done": False,
    }  # fmt: skip


def test_a_mutant_rejected_with_its_words_is_ok():
    message = "it ran on\nexpected: stopped\nlikely mistake: no ray.cancel(ref) for the losers"
    assert judge(MUTANT, [_result("failed", message)]).ok


@pytest.mark.parametrize(
    ("outcome", "message", "problem"),
    [
        ("passed", "", "let the mutant pass"),
        ("failed", "AssertionError: 1 != 2", "without a teaching message"),
        ("failed", "x\nexpected: y\nlikely mistake: the answer was wrong", "does not say"),
    ],
)
def test_a_mutant_is_not_ok_unless_its_rule_test_teaches_its_mistake(outcome, message, problem):
    verdict = judge(MUTANT, [_result(outcome, message)])
    assert not verdict.ok and problem in " ".join(verdict.problems), verdict.problems


def test_a_rejection_by_another_test_does_not_count():
    other = _result("failed", "x\nexpected: y\nlikely mistake: ray.cancel", test="test_other")
    verdict = judge(MUTANT, [other])
    assert not verdict.ok and "did not run" in " ".join(verdict.problems)


TEACHES = "x\nexpected: y\nlikely mistake: no ray.cancel(ref) for the losers"


def test_a_mutant_runs_as_a_learner_would_meet_it_and_its_rule_test_alone_if_need_be():
    assert _plan_entry(MUTANT) == {
        "kata": MUTANT.kata, "id": MUTANT.id, "module": MUTANT.module, "stop_first": True
    }  # fmt: skip
    earlier = [_result("failed", TEACHES, test="test_earlier")]
    (again,) = _rule_round([MUTANT], earlier)
    assert again.id == MUTANT.id + RULE_ROUND
    assert _plan_entry(again)["only"] == (RULE_TEST,) and "stop_first" not in _plan_entry(again)
    assert _rule_round([MUTANT], [_result("failed", TEACHES)]) == []  # its rule's test was first


def test_the_first_failure_a_learner_sees_must_name_the_mistake():
    rule = _result("failed", TEACHES, impl=MUTANT.id + RULE_ROUND)
    named = _result("failed", TEACHES, test="test_earlier")
    assert judge(MUTANT, [named, rule]).ok
    vague = _result("failed", "x\nexpected: y\nlikely mistake: something else", "test_earlier")
    verdict = judge(MUTANT, [vague, rule])
    assert not verdict.ok
    assert "a learner's run stops at test_earlier" in " ".join(verdict.problems)
    not_run = _result(NOT_RUN, "", impl=MUTANT.id)
    assert not judge(MUTANT, [named, not_run]).ok  # the rule's own test never ran


def test_a_mutant_that_names_no_rule_is_reported():
    unnamed = Variant(
        "k05_first_wins", "mutant", "x", "m", error="the mutant does not name the rule"
    )
    assert not judge(unnamed, [_result("failed", "likely mistake: ray.cancel")]).ok


CATALOGUE = """
[[track]]
number = 1
title = "T"

[[kata]]
slug = "k01_a"
title = "A"
track = 1
points = 2
scoring = "per-test"
hints = ["first", "second"]

[[kata.rule]]
id = "stays-free"
text = "Never blocks."
test = "test_free"
"""


def test_the_catalogue_is_read_in_order_with_its_rules():
    (kata,) = parse(CATALOGUE)
    assert (kata.number, kata.slug, kata.points, kata.per_test) == (1, "k01_a", 2.0, True)
    assert kata.hints == ("first", "second")
    assert kata.rules == (Rule("stays-free", "Never blocks.", "test_free"),)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("track = 1\npoints", "track = 9\npoints"), "no [[track]] numbered 9"),
        (('id = "stays-free"', 'id = "Stays Free"'), "not kebab-case"),
        (('test = "test_free"\n', ""), "missing `test`"),
        (('scoring = "per-test"', 'scoring = "sometimes"'), "scoring must be"),
        (('hints = ["first", "second"]', "hints = [1]"), "every hint must be a string"),
    ],
)
def test_a_malformed_catalogue_says_what_is_wrong(change, says):
    with pytest.raises(CatalogueError, match=r".*" + says.replace("[", r"\[").replace("]", r"\]")):
        parse(CATALOGUE.replace(*change))


def test_the_readme_rules_section_is_written_once_and_replaced_in_place():
    kata = Kata(1, "k01_a", "A", Track(1, "T"), 1.0, False, ("h",), (Rule("r", "Rule one.", "t"),))
    readme = "# Kata 01 · A\n\n## Your task\n\nDo it.\n\n## Notes\n\nMore.\n"
    once = with_rules(readme, kata)
    assert once.index("## Your task") < once.index("- Rule one.") < once.index("## Notes")
    assert with_rules(once, kata) == once
    changed = dataclasses.replace(kata, rules=(Rule("r", "Rule two.", "t"),))
    assert "- Rule two." in with_rules(once, changed) and "Rule one." not in with_rules(
        once, changed
    )
    assert rules_section(kata).count("dojo hint 1") == 1


def _kata_variants(kata: str, mutants: int) -> list[Variant]:
    return [
        Variant(kata, "stub", "stub", f"katas.{kata}.kata"),
        Variant(kata, "solution", "solution", f"solutions.{kata}.kata"),
        *(Variant(kata, "mutant", f"m{i}", f"tests.mutants.{kata}.m{i}") for i in range(mutants)),
    ]


def _katas_of(groups: list[list[Variant]]) -> list[list[str]]:
    return sorted(sorted({v.kata for v in group}) for group in groups)


def test_shards_are_balanced_by_measured_seconds():
    plan = [v for k in ("k01_a", "k02_b", "k03_c", "k04_d") for v in _kata_variants(k, 3)]
    # Alike by their variants: a guess would pair them first with third (160 s : 140 s).
    costs = {"k01_a": 100.0, "k02_b": 90.0, "k03_c": 60.0, "k04_d": 50.0}
    groups = shard(plan, 2, costs)
    assert _katas_of(groups) == [["k01_a", "k04_d"], ["k02_b", "k03_c"]]  # 150 s : 150 s
    assert [v for g in groups for v in g if v.kata == "k01_a"] == _kata_variants("k01_a", 3)


def test_a_kata_not_measured_is_guessed_at_the_measured_seconds_per_variant():
    # k01_a: 62 s for 6.2 units (a stub, a solution, 3 mutants) = 10 s a unit; so k02_b
    # (1 mutant: 4.2 units) is guessed at 42 s and k03_c (5 mutants: 8.2 units) at 82 s.
    plan = [*_kata_variants("k01_a", 3), *_kata_variants("k02_b", 1), *_kata_variants("k03_c", 5)]
    # (Guessed at a fixed 4 s a unit instead, they would be 16.8 s and 32.8 s: k01_a alone.)
    assert _katas_of(shard(plan, 2, {"k01_a": 62.0})) == [["k01_a", "k02_b"], ["k03_c"]]
    # Nothing measured (no costs file): every kata guessed, every variant still planned once.
    groups = shard(plan, 2, {})
    assert sorted(v.module for g in groups for v in g) == sorted(v.module for v in plan)


def test_costs_are_written_merged_and_read_back(tmp_path):
    path = tmp_path / "costs.toml"
    assert read_costs(path) == {}  # no file yet: every kata is guessed
    write_costs({"k01_a": 12.34, "k02_b": 5.0}, path)
    write_costs({"k02_b": 7.0}, path)
    assert read_costs(path) == {"k01_a": 12.3, "k02_b": 7.0}
    path.write_text("[seconds\n")
    assert read_costs(path) == {}  # a broken file unbalances shards, it stops nothing


# -- the plan's watchdog: a shard is killed when it falls silent, never for being slow ---------


def _shard_watching(command: str, tmp_path, quiet_limit: float) -> tuple[str, float]:
    """Run `command` as a shard's pytest would run (its output to a file) and watch it."""
    shard_run = _ShardRun([], {}, tmp_path, {}, quiet_limit)
    log = tmp_path / "out.txt"
    began = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", command], stdout=out)
        why = shard_run._wait_or_kill(proc, log)
    return why, time.monotonic() - began


def test_a_shard_that_keeps_writing_is_never_killed_however_long_it_takes(tmp_path):
    # 3 s in all, a character every 0.3 s (as pytest writes one per test): 3x the limit.
    steady = (
        "import sys, time\nfor _ in range(10):\n print('.', end='', flush=True); time.sleep(0.3)"
    )
    why, took = _shard_watching(steady, tmp_path, quiet_limit=1.0)
    assert why == "" and took >= 2.9


def test_a_shard_that_falls_silent_is_killed_and_says_why(tmp_path):
    silent = "import time\nprint('.', end='', flush=True)\ntime.sleep(60)"
    why, took = _shard_watching(silent, tmp_path, quiet_limit=1.0)
    assert "wrote nothing for 1 s" in why and took < 30
