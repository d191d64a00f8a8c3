"""`dojo grade`'s integrity guard and forgery flags (dojo/grade/integrity.py, suspicion.py).

No Ray: the guard runs on a throwaway copy of the repository's files and a fake venv, and a
learner's run is replaced by a function that does what an attacker's pytest would have done.
The flags must not cry wolf: every reference solution, alternative and mutant is scanned.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from dojo.grade import class_run, suspicion
from dojo.grade.integrity import REPO_PATTERNS, Fingerprint, IntegrityGuard, Tampering
from dojo.grade.learner_run import KataRun
from dojo.grade.learner_run import TestOutcome as Outcome
from dojo.grade.learners import Learner
from dojo.grade.report import _csv_header, _csv_row, results_json
from dojo.kata.catalogue import all_katas, find
from dojo.paths import REPO_ROOT

K01 = find(1)
TEST_FILE = f"katas/{K01.slug}/test_kata.py"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of what the tests run from: katas/k01, the root conftest.py, pyproject.toml."""
    root = tmp_path / "repo"
    shutil.copytree(
        REPO_ROOT / "katas" / K01.slug,
        root / "katas" / K01.slug,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("conftest.py", "pyproject.toml", "katas/__init__.py"):
        shutil.copy2(REPO_ROOT / name, root / name)
    return root


@pytest.fixture
def venv(tmp_path) -> Path:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "ray").mkdir(parents=True)
    (site / "ray" / "__init__.py").write_text("VERSION = 1\n")
    (site / "distutils-precedence.pth").write_text("import os\n")
    return tmp_path / "venv"


def _guard(tmp_path, repo, venv, **kwargs) -> IntegrityGuard:
    displaced = tmp_path / "displaced"
    return IntegrityGuard(
        tmp_path / "work", repo_root=repo, venv=venv, displaced=displaced, **kwargs
    )


def _site(venv: Path) -> Path:
    return venv / "lib" / "python3.11" / "site-packages"


# -- fingerprints ------------------------------------------------------------------------


def test_a_fingerprint_sees_an_appended_test_an_added_conftest_and_a_planted_pth(repo, venv):
    before_repo = Fingerprint.take(repo, REPO_PATTERNS)
    before_venv = Fingerprint.take(venv, content=False)
    with open(repo / TEST_FILE, "a") as f:
        f.write("\ndef test_free_point():\n    pass\n")
    (repo / "katas" / "conftest.py").write_text("import os\n")
    (_site(venv) / "zzz_evil.pth").write_text("import os; os.system('true')\n")

    assert before_repo.changes(Fingerprint.take(repo, REPO_PATTERNS)) == [
        f"{repo}/katas/conftest.py (added)",
        f"{repo}/{TEST_FILE} (changed)",
    ]
    assert before_venv.changes(Fingerprint.take(venv, content=False)) == [
        f"{_site(venv)}/zzz_evil.pth (added)"
    ]


def test_a_fingerprint_is_stable_and_ignores_bytecode(repo):
    before = Fingerprint.take(repo, REPO_PATTERNS)
    cache = repo / "katas" / K01.slug / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "test_kata.cpython-311.pyc").write_bytes(b"written by Python itself")
    assert before.changes(Fingerprint.take(repo, REPO_PATTERNS)) == []
    assert f"katas/{K01.slug}/README.md" in before.files  # READMEs count


def test_a_symlink_is_recorded_not_followed(repo, tmp_path):
    before = Fingerprint.take(repo, REPO_PATTERNS)
    (repo / TEST_FILE).unlink()
    (repo / TEST_FILE).symlink_to(tmp_path / "elsewhere.py")
    assert before.changes(Fingerprint.take(repo, REPO_PATTERNS)) == [
        f"{repo}/{TEST_FILE} (changed)"
    ]


def test_the_real_venv_fingerprint_is_stable():
    """Fast enough to take after every learner (~0.3 s for 6,000 files), and stable."""
    first = Fingerprint.take(Path(sys.prefix), content=False)
    assert len(first.files) > 100
    assert first.changes(Fingerprint.take(Path(sys.prefix), content=False)) == []


# -- the guard ---------------------------------------------------------------------------


