"""Start the one Ray runtime a test session uses, or connect to a running one: the cluster in
RAY_ADDRESS, else the checkout's reused head (dojo/cluster/daemon.py), else (another run is
using that head, or DOJO_NO_DAEMON) an embedded runtime of this process's own.

Import this module before anything imports `ray`: Ray 2.60 reads RAY_AUTH_MODE at import
time, and a driver that reaches a token-auth head without it hangs for ~20 s and then fails.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

from dojo.paths import REPO_ROOT

# The embedded runtime is pinned so results never depend on the machine: the katas talk
# about "a 2-CPU cluster" and their proofs are sized for it.
EMBEDDED_CPUS = 2
NAMESPACE = "dojo"
# Read by the raylet when it starts worker processes (ray._private.ray_constants).
WORKER_NICENESS_VARIABLE = "RAY_worker_niceness"
# Read by the raylet (Ray's config RAY_<name>): whether it signals a dead worker's group.
PROCESS_GROUP_CLEANUP_VARIABLE = "RAY_process_group_cleanup_enabled"
# Read by the raylet: how many worker processes it keeps before it stops idle ones.
IDLE_WORKERS_VARIABLE = "RAY_num_workers_soft_limit"
# The most task workers a kata test needs at once (kata 03 runs 8 downloads together).
IDLE_WORKERS_KEPT = 8
# Why this process cannot use the reused head, if it cannot (set by prepare_environment).
_reuse_blocked: str | None = None


class ClusterUnreachable(RuntimeError):
    """RAY_ADDRESS names a cluster we cannot reach (and would otherwise hang on)."""


def _token_available() -> bool:
    if os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH"):
        return True
    return (Path.home() / ".ray" / "auth_token").exists()


def restore_interrupts() -> None:
    """Undo an inherited "ignore SIGINT". A process started in the background by a
    non-interactive shell (`cmd &`, some CI runners) starts with SIGINT ignored, and so does
    every process it starts: the Ray workers too, where ray.cancel relies on raising
    KeyboardInterrupt in the running task, so cancelled tasks ran on (seen in a backgrounded
    self-check: katas 5 and 6 failed for their solutions). With Python's own handler back,
    children start with the default disposition again."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def keep_workers_at_normal_priority(env=os.environ) -> None:
    """Ray starts its workers at nice 15 by default, so every ordinary program on the
    machine (an IDE, a browser, a build) outranks them about 30 to 1. The katas' work is
    all in workers and their proofs wait on it: with both cores busy, warming up 8 workers
    took over 30 s and concurrency proofs timed out. Our workers are IO-bound and few, so
    they run at the same priority as the test process that waits for them. A value the
    user set wins."""
    env.setdefault(WORKER_NICENESS_VARIABLE, "0")


def keep_raylet_off_reused_pids(env=os.environ) -> None:
    """Ray 2.60's raylet starts each worker in a process group of its own and, when the
    worker has gone, sends SIGTERM and 200 ms later SIGKILL to that group's id. By then the
    worker has been reaped and its pid may belong to a new process: on a machine whose
    pid_max is 32768 and that starts thousands of processes and threads (a self-check, a
    graded class), a learner's test run that leads its own group (as every grading and
    watch run does) died from SIGKILL mid-test (seen in CI; reproduced by handing a new
    process a dead worker's pid: SIGTERM or SIGKILL within 1.5 s, 5 times of 5). The
    katas' workers start no processes of their own, so the cleanup buys them nothing. A
    value the user set wins."""
    env.setdefault(PROCESS_GROUP_CLEANUP_VARIABLE, "false")


def keep_idle_workers(env=os.environ) -> None:
    """By default the raylet keeps as many worker processes as it has CPUs (2 here) and stops
    any other once it has been idle for a second; the next test that runs 8 calls at once
    then starts them again (0.6-0.75 s of CPU each, two at a time). One run's tests follow
    each other within a second or two, so most of those starts were the same processes
    again. Workers serve one job only and end with it, so nothing is kept after a run. A
    value the user set wins."""
    env.setdefault(IDLE_WORKERS_VARIABLE, str(IDLE_WORKERS_KEPT))


