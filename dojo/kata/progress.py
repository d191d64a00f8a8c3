"""The learner's progress, remembered between runs in .dojo/progress.json.

Every plain `pytest katas/...` run (not --solutions, not a variant) records, per kata, each
test's last outcome together with a digest of the kata.py it ran against. A kata is done
when every test in its test file passed against the kata.py that is there now.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dojo.kata.catalogue import Kata
from dojo.kata.outcomes import NOT_RUN
from dojo.paths import STATE_DIR

PROGRESS_FILE = STATE_DIR / "progress.json"

DONE, FAILING, NOT_STARTED, NEVER_RUN = "done", "failing", "not started", "not run yet"


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def load(path: Path = PROGRESS_FILE) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def record(results: list[dict], katas_dir: Path, path: Path = PROGRESS_FILE) -> None:
    """Merge one run's results (from the pytest plugin) into the progress file."""
    progress = load(path)
    for r in results:
        kata = r["kata"]
        if kata is None:
            continue
        current = fingerprint(katas_dir / kata / "kata.py")
        entry = progress.get(kata)
        if not entry or entry.get("digest") != current:
            entry = progress[kata] = {"digest": current, "tests": {}}
        outcome = "not_done" if r["not_done"] else r["outcome"]
        if outcome == NOT_RUN:
            continue  # skipped after the kata's first failure: says nothing about this test
        # A failed setup/teardown overrides the call's outcome; a pass never overrides a fail
        # of the same run.
        if r["when"] == "call" or outcome != "passed":
            entry["tests"][r["test"]] = {"outcome": outcome, "message": r["message"][:2000]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(progress, indent=1, sort_keys=True))


def state(kata: Kata, progress: dict | None = None) -> str:
    progress = load() if progress is None else progress
    entry = progress.get(kata.slug)
    if not entry or entry.get("digest") != fingerprint(kata.stub):
        return NEVER_RUN
    outcomes = {name: entry["tests"].get(name, {}).get("outcome") for name in kata.test_names()}
    if all(o == "passed" for o in outcomes.values()):
        return DONE
    if all(o == "not_done" for o in outcomes.values() if o is not None) and any(
        o is not None for o in outcomes.values()
    ):
        return NOT_STARTED
    return FAILING


def first_failure(kata: Kata, progress: dict | None = None) -> tuple[str, str] | None:
    progress = load() if progress is None else progress
    tests = progress.get(kata.slug, {}).get("tests", {})
    for name in kata.test_names():
        result = tests.get(name)
        if result and result["outcome"] != "passed":
            return name, result["message"]
    return None