def test_the_guard_marks_the_learner_and_restores_the_repository(tmp_path, repo, venv):
    guard = _guard(tmp_path, repo, venv)
    original = (repo / TEST_FILE).read_bytes()
    with guard.watching("mallory") as tampering:
        with open(repo / TEST_FILE, "a") as f:
            f.write("\ndef test_free_point():\n    pass\n")
        (repo / "conftest.py").unlink()
        (repo / "katas" / "conftest.py").write_text("import os\n")
        (_site(venv) / "zzz_evil.pth").write_text("import os\n")
        (_site(venv) / "sitecustomize.py").write_text("import os\n")
    assert sorted(tampering.changed) == sorted(
        [
            f"{repo}/conftest.py (removed)",
            f"{repo}/katas/conftest.py (added)",
            f"{repo}/{TEST_FILE} (changed)",
            f"{_site(venv)}/sitecustomize.py (added)",
            f"{_site(venv)}/zzz_evil.pth (added)",
        ]
    )
    assert tampering.not_restored == []
    assert (repo / TEST_FILE).read_bytes() == original
    # What was undone is kept, in case it was an instructor's edit rather than an attack.
    kept = tmp_path / "displaced" / repo.relative_to("/") / TEST_FILE
    assert f"{repo}/{TEST_FILE} -> {kept}" in tampering.displaced
    assert kept.read_text().endswith("def test_free_point():\n    pass\n")
    assert len(tampering.displaced) == 4  # the test file and the three added files
    assert (repo / "conftest.py").read_bytes() == (REPO_ROOT / "conftest.py").read_bytes()
    assert not (repo / "katas" / "conftest.py").exists()
    assert not (_site(venv) / "zzz_evil.pth").exists()
    assert not (_site(venv) / "sitecustomize.py").exists()
    # The next learner runs against intact files, and is not blamed.
    with guard.watching("honest") as next_one:
        pass
    assert not next_one


def test_what_cannot_be_restored_is_said_once(tmp_path, repo, venv):
    guard = _guard(tmp_path, repo, venv)
    with guard.watching("mallory") as tampering:
        (_site(venv) / "ray" / "__init__.py").write_text("VERSION = 'forged'\n")
    assert tampering.changed == [f"{_site(venv)}/ray/__init__.py (changed)"]
    assert tampering.not_restored == [
        f"{_site(venv)}/ray/__init__.py: no pristine copy; reinstall the venv to be sure"
    ]
    assert "could not be restored" in tampering.summary()
    with guard.watching("honest") as next_one:
        pass
    assert not next_one


def test_learners_running_side_by_side_are_all_named(tmp_path, repo, venv):
    guard = _guard(tmp_path, repo, venv)
    with guard.watching("bob") as bob:
        with guard.watching("mallory") as mallory:
            (repo / "katas" / "conftest.py").write_text("import os\n")
    assert mallory.changed == bob.changed == [f"{repo}/katas/conftest.py (added)"]
    assert mallory.others_running == ["bob"]
    assert bob.others_running == ["mallory"]
    assert "--jobs 1" in bob.summary()


def test_a_protected_copy_is_checked_and_restored(tmp_path, repo, venv):
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    guard = _guard(tmp_path, repo, venv)
    guard.protect(copy)
    original = (copy / TEST_FILE).read_bytes()
    with guard.watching("mallory") as tampering:
        (copy / TEST_FILE).write_text("def test_free_point():\n    pass\n")
    assert tampering.changed == [f"{copy}/{TEST_FILE} (changed)"]
    assert (copy / TEST_FILE).read_bytes() == original
    guard.release(copy)
    (copy / TEST_FILE).write_text("changed after it was released\n")
    assert not guard.check()


def test_sandboxed_a_change_of_the_real_repository_is_nobodys(tmp_path, repo, venv):
    """Sandboxed learners cannot write the real repository: a change there is someone
    else's (an instructor editing), reported once, never blamed nor undone."""
    guard = _guard(tmp_path, repo, venv, learners_can_write=False)
    with guard.watching("honest") as tampering:
        (repo / TEST_FILE).write_text("# the instructor's edit\n")
    assert not tampering
    assert guard.unattributed == [f"{repo}/{TEST_FILE} (changed)"]
    assert (repo / TEST_FILE).read_text() == "# the instructor's edit\n"


