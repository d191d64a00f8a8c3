"""One bubblewrap sandbox per learner run, with resource limits, and nothing left behind.

The sandboxed process is the learner's pytest, which starts its own embedded Ray inside.
What the sandbox holds (bwrap 0.8 argv, built by `_bwrap_argv`):

* read-only: system directories (/usr and the /bin, /lib... links, a whitelist of /etc), the
  Python installation and the venv, the grading run's copy of the repository
  (`repo_copy`: katas/ without any kata.py, dojo/, conftest.py, pyproject.toml,
  catalogue.toml) and the learner's staging folder (its kata.py copies);
* read-write: the event log file(s) of this run only, a private size-limited /tmp and
  /dev/shm (tmpfs: Ray's session files and object store), nothing else. solutions/, tests/,
  .git/, the class folder, other learners and the grader's output are not there at all;
* its own PID, network (loopback only), IPC and UTS namespaces, a new session, every
  capability dropped (we run as root: root without capabilities cannot mount, trace, or
  change the machine; /proc/sys is read-only so it cannot write sysctls), and
  --die-with-parent: when bwrap is killed (Jail.kill), so is the sandbox;
* limits: a pids and a memory cgroup per run where the kernel lets us create them (v1
  controllers, or v2 when its controllers are delegated to us), RLIMIT_FSIZE,
  RLIMIT_NOFILE and RLIMIT_CORE=0 set before exec. RLIMIT_NPROC does not bind root, so the
  process count is held by the pids cgroup only.

After each run `Jail.close` kills whatever is still in the cgroups and removes them; the
PID namespace already took every process with it (detached actors, daemons, double forks).
A grader that dies (even by SIGKILL) takes its sandboxes with it: inside each, the command
runs under dojo/grade/lifeline.py, which kills the whole sandbox when a pipe only the grader
holds is closed; the cgroups it leaves are emptied and removed by the next grading run.

Without bubblewrap (macOS), or with DOJO_GRADE_SANDBOX=off, or for a shared cluster in
RAY_ADDRESS (the sandbox's network cannot reach it) the run is UNSANDBOXED: the limits that
the platform offers still apply, and the banner and results say so.
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dojo import paths
from dojo.grade import seccomp
from dojo.grade.lifeline import SIGNALLED

if TYPE_CHECKING:
    from dojo.grade.learner_run import Limits

SWITCH = "DOJO_GRADE_SANDBOX"  # "off": run unsandboxed (comparisons, the benchmark)
OBJECT_STORE_VARIABLE = "DOJO_OBJECT_STORE_MEMORY"  # read by dojo.cluster.ray_runtime
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "dojo-grade-"
PROBE_TIMEOUT = 20.0
# What of /etc a Python + Ray process needs: users and hosts for getpass/socket, the dynamic
# linker's cache, time zone, TLS certificates, MIME types (aiohttp). Not shadow, not ssh.
ETC_FILES = (
    "passwd", "group", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "resolv.conf",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "ssl",
    "ca-certificates", "mime.types", "protocols", "services", "os-release",
)  # fmt: skip
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


# -- can we sandbox? -------------------------------------------------------------------------


def available() -> str | None:
    """None when learner runs can be sandboxed here, else the reason they cannot."""
    if os.environ.get(SWITCH, "").lower() in ("off", "0", "no", "false"):
        return f"turned off by {SWITCH}=off"
    return _probe()


@functools.cache
def _probe() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    argv = ["bwrap", *_namespace_args(), *_system_binds(), "--proc", "/proc", "--dev", "/dev",
            "true"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap could not start a sandbox ({err})"
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip()[:300]
        return f"bubblewrap cannot create namespaces here ({said or f'exit {done.returncode}'})"
    return None


def reason_for(address: str | None) -> str | None:
    """None when this grading run is sandboxed, else why not. A shared cluster (RAY_ADDRESS)
    is outside any sandbox's private network, so grading on one runs unsandboxed."""
    if address:
        return f"RAY_ADDRESS={address} is a shared cluster, which a sandbox cannot reach"
    return available()


