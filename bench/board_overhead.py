"""The class board's cost to a learner's run: milliseconds per test report, with and without a
board on the room's head.

    .venv/bin/python bench/board_overhead.py            # 1000 reports, 5 learner runs each way
    .venv/bin/python bench/board_overhead.py --quick    # 200 reports, no learner runs

A private `ray start --head` (2 CPUs) stands in for the room's head. Two measurements:

1. In a driver process, as in a learner's pytest run: the board lookup (once per run), then
   `Reporter.add` per test outcome (a failing outcome with a lesson, the costlier kind; the
   actor call is fire-and-forget), and the wait at the end of the run for the calls still in
   flight: all of them (a burst), and one (a kata run: its reports come seconds apart);
   without a board (the lookup finds none) and with one.
2. (Not with --quick) whole learner runs, `pytest katas/k01_await_one_ref` on a copy with a
   passing kata.py through RAY_ADDRESS, without a board and with one: the median wall time.
   Whole runs vary by hundreds of ms on a busy machine: only a large difference would mean
   anything there; part 1 is the precise number.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.cluster import ray_runtime  # noqa: E402

KATA = "k01_await_one_ref"
FAILURE = "\n".join(
    ["katas/k01_await_one_ref/kata.py:20: in greet", "    return ray.get(ref)"]
    + [f"E   the event loop froze for 1.0 s: line {n} of the lesson" for n in range(10)]
)


def fake_config():
    """What the reporter asks of pytest's config (registration and the terminal)."""
    manager = types.SimpleNamespace(register=lambda *a: None, get_plugin=lambda name: None)
    return types.SimpleNamespace(pluginmanager=manager)


def time_reports(count: int, folder: Path) -> dict[str, float]:
    """Milliseconds for the lookup, per report, and for the final wait, in this driver."""
    from dojo.board.reporter import Reporter

    reporter = Reporter(fake_config())
    item = types.SimpleNamespace(path=folder / "test_kata.py")
    outcomes = [
        {"nodeid": f"t::{n}", "kata": KATA, "test": f"test_{n % 3}", "when": "call",
         "outcome": "failed", "not_done": False, "message": FAILURE}
        for n in range(count)
    ]  # fmt: skip
    started = time.perf_counter()
    reporter._board()
    lookup = time.perf_counter() - started
    started = time.perf_counter()
    for outcome in outcomes:
        reporter.add(item, outcome)
    per_report = (time.perf_counter() - started) / count
    started = time.perf_counter()
    reporter.flush()
    flush = time.perf_counter() - started
    # A kata run's few reports are seconds apart: at its end only the last one is in flight.
    reporter.add(item, outcomes[0])
    started = time.perf_counter()
    reporter.flush()
    last = time.perf_counter() - started
    assert not reporter.refused, reporter.refused
    return {"lookup": lookup * 1e3, "per report": per_report * 1e3, "final wait": flush * 1e3,
            "wait for one": last * 1e3}  # fmt: skip


def in_process(address: str, count: int, folder: Path) -> list[tuple[str, dict]]:
    os.environ["RAY_ADDRESS"] = address
    ray_runtime.prepare_environment()
    import ray

    from dojo.board.actor import get_or_create
    from dojo.board.server import catalogue_katas

    ray.init(address=address, runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
    try:
        rows = [("no board", time_reports(count, folder))]
        board = get_or_create(catalogue_katas())
        ray.get(board.snapshot.remote())  # started and ready, as in a class
        rows.append(("board", time_reports(count, folder)))
        # A second run's driver would connect anew; here the connection to the actor stays.
        rows.append(("board (warm)", time_reports(count, folder)))
        ray.kill(board)
    finally:
        ray.shutdown()
    return rows


def learner_checkout(root: Path) -> Path:
    folder = root / "katas" / KATA
    folder.mkdir(parents=True)
    (root / "katas" / "__init__.py").write_text("")
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    for name in ("__init__.py", "test_kata.py"):
        shutil.copy(REPO / "katas" / KATA / name, folder / name)
    stub = (REPO / "katas" / KATA / "kata.py").read_text()
    passing = "    return await fetch_greeting.remote(name, delay)"
    (folder / "kata.py").write_text(re.sub(r"^    todo\(.*\)$", passing, stub, flags=re.M))
    return root


def learner_runs(address: str, runs: int, checkout: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    env.update(RAY_ADDRESS=address, DOJO_LEARNER="bench", DOJO_WORKER_PYTHONPATH=str(checkout),
               DOJO_STATE_DIR=str(checkout / ".dojo"),
               DOJO_BOARD_TOKEN_FILE=str(checkout / "token"))  # fmt: skip
    command = [sys.executable, "-m", "pytest", f"katas/{KATA}", "-q", "-p", "no:cacheprovider"]
    times = []
    for _ in range(runs):
        started = time.monotonic()
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, timeout=600)
        times.append(time.monotonic() - started)
        assert done.returncode == 0, done.stdout.decode()[-2000:]
    return statistics.median(times)


def whole_runs(address: str, runs: int, checkout: Path) -> tuple[float, float]:
    """Median learner-run seconds without a board and with one (started by `dojo board`)."""
    without = learner_runs(address, runs, checkout)
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    board = subprocess.Popen(
        [str(Path(sys.executable).with_name("dojo")), "board", "--port", "0",
         "--address", address], env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for line in board.stdout:
            if "http://" in line:
                break
        with_board = learner_runs(address, runs, checkout)
    finally:
        board.terminate()
        board.wait(30)
    return without, with_board


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer reports, no learner runs")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="learner runs each way")
    args = parser.parse_args()
    count = 200 if args.quick else args.reports
    from dojo.cluster.head import LocalHead

    print(f"load average before: {os.getloadavg()}")
    with LocalHead(num_cpus=2) as head, tempfile.TemporaryDirectory() as tmp:
        # The benchmark's own learner: never the user's row or token.
        os.environ.update(DOJO_LEARNER="bench", DOJO_BOARD_TOKEN_FILE=f"{tmp}/token")
        checkout = learner_checkout(Path(tmp) / "checkout")
        rows = in_process(head.address, count, checkout / "katas" / KATA)
        print(f"\nIn a learner's driver, {count} failing-test reports (ms):")
        print(f"{'':12} {'lookup (once)':>14} {'per report':>11} {'wait for all':>13} "
              f"{'wait for one':>13}")  # fmt: skip
        for name, row in rows:
            print(f"{name:12} {row['lookup']:14.2f} {row['per report']:11.3f} "
                  f"{row['final wait']:13.1f} {row['wait for one']:13.2f}")  # fmt: skip
        if not args.quick:
            without, with_board = whole_runs(head.address, args.runs, checkout)
            print(f"\nWhole learner runs of {KATA} (3 reports each), median of {args.runs}:")
            print(f"no board {without:.2f} s, board {with_board:.2f} s "
                  f"(difference {1e3 * (with_board - without):+.0f} ms)")  # fmt: skip
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