# -- grade_learner, with the learner's run replaced --------------------------------------


def _forging_run(repo: Path):
    """What a forging, tampering pytest would leave: the test file changed, and a pass
    reported at once."""

    def run_katas(package, root, katas, **kwargs) -> KataRun:
        with open(repo / TEST_FILE, "a") as f:
            f.write("\n# tampered\n")
        run = KataRun()
        for name in K01.test_names():
            nodeid = f"katas/{K01.slug}/test_kata.py::{name}[kata]"
            run.tests[nodeid] = Outcome(K01.slug, name, "kata", "pass", duration=0.01)
        return run

    return run_katas


def test_grade_learner_reports_tampering_and_flags(tmp_path, repo, venv, monkeypatch):
    learner_dir = tmp_path / "class" / "mallory" / K01.slug
    learner_dir.mkdir(parents=True)
    solution = (REPO_ROOT / "solutions" / K01.slug / "kata.py").read_text()
    (learner_dir / "kata.py").write_text("import _pytest.runner\n" + solution)
    floors = {K01.slug: {name: 0.25 for name in K01.test_names()}}
    monkeypatch.setattr(suspicion, "load_floors", lambda: floors)
    monkeypatch.setattr(class_run, "run_katas", _forging_run(repo))
    guard = _guard(tmp_path, repo, venv)

    learner = Learner("mallory", learner_dir.parent)
    grade = class_run.grade_learner(learner, [K01], 0, tmp_path / "work", address=None, guard=guard)

    assert grade.status == "tampered"
    assert grade.tampering.changed == [f"{repo}/{TEST_FILE} (changed)"]
    assert grade.points == K01.points  # flags and tampering never change points
    assert grade.flags[0] == (
        f"{K01.slug}/kata.py line 1: imports _pytest.runner (pytest's internals)"
    )
    assert len(grade.flags) == 1 + len(K01.test_names())
    slowest = 0.25 / suspicion.FLOOR_FRACTION
    assert f"passed in 0.01 s; correct solutions take at least {slowest:.2f} s" in grade.flags[1]

    result = results_json(grade)
    assert result["status"] == "error"  # exercism knows no "tampered"
    assert result["message"].startswith("tampered: ")
    assert result["tampered"]["changed"] == grade.tampering.changed
    assert result["flags"] == grade.flags
    row = _csv_row(grade, [K01])
    assert dict(zip(_csv_header([K01]), row, strict=True))["status"] == "tampered"
    assert row[-1].startswith(f"{K01.slug}/kata.py line 1: imports _pytest.runner")


def test_an_honest_result_has_no_flags_and_no_tampering():
    grade = class_run.LearnerGrade(Learner("ada", Path(".")), [])
    assert grade.status == "pass" and not grade.tampering and grade.flags == []
    assert results_json(grade)["flags"] == []
    assert "tampered" not in results_json(grade)
    assert Tampering().summary().startswith("files the tests run from changed")


# -- static flags ------------------------------------------------------------------------

FORGERIES = {
    "import _pytest": "imports _pytest (pytest's internals)",
    "from _pytest.reports import TestReport": "imports _pytest.reports",
    "import pytest": "imports pytest (the test framework)",
    "from dojo.grade import plugin": "imports dojo.grade (the grader)",
    "from dojo import pytest_plugin": "imports dojo.pytest_plugin",
    "import dojo.harness\ndojo.harness.teach = None": "assigns dojo.harness.teach",
    "import sys\nsys.modules['dojo.harness'] = None": "uses sys.modules",
    "import sys\nlog = sys.argv[-1]": "uses sys.argv",
    "import gc\nobjs = gc.get_objects()": "uses gc.get_objects",
    "import inspect\nf = inspect.stack()[1].frame": "uses inspect.stack",
    "import sys\nf = sys._getframe(2).f_locals": "reads .f_locals",
    "def pytest_runtest_makereport(item, call):\n    pass": "defines pytest_runtest_makereport",
    "m = __import__('_pytest.runner')": "imports _pytest.runner",
    "path = open('/proc/self/cmdline').read()": "'/proc/self/cmdline'",
}


