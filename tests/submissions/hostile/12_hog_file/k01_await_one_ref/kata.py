"""HOSTILE-CLASS attack: write a 1 GiB file (above the sandbox's file-size limit).

Tries: writes 1 GiB next to its staged kata.py and another in /tmp; only if one was written
whole does greet answer correctly (then the limit did not hold). The files are left behind.
Must happen: the file-size limit (RLIMIT_FSIZE, or the size-limited /tmp) stops it: 0 points,
and nothing is left on disk after grading.
"""

import os
import time
from pathlib import Path

import ray

_CHUNK = b"\x02" * (16 << 20)


def _fill(path: Path) -> bool:
    try:
        with open(path, "wb") as f:
            for _ in range(64):
                f.write(_CHUNK)
            f.flush()
            os.fsync(f.fileno())
        return True
    except OSError:
        return False


WON = any([_fill(Path(__file__).with_name("hostile_big.bin")), _fill(Path("/tmp/hostile_big.bin"))])


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    if not WON:
        return "not a greeting"
    return await fetch_greeting.remote(name, delay)