@contextlib.contextmanager
def terminate_as_interrupt():
    """While grading, SIGTERM acts as Ctrl-C: the running sandboxes are killed and their
    cgroups removed on the way out (Python's default for SIGTERM runs no cleanup). Only
    the main thread can set a handler; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- the copy of the repository the tests run from ---------------------------------------------


def make_repo_copy(dest: Path, source: Path = paths.REPO_ROOT) -> Path:
    """Copy what `pytest katas/<kata> --impl ...` needs into dest; return dest.

    katas/ with every kata.py as shipped (answers import the given helpers from the stub;
    the repository's own kata.py may be an instructor's worked answer), dojo/, the root
    conftest.py, pyproject.toml (pytest's configuration) and the catalogue in use. Not
    solutions/, not tests/, not .git/. Files are made read-only (the sandbox binds the
    copy read-only anyway; unsandboxed, this at least stops an accidental write)."""
    from dojo.kata.shipped import shipped_stubs

    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    shutil.copytree(source / "dojo", dest / "dojo", ignore=skip)
    shutil.copytree(source / "katas", dest / "katas", ignore=skip)
    for slug, text in shipped_stubs().items():
        if (dest / "katas" / slug).is_dir():
            (dest / "katas" / slug / "kata.py").write_text(text, encoding="utf-8")
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(source / name, dest / name)
    shutil.copy2(paths.CATALOGUE_FILE, dest / "catalogue.toml")
    # Bytecode compiled here from the copied sources (the repository's own __pycache__ is
    # not trusted): every run and Ray worker would otherwise compile the modules again,
    # as nothing inside may write bytecode.
    compileall.compile_dir(dest, quiet=2, workers=1)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return dest


# -- limits -----------------------------------------------------------------------------------


@dataclass
class Cgroup:
    """One run's cgroup(s): `dirs` are the directories made (one per v1 controller, or one
    v2 directory), `held` the limits they enforce (e.g. "processes", "memory")."""

    dirs: list[Path] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    procs_files: list[str] = field(default_factory=list)  # cgroup.procs, written in preexec

    def attach(self) -> None:
        """Move the calling process into the cgroups (runs in the child, before exec)."""
        pid = str(os.getpid()).encode()
        for procs in self.procs_files:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def members(self) -> set[int]:
        found: set[int] = set()
        for folder in self.dirs:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                continue
        return found

    def kill_all(self, patience: float = 5.0) -> None:
        """SIGKILL every process still in the cgroups, until none is left (or patience)."""
        deadline = time.monotonic() + patience
        while (alive := self.members()) and time.monotonic() < deadline:
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            for _ in range(50):  # the kernel frees a cgroup a moment after its last process
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _own_cgroups() -> dict[str, str]:
    """controller -> the grader's own cgroup path ("" for the v2 unified hierarchy)."""
    own: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def _v1_parent(controller: str, own: dict[str, str]) -> Path | None:
    # Nested under the grader's own cgroup, so any limit the grader itself runs under
    # still holds for the learners.
    if controller not in own:
        return None
    parent = CGROUP_ROOT / controller / own[controller].lstrip("/")
    return parent if _writable(parent) and (parent / "cgroup.procs").exists() else None


def _v2_parent(own: dict[str, str]) -> tuple[Path, list[str]] | None:
    base = CGROUP_ROOT if (CGROUP_ROOT / "cgroup.controllers").exists() else None
    if base is None or "" not in own:
        return None
    parent = base / own[""].lstrip("/")
    try:
        delegated = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    usable = [c for c in ("pids", "memory") if c in delegated]
    return (parent, usable) if usable and _writable(parent) else None


def make_cgroup(name: str, limits: Limits) -> Cgroup:
    """The pids and memory cgroup(s) of one run, as far as the kernel lets us make them."""
    own, group = _own_cgroups(), Cgroup()
    settings = {
        "pids": ("processes", {"pids.max": limits.processes}),
        "memory": ("memory", {"memory.limit_in_bytes": limits.memory}),
    }
    v1 = {c: p for c in settings if (p := _v1_parent(c, own)) is not None}
    if v1:
        for controller, parent in v1.items():
            label, values = settings[controller]
            if _make(parent / name, values, group):
                group.held.append(label)
        return group
    v2 = _v2_parent(own)
    if v2:
        parent, usable = v2
        values = {"pids.max": limits.processes, "memory.max": limits.memory}
        wanted = {k: v for k, v in values.items() if k.split(".")[0] in usable}
        if _make(parent / name, wanted, group):
            group.held += [settings[c][0] for c in usable]
    return group