def prepare_ray_processes(env=os.environ) -> None:
    """The settings every Ray process the dojo starts inherits (a head or an embedded
    runtime)."""
    keep_workers_at_normal_priority(env)
    keep_raylet_off_reused_pids(env)
    keep_idle_workers(env)


def prepare_environment() -> None:
    """Set what must be set before `import ray` (and before Ray starts any process)."""
    restore_interrupts()
    prepare_ray_processes()
    from dojo.cluster import daemon

    global _reuse_blocked
    if daemon.wanted():
        if "RAY_AUTH_MODE" not in os.environ and "ray" in sys.modules:
            # Ray read its auth mode when it was imported: too late to reach the token-auth
            # head, and setting it now would split an embedded runtime (its GCS would want a
            # token its driver never sends). This process keeps to an embedded runtime.
            _reuse_blocked = "ray was imported before the dojo could prepare it"
            return
        # The reused head has Ray's default token auth (an embedded runtime works with it too).
        os.environ.setdefault("RAY_AUTH_MODE", "token")
        return
    if not os.environ.get("RAY_ADDRESS"):
        return
    # A head without auth accepts a driver that sends a token, so sending one whenever a
    # token exists is safe either way; without it a token-auth head makes us hang.
    if "RAY_AUTH_MODE" not in os.environ and _token_available():
        if "ray" in sys.modules:
            logging.getLogger(__name__).warning(
                "ray was imported before dojo could set RAY_AUTH_MODE; connecting may hang"
            )
        os.environ["RAY_AUTH_MODE"] = "token"


def check_reachable(address: str, timeout: float = 3.0) -> None:
    """Fail in seconds, with advice, instead of letting ray.init hang on a dead address."""
    if address in ("auto", "local") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnreachable(f"RAY_ADDRESS={address!r} is not HOST:PORT (e.g. 127.0.0.1:6379).")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as err:
        raise ClusterUnreachable(
            f"Cannot reach the Ray cluster at RAY_ADDRESS={address} ({err}).\n"
            "Start one with `ray start --head --num-cpus 2` (it prints the address), or "
            "unset RAY_ADDRESS to use a private embedded Ray."
        ) from err


