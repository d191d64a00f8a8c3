"""HOSTILE-CLASS attack: take 6 GiB of memory (above the sandbox's memory limit).

Tries: fills 6 GiB in 256 MiB blocks (touched, so really resident) while kata.py is imported;
only if all of it was granted does greet answer correctly (then the limit did not hold).
Must happen: the memory limit stops it (MemoryError or the OOM killer): 0 points, grading goes on.
"""

import time

import ray

_BLOCK = 256 << 20
_held = []
try:
    for _ in range(24):
        _held.append(b"\x01" * _BLOCK)
        print(f"holding {len(_held) * _BLOCK >> 20} MiB", flush=True)
except MemoryError:
    pass
WON = len(_held) == 24
_held.clear()


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    if not WON:
        return "not a greeting"
    return await fetch_greeting.remote(name, delay)