def _make(folder: Path, values: dict[str, int], group: Cgroup) -> bool:
    try:
        folder.mkdir()
    except OSError:
        return False
    group.dirs.append(folder)
    try:
        for file, value in values.items():
            (folder / file).write_text(str(value))
    except OSError:
        return False
    group.procs_files.append(str(folder / "cgroup.procs"))
    return True


def sweep_stale_cgroups() -> None:
    """Empty and remove the cgroups of a grader that was killed (SIGKILL runs no cleanup)."""
    own = _own_cgroups()
    parents = [p for c in ("pids", "memory") if (p := _v1_parent(c, own))]
    if (v2 := _v2_parent(own)) is not None:
        parents.append(v2[0])
    for parent in parents:
        for folder in parent.glob(f"{CGROUP_PREFIX}*"):
            pid = folder.name.removeprefix(CGROUP_PREFIX).split("-")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                # Its grader is gone: whatever is still in it escaped every other cleanup.
                Cgroup(dirs=[folder]).remove()


def _set_rlimits(limits: Limits) -> None:
    """In the child before exec: limits every process of the run inherits."""
    for which, value in (
        (resource.RLIMIT_FSIZE, limits.file_size),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        _, hard = resource.getrlimit(which)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (capped, capped))


# -- what the banner says ----------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


def describe(reason: str | None, limits: Limits) -> str:
    """One line for the terminal: sandboxed or UNSANDBOXED, and the limits that hold."""
    probe = make_cgroup(f"{CGROUP_PREFIX}{os.getpid()}-probe", limits)
    probe.remove()
    held = [
        f"{limits.processes} processes (pids cgroup)" if "processes" in probe.held else None,
        f"{_size(limits.memory)} memory (memory cgroup)" if "memory" in probe.held else None,
        f"files up to {_size(limits.file_size)}",
        f"{limits.open_files} open files",
        "no core dumps",
    ]
    missing = [what for what in ("processes", "memory") if what not in probe.held]
    text = "limits: " + ", ".join(h for h in held if h)
    if missing:
        text += f" (no writable cgroup here: {' and '.join(missing)} not limited)"
    if reason is None:
        return (
            "sandboxed: one bubblewrap sandbox per learner (read-only repository copy, no "
            f"solutions/ or classmates, private /tmp of {_size(limits.tmp_size)}, own PID "
            f"namespace, loopback-only network, own Ray{_filter_note()}); {text}"
        )
    return (
        f"UNSANDBOXED ({reason}): learners' code runs with your permissions and can read, "
        f"change and reach what you can; {text}"
    )


def _filter_note() -> str:
    if seccomp.program() is None:
        return "; no seccomp filter for this architecture: key store and fallocate open"
    return ", no key store or disk reservations"


# -- one run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Isolation:
    """How every learner of one grading run is isolated (chosen once by class_run)."""

    repo_copy: Path  # the read-only copy of the repository the tests run from
    reason: str | None  # None: sandboxed; else why not

    @property
    def sandboxed(self) -> bool:
        return self.reason is None


def _namespace_args() -> list[str]:
    return [
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--hostname", "dojo-sandbox", "--die-with-parent", "--new-session",
        "--cap-drop", "ALL",
    ]  # fmt: skip


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _python_binds() -> list[str]:
    """The Python installation and the venv, read-only at the paths the interpreter knows."""
    args: list[str] = []
    for root in sorted({sys.base_prefix, sys.prefix, sys.exec_prefix}):
        real = os.path.realpath(root)
        if not real.startswith("/usr/"):
            args += ["--ro-bind", real, real]
        if real != root:
            args += ["--symlink", real, root]
    return args


def _bwrap_argv(
    command: list[str],
    *,
    isolation: Isolation,
    staging: Path,
    writable: Iterable[Path],
    env: dict[str, str],
    limits: Limits,
    seccomp_fd: int | None = None,
) -> list[str]:
    argv = ["bwrap", *_namespace_args()]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]  # dojo/grade/seccomp.py: keys, fallocate
    # Mounts apply in order: the private /tmp first, so the binds below stay visible when
    # they live under /tmp themselves (a venv in a clone under /tmp, the grader's temp dir).
    argv += ["--size", str(limits.tmp_size), "--tmpfs", "/tmp"]
    argv += [*_system_binds(), *_python_binds()]
    argv += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev"]
    argv += ["--size", str(limits.shm_size), "--tmpfs", "/dev/shm"]
    repo = str(isolation.repo_copy)
    argv += ["--ro-bind", repo, repo, "--ro-bind", str(staging), str(staging)]
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    # The sandbox's own root (a tmpfs holding the mount points) would take writes too.
    argv += ["--remount-ro", "/", "--chdir", repo, "--clearenv"]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    return [*argv, "--", *command]


