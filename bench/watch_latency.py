"""Warm feedback: save-to-verdict time of `dojo watch` with its Ray head already running.

    .venv/bin/python bench/watch_latency.py                  # kata 20 (pure) and 1, 7 saves
    .venv/bin/python bench/watch_latency.py --kata 9 --saves 5

For each kata, in a throwaway copy of the repository (your katas/ is never touched): start
`dojo watch N --stay`, let the first check pass, then save kata.py again and again, alternating
the reference solution (green) and the shipped stub (red), and time each save until the verdict
line appears. Prints the median and max per kata and colour. The verdict can be no faster than
the kata's own tests (some sleep on purpose to prove overlap): their pytest-reported duration
is printed next to it, and the difference is what the watch adds.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.kata.catalogue import find  # noqa: E402
from dojo.kata.shipped import solve_in_copy  # noqa: E402

VERDICT = re.compile(r"(\d+) of (\d+) tests pass")


def _copy_repo(into: Path) -> Path:
    root = into / "repo"
    for part in ("dojo", "katas", "solutions"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml", "catalogue.toml"):
        shutil.copy(REPO / name, root / name)
    return root


class Lines:
    """The watcher's output, line by line, each with the time it arrived."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put((time.monotonic(), line))

    def verdict(self, green: bool, within: float = 120) -> float:
        """When the next verdict line of that colour arrived ("N of M tests pass")."""
        while True:
            at, line = self.until("tests pass", within=within)
            passed, total = map(int, VERDICT.search(line).groups())
            if (passed == total) == green:
                return at

    def until(self, *needles: str, within: float = 120) -> tuple[float, str]:
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, line = self.queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if any(n in line for n in needles):
                return at, line
        tail = "".join(self.seen[-15:])
        raise TimeoutError(f"none of {needles} within {within:.0f} s; the watcher said:\n{tail}")


def _own_test_time(root: Path, slug: str) -> float:
    """How long the kata's tests take by themselves (pytest's own duration, Ray start not
    counted): the floor under any verdict."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", f"katas/{slug}", "--solutions", "-q", "--durations=0",
         "-p", "no:cacheprovider"],
        cwd=root, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    total = 0.0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith("s") and parts[1] in ("call", "setup"):
            try:
                total += float(parts[0][:-1])
            except ValueError:
                pass
    return total


def measure(number: int, saves: int) -> dict[str, object]:
    kata = find(number)
    with tempfile.TemporaryDirectory(prefix="dojo-watch-bench-") as tmp:
        root = _copy_repo(Path(tmp))
        stub_path = root / "katas" / kata.slug / "kata.py"
        shipped = stub_path.read_text()
        solve_in_copy(root, kata.slug)
        solved = stub_path.read_text()
        stub_path.write_text(solved)
        env = {**os.environ, "PYTHONPATH": str(root), "DOJO_STATE_DIR": str(Path(tmp) / "state")}
        env.pop("RAY_ADDRESS", None)
        proc = subprocess.Popen(
            [sys.executable, "-c", "from dojo.cli import main; main()", "watch", str(number),
             "--stay"],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        lines = Lines(proc.stdout)
        green, red = [], []
        try:
            lines.verdict(green=True, within=300)  # the first check, cold
            for i in range(saves * 2):
                to_green = i % 2 == 1
                time.sleep(1.2)  # a new mtime second, like a person's next save
                saved = time.monotonic()
                stub_path.write_text(solved if to_green else shipped)
                at = lines.verdict(green=to_green, within=300)
                (green if to_green else red).append(at - saved)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        own = _own_test_time(root, kata.slug)
    return {"kata": kata.slug, "green": green, "red": red, "own": own}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kata", action="append", type=int, default=[], help="kata number")
    parser.add_argument("--saves", type=int, default=7, help="green saves (as many red ones)")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    print(f"{'kata':32} {'green median':>12} {'max':>6} {'red median':>11} {'own tests':>10}")
    for number in args.kata or [20, 1]:
        m = measure(number, args.saves)
        print(
            f"{m['kata']:32} {statistics.median(m['green']):11.2f}s {max(m['green']):5.2f}s "
            f"{statistics.median(m['red']):10.2f}s {m['own']:9.2f}s",
            flush=True,
        )
    print(
        "green = save of a correct kata.py to its 'M of M tests pass' line; red = save of the "
        "stub to its '0 of M' line; own tests = the kata's test time under pytest."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
