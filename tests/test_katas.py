"""The three-direction self-check, one test per kata variant.

All variants run in a few pytest subprocesses (shards, one Ray head each: dojo/kata/verify.py),
started in the background when the session begins (tests/kata_plan.py); each test below reads
its own verdict. Mutants and alternatives are discovered from tests/mutants/<kata>/ and
tests/alternatives/<kata>/.
"""

import pytest

from dojo.kata.catalogue import all_katas
from dojo.kata.verify import judge
from tests.kata_plan import PLAN, VARIANTS


@pytest.fixture(scope="module")
def kata_results():
    return PLAN.result()


def _check(variant, kata_results):
    results, _output = kata_results
    verdict = judge(variant, results)
    problems = "\n  - ".join(verdict.problems)
    assert verdict.ok, f"{variant.kata} / {variant.id} ({variant.summary}):\n  - {problems}"


def _params(kind):
    return [pytest.param(v, id=f"{v.kata}-{v.name}") for v in VARIANTS if v.kind == kind]


@pytest.mark.parametrize("variant", _params("stub"))
def test_stub_fails_as_shipped_with_not_done_yet(variant, kata_results):
    _check(variant, kata_results)


@pytest.mark.parametrize("variant", _params("solution"))
def test_reference_solution_passes(variant, kata_results):
    _check(variant, kata_results)


@pytest.mark.parametrize("variant", _params("mutant"))
def test_known_wrong_answer_is_rejected_by_its_test(variant, kata_results):
    _check(variant, kata_results)


@pytest.mark.parametrize("variant", _params("alternative"))
def test_alternative_correct_solution_passes(variant, kata_results):
    _check(variant, kata_results)


def test_every_kata_has_a_mutant_and_an_alternative():
    for kata in all_katas():
        kinds = {v.kind for v in VARIANTS if v.kata == kata.slug}
        assert {"mutant", "alternative"} <= kinds, f"{kata.slug} has only {sorted(kinds)}"


def test_solutions_mirror_katas():
    for kata in all_katas():
        assert kata.solution.exists(), f"{kata.slug} has no solution at {kata.solution}"
        assert kata.tests.exists() and kata.stub.exists(), f"{kata.slug} lacks stub or tests"
        assert len(kata.hints) >= 2, f"{kata.slug}: the catalogue needs at least 2 hints"
