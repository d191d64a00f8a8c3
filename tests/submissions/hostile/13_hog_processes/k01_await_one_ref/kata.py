"""HOSTILE-CLASS attack: start 600 detached processes (above the sandbox's process limit).

Tries: starts `sleep 900` 600 times, each in a new session (a process-group kill misses them);
only if all 600 started does greet answer correctly (then the limit did not hold).
Must happen: the process limit (pids cgroup) stops it: 0 points; none of the processes that
did start outlives this learner's sandbox.
"""

import subprocess
import time

import ray

_started = 0
try:
    for _ in range(600):
        subprocess.Popen(["sleep", "900"], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        _started += 1
except OSError:
    pass
print(f"started {_started} sleeping processes", flush=True)
WON = _started == 600


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    if not WON:
        return "not a greeting"
    return await fetch_greeting.remote(name, delay)

