"""What `dojo board` does (dojo/cli.py only passes its options on)."""

from __future__ import annotations

import asyncio
import os

from rich.console import Console

from dojo.board.server import ActorSource, catalogue_katas, connect, make_app, serve

NO_HEAD = (
    "dojo board needs the room's Ray head. Start one on the facilitator's machine:\n"
    "  RAY_worker_niceness=0 RAY_process_group_cleanup_enabled=false \\\n"
    "      ray start --head --port 6379 --num-cpus N\n"
    "then run `RAY_ADDRESS=127.0.0.1:6379 dojo board` (or pass --address)."
)


def _say_where(console: Console, address: str, host: str):
    def say(url: str) -> None:
        console.print(f"The class board: {url}", style="bold", highlight=False, soft_wrap=True)
        if host in ("0.0.0.0", "::"):
            console.print("  (listening on every interface: use this machine's address)")
        console.print(
            f"  Learners: export RAY_ADDRESS={address}, then run pytest, dojo watch or "
            "dojo rotate as usual.\n  Ctrl-C stops the page; the board's state stays on the "
            "head (start `dojo board` again to see it).",
            highlight=False,
            soft_wrap=True,  # a copied address or URL stays on one line
        )

    return say


def _forget(name: str, console: Console) -> int:
    import ray

    from dojo.board.actor import lookup

    board = lookup()
    if board is None or not ray.get(board.forget.remote(name), timeout=30):
        console.print(f"no row {name!r} on the board.", highlight=False)
        return 1
    console.print(f"row {name!r} removed: its next report claims it again.", highlight=False)
    return 0


def _clear(console: Console) -> int:
    import ray

    from dojo.board.actor import lookup

    board = lookup()
    if board is None:
        console.print("no board runs on this head.")
        return 1
    ray.kill(board)
    console.print("the board is cleared: the next `dojo board` starts an empty one.")
    return 0


def board_command(
    host: str,
    port: int,
    address: str | None,
    console: Console,
    forget: str | None = None,
    clear: bool = False,
) -> int:
    from dojo.cluster.ray_runtime import ClusterUnreachable

    address = address or os.environ.get("RAY_ADDRESS")
    if not address:
        console.print(NO_HEAD, style="red", highlight=False)
        return 2
    try:
        connect(address)
    except ClusterUnreachable as err:
        console.print(str(err), style="red", highlight=False)
        return 1
    import ray

    from dojo.board.actor import get_or_create

    try:
        if forget:
            return _forget(forget, console)
        if clear:
            return _clear(console)
        source = ActorSource(lambda: get_or_create(catalogue_katas()))
        asyncio.run(serve(make_app(source), host, port, _say_where(console, address, host)))
    except KeyboardInterrupt:
        console.print("board stopped; its state stays on the head.")
    finally:
        ray.shutdown()
    return 0