def worker_pythonpath(extra: tuple[str, ...] = ()) -> str:
    """Workers import kata modules by reference, so the repo root must reach them too
    (Ray only adds the driver's working directory, and only on the embedded runtime).
    DOJO_WORKER_PYTHONPATH adds more (the grader puts each learner's copy there)."""
    more = [p for p in os.environ.get("DOJO_WORKER_PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join([*more, str(REPO_ROOT), *extra])


# Ray gives its raylet a fixed 30 s to register with the GCS (ray/_private/node.py) and gives
# up with this message. On two cores with a load average of 58 (a self-check, seen on
# 2026-12-07) that happened, and a right answer was graded "error": the start is tried again.
START_TIMED_OUT = "timed out during startup"
START_ATTEMPTS = 3


def start_timed_out(message: str) -> bool:
    """Did a Ray start fail only because the machine was too busy to register its node?"""
    return START_TIMED_OUT in message


def start_or_connect(extra_pythonpath: tuple[str, ...] = ()) -> str:
    """Initialise Ray once for this process. Returns a short description for reports."""
    prepare_environment()
    import ray

    # Token auth stays on; its one-time "auth is enabled" notice is noise in every test run.
    logging.getLogger("ray._private.authentication").setLevel(logging.ERROR)

    if ray.is_initialized():
        return "already initialised"
    runtime_env = {"env_vars": {"PYTHONPATH": worker_pythonpath(extra_pythonpath)}}
    address = os.environ.get("RAY_ADDRESS")
    if address:
        check_reachable(address)
        ray.init(
            address=address,
            namespace=NAMESPACE,
            runtime_env=runtime_env,
            logging_level=logging.WARNING,
        )
        return f"cluster at {address}"
    note = f" ({_reuse_blocked})" if _reuse_blocked else ""
    if daemon_wanted():
        connected, said = _connect_to_reused_head(runtime_env)
        if connected:
            return said
        note = f" ({said})"
    # The grader's sandbox gives Ray a small private /dev/shm and says how much of it the
    # object store may take (Ray's default, 30% of the machine's memory, would not fit).
    store = os.environ.get("DOJO_OBJECT_STORE_MEMORY")
    for attempt in range(START_ATTEMPTS):
        try:
            ray.init(
                # "local" always starts a fresh runtime; plain init() would attach to any
                # head recorded on this machine, even a dead one.
                address="local",
                object_store_memory=int(store) if store else None,
                num_cpus=EMBEDDED_CPUS,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                namespace=NAMESPACE,
                runtime_env=runtime_env,
                logging_level=logging.WARNING,
            )
            break
        except Exception as error:
            if not start_timed_out(str(error)) or attempt + 1 == START_ATTEMPTS:
                raise
            ray.shutdown()  # what the failed start left running
    return f"embedded Ray with {EMBEDDED_CPUS} CPUs{note}"


def daemon_wanted() -> bool:
    from dojo.cluster import daemon

    return daemon.wanted() and _reuse_blocked is None


LEFTOVER_GRACE = 3.0  # seconds an earlier run's workers get to give their CPUs back
_lease = None  # this process's use of the reused head, released by disconnect()


def _connect_to_reused_head(runtime_env: dict) -> tuple[bool, str]:
    """Connect to the checkout's head, started if need be, as a job of its own in a namespace
    of its own. Returns whether it did, and how (a line for the learner) or why not (the
    caller then starts an embedded runtime)."""
    global _lease
    import ray

    from dojo.cluster import daemon

    for attempt in (1, 2):
        try:
            lease = daemon.acquire()
        except daemon.HeadUnavailable as err:
            return False, str(err)
        except OSError as err:  # e.g. a read-only checkout: no record can be kept
            return False, f"the dojo's Ray head cannot be recorded here ({err})"
        if lease is None:
            return False, "another run is using the dojo's Ray head"
        try:
            # Workers the head started with the PYTHONPATH this run needs serve it as they
            # are: no runtime_env, so its first task and each actor skip a fresh worker's
            # environment set-up. Still a job of its own: a worker serves one job only.
            same_path = lease.record.pythonpath == runtime_env["env_vars"]["PYTHONPATH"]
            ray.init(
                address=lease.address,
                namespace=f"{NAMESPACE}-{uuid.uuid4().hex[:12]}",
                runtime_env=None if same_path else runtime_env,
                logging_level=logging.WARNING,
            )
        except Exception as err:  # a head that died between the check and the connection
            lease.release()
            return False, f"could not connect to the dojo's Ray head ({type(err).__name__}: {err})"
        if attempt == 2 or all_cpus_free(within=LEFTOVER_GRACE):
            _lease = lease
            return True, lease.describe()
        # An earlier run left something holding CPUs (a detached actor outlives its job):
        # the katas' proofs count on both, so this run gets a fresh head.
        ray.shutdown()
        daemon.stop()
        lease.release()
    raise AssertionError("unreachable")


def all_cpus_free(within: float) -> bool:
    """Every CPU of the cluster is free, or becomes free within `within` seconds (an earlier
    run's workers give theirs back as they exit)."""
    import ray

    deadline = time.monotonic() + within
    while True:
        total = ray.cluster_resources().get("CPU", 0)
        if ray.available_resources().get("CPU", 0) >= total:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def disconnect() -> None:
    """The end of this process's use of Ray: disconnect (stopping an embedded runtime), and
    let the reused head's idle clock start."""
    global _lease
    import ray

    ray.shutdown()
    if _lease is not None:
        _lease.release()
        _lease = None


def cluster_cpus() -> int:
    import ray

    return int(ray.cluster_resources().get("CPU", 0))


def is_external() -> bool:
    """True when the tests run on a cluster someone else started (RAY_ADDRESS), which other
    people's work may share; not on a private head the dojo started for this run alone
    (DOJO_PRIVATE_HEAD: `dojo watch`, the self-check's shards)."""
    return bool(os.environ.get("RAY_ADDRESS")) and os.environ.get("DOJO_PRIVATE_HEAD") != "1"
