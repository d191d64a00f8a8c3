"""Leaky: starts work it never stops, then fails half-way through.

What it leaves behind, for the rest of the pytest session:
* a named actor spinning on a CPU core for ever (`Spinner`), and a named actor running an
  asyncio task of its own that never ends (`Idler`), neither of them killed;
* two tasks holding both of the cluster's CPUs for CPU_HOLD seconds, and tasks sleeping for
  ten minutes (each one holds a worker process);
* lookups started for half the items, never awaited, and an asyncio task in the driver.
tests/robustness/check_leaks.py, run last in the same session, finds the actors still alive.
"""

import asyncio
import time

import ray

from solutions.k02_gather_many.kata import lookup

__all__ = ["IDLER", "SPINNER", "Idler", "Spinner", "lookup", "lookup_all"]

SPINNER = "robustness-leaked-spinner"
IDLER = "robustness-leaked-idler"
# Longer than the plugin waits for free CPUs after a test (10 s): the next test starts while
# both CPUs are still held.
CPU_HOLD = 12.0
SLEEP_FOR = 600.0

_leaked: list = []  # never cleared: keeps every handle and ref alive


@ray.remote(num_cpus=0, max_concurrency=2)
class Spinner:
    """A threaded actor: `spin` burns a core on one thread, `spinning_for` answers on the other."""

    def __init__(self):
        self.since: float | None = None

    def spin(self) -> None:
        self.since = time.monotonic()
        while True:
            pass

    def spinning_for(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since


@ray.remote(num_cpus=0)
class Idler:
    """An async actor with a task of its own on its event loop, ticking for ever."""

    def __init__(self):
        self.ticks = 0
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.1)

    async def ticked(self) -> int:
        return self.ticks


@ray.remote(num_cpus=1)
def hold_a_cpu(seconds: float) -> None:
    time.sleep(seconds)


@ray.remote(num_cpus=0)
def sleep_for(seconds: float) -> None:
    time.sleep(seconds)


async def lookup_all(service, items) -> list:
    spinner = Spinner.options(name=SPINNER).remote()
    idler = Idler.options(name=IDLER).remote()
    _leaked.extend([spinner, idler, spinner.spin.remote(), idler.start.remote()])
    _leaked.extend(hold_a_cpu.remote(CPU_HOLD) for _ in range(2))
    _leaked.extend(sleep_for.remote(SLEEP_FOR) for _ in range(3))
    _leaked.append(asyncio.ensure_future(asyncio.sleep(SLEEP_FOR)))  # in the driver's loop
    half = items[: len(items) // 2]
    _leaked.extend(lookup.remote(service, item) for item in half)
    await asyncio.sleep(0.1)
    raise RuntimeError(f"lost my place after starting {len(half)} of {len(items)} lookups")
