"""A process of its own that talks to the room's board, so the learner's program never waits
for Ray: `python -m dojo.board.send FILE` sends the outcomes in FILE (a JSON list of reports,
see dojo.board.state; the learner's token is added here) and deletes it. Used for a run that
never connected to Ray (a kata whose tests need none); dojo/board/randori.py uses `connect`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from dojo.cluster import ray_runtime


def connect():
    """Connect to the room's head (RAY_ADDRESS) as a small driver and return the board actor,
    or None when there is no board (or no head)."""
    ray_runtime.prepare_environment()  # before `import ray`: RAY_AUTH_MODE
    import ray

    from dojo.board.actor import NAMESPACE, lookup

    address = os.environ.get("RAY_ADDRESS")
    if not address:
        return None
    try:
        ray_runtime.check_reachable(address)
        ray.init(
            address=address,
            namespace=NAMESPACE,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
    except Exception:  # no head: nothing to tell
        return None
    return lookup()


def main(path: str) -> int:
    file = Path(path)
    try:
        payloads = json.loads(file.read_text())
    finally:
        file.unlink(missing_ok=True)
    board = connect()
    if board is None:
        return 0
    import ray

    from dojo.board.identity import learner_token

    token = learner_token()  # only now: a room without a board leaves no file behind
    ray.get(board.report.remote([{**p, "token": token} for p in payloads]), timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
