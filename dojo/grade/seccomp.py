"""A seccomp filter for the grading sandbox: the few system calls its namespaces do not fence.

bubblewrap's namespaces leave two doors open to a learner's code (both found by a red team):
* the kernel's key store is per user, not per namespace: `add_key`/`keyctl`/`request_key`
  from inside leave keys in the grader's own keyring, readable by later learners (a hidden
  channel) and outliving the sandbox;
* `fallocate` with FALLOC_FL_KEEP_SIZE reserves disk blocks without growing the file, so the
  file-size limit does not see them: the writable event log could fill the host's disk.

The filter answers those calls with EPERM and lets everything else through (Ray and Python
need no key store, and only ever fallocate to grow a file, which RLIMIT_FSIZE bounds).
It is a classic BPF program, as `bwrap --seccomp FD` wants it: an array of `struct
sock_filter` read from a file descriptor.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little endian)
_NR, _ARCH, _ARG1_LOW = 0, 4, 24

# <linux/audit.h> architecture tokens, and the numbers of the calls on each architecture.
_ARCHES = {
    "x86_64": (0xC000003E, {"add_key": 248, "request_key": 249, "keyctl": 250, "fallocate": 285}),
    "aarch64": (0xC00000B7, {"add_key": 217, "request_key": 218, "keyctl": 219, "fallocate": 47}),
}
_X32_BIT = 0x40000000  # x86_64's x32 ABI numbers its calls from here: not needed, refused
_FALLOC_FL_KEEP_SIZE = 0x01

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW = 0x7FFF0000
_DENY = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture, or None when it is not one we know (the
    sandbox then runs without it, and says so)."""
    known = _ARCHES.get(machine or platform.machine())
    if known is None:
        return None
    arch, nr = known
    # A jump skips that many instructions: ALLOW is at index 10, DENY at 11.
    ops = [
        _op(_LD_W_ABS, _ARCH),  # 0
        _op(_JEQ, arch, 0, 9),  # 1: another ABI (i386 calls on x86_64) -> DENY
        _op(_LD_W_ABS, _NR),  # 2
        _op(_JGE, _X32_BIT, 7, 0),  # 3 -> DENY
        _op(_JEQ, nr["add_key"], 6, 0),  # 4 -> DENY
        _op(_JEQ, nr["request_key"], 5, 0),  # 5 -> DENY
        _op(_JEQ, nr["keyctl"], 4, 0),  # 6 -> DENY
        _op(_JEQ, nr["fallocate"], 0, 2),  # 7: not fallocate -> ALLOW
        _op(_LD_W_ABS, _ARG1_LOW),  # 8: its mode
        _op(_JSET, _FALLOC_FL_KEEP_SIZE, 1, 0),  # 9: KEEP_SIZE -> DENY, else ALLOW
        _op(_RET, _ALLOW),  # 10
        _op(_RET, _DENY),  # 11
    ]
    return b"".join(ops)


def program_fd(machine: str | None = None) -> int | None:
    """A file descriptor holding the filter, at offset 0, for `bwrap --seccomp FD` (the
    caller passes it to the child and closes it); None when there is no filter."""
    code = program(machine)
    if code is None:
        return None
    fd = os.memfd_create("dojo-seccomp", 0)
    os.write(fd, code)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