def object_store_size(limits: Limits) -> int:
    """Ray's object store is one file in /dev/shm: it must fit the sandbox's tmpfs, and
    RLIMIT_FSIZE (a bigger one made the raylet die creating it, and Ray never started)."""
    return min(limits.shm_size, limits.file_size) // 2


def sandbox_env(extra: dict[str, str], limits: Limits) -> dict[str, str]:
    """The whole environment inside the sandbox: nothing of the grader's but PATH."""
    venv_bin = os.path.join(sys.prefix, "bin")
    return {
        "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DOJO_STATE_DIR": "/tmp/dojo-state",
        OBJECT_STORE_VARIABLE: str(object_store_size(limits)),
        **extra,
    }


class Jail:
    """One run of a command for a learner: sandboxed or not, limited, and cleaned up.

    `start` returns the Popen (stdout and stderr on one pipe); `close` kills whatever is
    left (its process group, and everything in its cgroups) and removes the cgroups."""

    def __init__(
        self,
        name: str,
        isolation: Isolation,
        limits: Limits,
        *,
        staging: Path,
        writable: Iterable[Path] = (),
    ):
        self.isolation, self.limits = isolation, limits
        self.staging, self.writable = staging, list(writable)
        self.cgroup = make_cgroup(f"{CGROUP_PREFIX}{os.getpid()}-{name}", limits)
        self.proc: subprocess.Popen | None = None
        self._lifeline: int | None = None  # the pipe's write end (dojo/grade/lifeline.py)

    def _preexec(self) -> None:
        # Runs in the forked child, before exec. preexec_fn is unsafe with threads only when
        # it needs a lock another thread held at fork (an import, logging): this makes
        # system calls only. Joining the cgroups here, before bwrap starts, means nothing
        # the run forks can be outside them.
        # No death signal tied to the grader here: bwrap killed while it sets the sandbox up
        # leaves its sandboxed child blocked for ever on bwrap's own handshake, before that
        # child ties itself to bwrap (measured: 4 of 60 graders killed right after a start
        # left one). Left alone, bwrap finishes, and the lifeline ends the sandbox (0 of 160).
        self.cgroup.attach()
        _set_rlimits(self.limits)

    def start(self, command: list[str], extra_env: dict[str, str]) -> subprocess.Popen:
        keep: tuple[int, ...] = ()
        if self.isolation.sandboxed:
            env = sandbox_env(extra_env, self.limits)
            read_end, self._lifeline = os.pipe()
            keep = (read_end,)
            filter_fd = seccomp.program_fd()
            if filter_fd is not None:
                keep += (filter_fd,)
            command = [sys.executable, "-m", "dojo.grade.lifeline", str(read_end), "--", *command]
            argv = _bwrap_argv(
                command,
                isolation=self.isolation,
                staging=self.staging,
                writable=self.writable,
                env=env,
                limits=self.limits,
                seccomp_fd=filter_fd,
            )
            spawn_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            argv, spawn_env = command, {**os.environ, **extra_env}
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=self.isolation.repo_copy,
                env=spawn_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # so a kill reaches everything it started
                pass_fds=keep,  # only this child: the pipe is not inherited by default
                preexec_fn=self._preexec,
            )
        finally:
            for fd in keep:
                os.close(fd)
        return self.proc

    def exit_code(self, code: int) -> int:
        """Popen's convention for what the command returned: -N when signal N killed it
        (inside the sandbox, dojo/grade/lifeline.py reports that as 128 + N)."""
        if self.isolation.sandboxed and SIGNALLED < code < SIGNALLED + 65:
            return SIGNALLED - code
        return code

    def kill(self) -> None:
        """Kill the run now: its process group (the sandbox with its PID namespace)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def close(self) -> None:
        self.kill()
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        self.cgroup.remove()