@pytest.mark.parametrize("source", FORGERIES)
def test_the_scan_flags_reaching_for_the_test_machinery(source):
    found = suspicion.scan(source)
    assert any(FORGERIES[source] in line for line in found), found


def _correct_and_honest_code() -> list[Path]:
    tests = REPO_ROOT / "tests"
    return sorted(
        [
            *(REPO_ROOT / "solutions").glob("*/kata.py"),
            *(tests / "alternatives").rglob("*.py"),
            *(tests / "mutants").rglob("*.py"),  # wrong, but honest
            *(REPO_ROOT / "katas").glob("*/kata.py"),
        ]
    )


def test_no_solution_alternative_mutant_or_stub_is_flagged():
    """A false flag is worse than none."""
    files = _correct_and_honest_code()
    assert len(files) > 300
    flagged = {str(p.relative_to(REPO_ROOT)): suspicion.scan(p.read_text()) for p in files}
    assert {path: found for path, found in flagged.items() if found} == {}


# Code the scan cannot read: run, built or loaded from data (a forgery hidden in a string).
DYNAMIC_CODE = {
    "exec(source)": "calls exec: runs code from a string",
    "value = eval(text)": "calls eval: runs code from a string",
    "code = compile(text, 'x', 'exec')": "calls compile: compiles code from a string",
    "import builtins\nbuiltins.exec(text)": "calls builtins.exec",
    "m = __import__(name)": "calls __import__ with a computed name",
    "import importlib\nm = importlib.import_module('_py' + 'test')": (
        "calls importlib.import_module with a computed name"
    ),
    "from importlib import import_module as im\nm = im(name)": (
        "calls importlib.import_module with a computed name"
    ),
    "import types\nf = types.FunctionType(code, globals())": "calls types.FunctionType",
    "from types import FunctionType as F\nf = F(code, {})": "calls types.FunctionType",
    "import types\nc = types.CodeType(0, 0, 0, 0, 0, 0, b'', (), (), (), '', '', '', 0, b'')": (
        "calls types.CodeType: builds a code object"
    ),
    "import marshal\ncode = marshal.loads(blob)": "calls marshal.loads: loads code objects",
    "import pickle\nobj = pickle.loads(blob)": "calls pickle.loads: unpickling can run any code",
    "import codecs\ntext = codecs.decode(blob, 'hex')": "calls codecs.decode: decodes data",
    "text = bytes.fromhex('7072696e74').decode()": "calls bytes.fromhex: decodes data",
    "import binascii\ntext = binascii.unhexlify(blob)": "calls binascii.unhexlify: decodes data",
    "import base64\ntext = base64.b64decode(blob)": "calls base64.b64decode: decodes data",
    "from base64 import b85decode\ntext = b85decode(blob)": "calls base64.b85decode",
    "import sys\nm = getattr(sys, 'mod' + 'ules')": (
        "calls getattr on sys with a computed name: reaches an attribute"
    ),
}


@pytest.mark.parametrize("source", DYNAMIC_CODE)
def test_the_scan_flags_code_it_cannot_read(source):
    found = suspicion.scan(source)
    assert any(DYNAMIC_CODE[source] in line for line in found), found


def test_the_red_team_s_hex_forgery_is_flagged():
    """A forgery hidden as a hex string, compiled and made a function: nothing in it names
    the test machinery, but every step that turns data into code is flagged."""
    hidden = b"import _pytest.runner\n_pytest.runner.pytest_runtest_makereport = None\n"
    source = (
        "import types\n"
        "\n"
        f"_BLOB = {hidden.hex()!r}\n"
        "_code = compile(bytes.fromhex(_BLOB).decode(), '<kata>', 'exec')\n"
        "_forge = types.FunctionType(_code, globals())\n"
        "_forge()\n"
    )
    found = suspicion.scan(source)
    assert "line 4: calls bytes.fromhex: decodes data that could be code" in found
    assert any(f.startswith("line 4: calls compile: compiles code") for f in found), found
    assert any(f.startswith("line 5: calls types.FunctionType: makes a") for f in found), found


