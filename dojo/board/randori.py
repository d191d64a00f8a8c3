"""`dojo rotate` on the class board: the driver's timer and the kata's state.

The Watcher (dojo/watch/watcher.py) calls its feed at every turn of its loop with the time to
the next rotation. The feed keeps only what changed (the kata, the driver, the state, the
rotation's due time) and writes it as a JSON line to a helper process, started on first need
(`python -m dojo.board.randori`), which connects to the room's head and forwards each line to
the board actor. The watcher itself never imports Ray or waits for it. When the watcher ends,
the helper reads the end of its input, marks the randori over on the board, and exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from dojo.board.identity import learner_name, learner_token, reporting_off

LOOKUP_EVERY = 5.0  # seconds between two looks for a board that was not there yet
DUE_TIME_SLACK = 1.0  # seconds the rotation's due time may drift before the board is told


class RandoriFeed:
    def __init__(self, learner: str, token: str):
        self.learner = learner
        self.token = token
        self.process: subprocess.Popen | None = None
        self.broken = False
        self._last: tuple | None = None
        self._due = 0.0

    def __call__(self, watcher, seconds_left: float) -> None:
        kata = watcher.kata
        summary = watcher.last.summary() if watcher.last else "checking…"
        # The board names the kata itself: the state is what follows "Kata NN · title: ".
        summary = summary.removeprefix(f"Kata {kata.number:02d} · {kata.title}: ")
        driver = watcher.rotations + 1
        # The due time, not the seconds left, says whether anything changed; it moves by a
        # few milliseconds between two turns, so only a jump of a second or more counts
        # (rounding it to the second instead resent whenever a turn crossed a rounding edge).
        key, due = (kata.slug, driver, summary), time.time() + seconds_left
        if self.broken or (key == self._last and abs(due - self._due) < DUE_TIME_SLACK):
            return
        self._last, self._due = key, due
        self.send(
            {
                "learner": self.learner,
                "token": self.token,
                "kata": kata.slug,
                "driver": driver,
                "seconds_left": round(max(0.0, seconds_left), 1),
                "period": watcher.rotate_every,
                "summary": summary,
                "active": True,
            }
        )

    def send(self, payload: dict) -> None:
        try:
            if self.process is None:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "dojo.board.randori"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    # Ctrl-C in the terminal stops the watcher; the helper then still says
                    # "randori over" once its input ends.
                    start_new_session=True,
                )
            self.process.stdin.write(json.dumps(payload) + "\n")
            self.process.stdin.flush()
        except OSError:  # the helper is gone: the randori goes on without the board
            self.broken = True


def randori_feed() -> RandoriFeed | None:
    """The feed for `dojo rotate`, or None when there is no room (no RAY_ADDRESS)."""
    if not os.environ.get("RAY_ADDRESS") or reporting_off():
        return None
    return RandoriFeed(learner_name(), learner_token())


def main() -> int:
    """The helper: forward each line of stdin to the board; "over" at the end of input."""
    from dojo.board.send import connect

    board = connect()  # first: it prepares the environment before Ray is imported
    import ray

    from dojo.board.actor import lookup

    looked_at, last = time.monotonic(), None
    for line in sys.stdin:
        last = json.loads(line)
        stale = time.monotonic() - looked_at > LOOKUP_EVERY
        if board is None and ray.is_initialized() and stale:
            board, looked_at = lookup(), time.monotonic()  # a board started after the randori
        if board is not None:
            board.randori.remote(last)
    if board is not None and last is not None:
        ray.get(board.randori.remote({**last, "active": False}), timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
