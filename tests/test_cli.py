"""The `dojo` command, run as a learner runs it (a subprocess), with its own state dir."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from dojo.kata import progress
from dojo.kata.catalogue import all_katas, find
from dojo.paths import KATAS_DIR, REPO_ROOT


def dojo(*args, state_dir, stdin=""):
    env = {**os.environ, "DOJO_STATE_DIR": str(state_dir), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-c", "from dojo.cli import main; main()", *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_list_shows_the_catalogue_in_order(tmp_path):
    out = dojo("list", state_dir=tmp_path).stdout
    titles = [k.title for k in all_katas()]
    positions = [out.index(t) for t in titles]
    assert positions == sorted(positions), out
    assert f"0 of {len(titles)} katas done" in out


def test_hints_come_one_level_per_call(tmp_path):
    hints = find(1).hints
    first = dojo("hint", "1", state_dir=tmp_path).stdout
    assert "Hint 1 of" in first and "Hint 2 of" not in first
    second = dojo("hint", "1", state_dir=tmp_path).stdout
    assert "Hint 2 of" in second
    every = dojo("hint", "1", "--all", state_dir=tmp_path).stdout
    assert f"Hint {len(hints)} of {len(hints)}" in every


def test_unknown_kata_is_a_clear_error(tmp_path):
    result = dojo("hint", "99", state_dir=tmp_path)
    assert result.returncode == 2
    assert "no kata '99'" in result.stdout and "Traceback" not in result.stderr


def test_solution_is_shown_only_once_the_kata_is_done(tmp_path):
    refused = dojo("solution", "1", state_dir=tmp_path)
    assert refused.returncode == 1 and "not done yet" in refused.stdout
    forced = dojo("solution", "1", "--force", state_dir=tmp_path)
    assert forced.returncode == 0 and "async def greet" in forced.stdout


def test_next_skips_done_katas_and_shows_the_last_failure(tmp_path):
    first, second = all_katas()[:2]
    record = {
        first.slug: {
            "digest": progress.fingerprint(first.stub),
            "tests": {n: {"outcome": "passed", "message": ""} for n in first.test_names()},
        },
        second.slug: {
            "digest": progress.fingerprint(second.stub),
            "tests": {
                second.test_names()[0]: {
                    "outcome": "failed",
                    "message": "only 1 of 8 in flight",
                }
            },
        },
    }
    (tmp_path / "progress.json").write_text(json.dumps(record))
    out = dojo("next", state_dir=tmp_path).stdout
    assert f"Kata {second.number:02d}" in out
    assert "only 1 of 8 in flight" in out
    listing = dojo("list", state_dir=tmp_path).stdout
    assert f"1 of {len(all_katas())} katas done" in listing


def _tree_digest(folder):
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def edited_stub():
    kata = find(1)
    original = kata.stub.read_bytes()
    kata.stub.write_text(original.decode() + "\n# a learner's edit\n")
    try:
        yield kata
    finally:
        kata.stub.write_bytes(original)


def test_reset_restores_only_that_stub(edited_stub, tmp_path):
    others_before = _tree_digest(KATAS_DIR / all_katas()[1].slug)
    readme_before = edited_stub.readme.read_bytes()
    declined = dojo("reset", "1", state_dir=tmp_path, stdin="n\n")
    assert declined.returncode == 1 and "a learner's edit" in edited_stub.stub.read_text()
    done = dojo("reset", "1", "--yes", state_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a learner's edit" not in edited_stub.stub.read_text()
    assert "todo(" in edited_stub.stub.read_text()
    assert edited_stub.readme.read_bytes() == readme_before
    assert _tree_digest(KATAS_DIR / all_katas()[1].slug) == others_before


def test_shipped_snapshot_matches_the_stubs():
    from dojo.kata.shipped import current_stubs, shipped_stubs

    assert shipped_stubs() == current_stubs(), (
        "a stub changed since the snapshot: run `python -m dojo.kata.shipped` and commit "
        "dojo/shipped_stubs.json"
    )