HONEST_LOOKALIKES = [
    "import re\nPATTERN = re.compile(r'\\d+')",
    "from re import compile\nPATTERN = compile(r'\\d+')",
    "import types\nfrom x import solution\nf = types.FunctionType(solution.f.__code__, globals())",
    "m = __import__('json')",
    "import importlib\nm = importlib.import_module('json')",
    "import os\nhome = getattr(os, 'sep')",
    "def f(obj, name):\n    return getattr(obj, name)",
    "data = b'abc'.decode('utf-8')",
    "class P:\n    def compile(self):\n        return self.compile()",
]


@pytest.mark.parametrize("source", HONEST_LOOKALIKES)
def test_honest_look_alikes_of_dynamic_code_are_not_flagged(source):
    assert suspicion.scan(source) == []


def test_a_docstring_naming_the_tests_is_not_flagged():
    source = '"""Passes test_kata.py (run with --grade-log)."""\n\n\ndef f():\n    """sys.argv"""\n'
    assert suspicion.scan(source) == []


def test_the_scan_survives_what_the_precheck_refuses():
    assert suspicion.scan("def broken(:\n") == []
    deep = "x = " + "+".join(["1"] * 5000)
    assert suspicion.scan(deep) in ([], ["the code is nested too deeply to be scanned"])


# -- floors ------------------------------------------------------------------------------


def _result(kata, test, duration, outcome="passed"):
    return {"kata": kata, "test": test, "when": "call", "outcome": outcome, "duration": duration}


def test_floors_keep_only_slow_tests_on_which_correct_solutions_agree():
    results = [
        _result("k", "waits", 1.0),
        _result("k", "waits", 1.2),
        _result("k", "quick", 0.1),
        _result("k", "depends_on_the_code", 2.0),
        _result("k", "depends_on_the_code", 0.5),
        _result("k", "spread_by_the_load", 6.0),
        _result("k", "spread_by_the_load", 7.0),
        _result("k", "long_wait", 10.0),
        _result("k", "one_failed", 1.0),
        _result("k", "one_failed", 1.0, outcome="failed"),
    ]
    assert suspicion.floors_from(results) == {
        "k": {"waits": suspicion.FLOOR_FRACTION * 1.0, "long_wait": suspicion.FLOOR_CAP}
    }


def test_a_test_faster_than_its_floor_is_flagged_and_a_slower_one_is_not():
    floors = {"k": {"waits": 0.3}}
    tests = [
        Outcome("k", "waits", "", "pass", duration=0.05),
        Outcome("k", "waits", "b", "pass", duration=0.31),
        Outcome("k", "waits", "c", "fail", duration=0.0),
        Outcome("k", "unknown", "", "pass", duration=0.0),
    ]
    slowest = 0.3 / suspicion.FLOOR_FRACTION
    assert suspicion.too_fast(tests, floors) == [
        f"k · waits passed in 0.05 s; correct solutions take at least {slowest:.2f} s "
        "(a forged pass?)"
    ]


def test_the_shipped_floors_name_real_tests_and_round_trip():
    floors = suspicion.load_floors()
    katas = {k.slug: set(k.test_names()) for k in all_katas()}
    for slug, tests in floors.items():
        assert set(tests) <= katas[slug], slug
        assert all(0 < floor for floor in tests.values())
    path = suspicion.FLOORS_FILE
    assert suspicion.render_floors(floors) == path.read_text(encoding="utf-8")


def test_a_poisoned_pristine_copy_is_not_restored_from(tmp_path, repo, venv):
    guard = _guard(tmp_path, repo, venv)
    (tmp_path / "work" / "pristine-1" / TEST_FILE).write_text("def test_free(): pass\n")
    with guard.watching("mallory") as tampering:
        (repo / TEST_FILE).write_text("def test_free(): pass\n")
    assert tampering.not_restored == [f"{repo}/{TEST_FILE}: its pristine copy was changed too"]


def test_a_change_between_learners_is_restored_and_blamed_on_nobody(tmp_path, repo, venv):
    """Unsandboxed, a process left behind by an earlier learner may change files later."""
    guard = _guard(tmp_path, repo, venv)
    (repo / "katas" / "conftest.py").write_text("import os\n")
    with guard.watching("honest") as tampering:
        assert not (repo / "katas" / "conftest.py").exists()
    assert not tampering
    assert guard.unattributed == [f"{repo}/katas/conftest.py (added), while no learner ran"]
