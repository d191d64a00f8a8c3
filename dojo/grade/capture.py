"""Read a child's output without letting it fill the grader's memory or the disk.

A learner's pytest may print a gigabyte (it once made the grader peak at 6.4 GB and write a
1.1 GB log). `CappedOutput` drains the pipe in a thread, keeps the first and the last
`keep` bytes and counts what it dropped in between.
"""

from __future__ import annotations

import threading
from typing import BinaryIO

KEEP = 64 * 1024
CHUNK = 64 * 1024
JOIN_PATIENCE = 5.0  # a process outside any sandbox may leave a daemon holding the pipe


class CappedOutput:
    """The head and tail of everything read from `stream`, read by a daemon thread."""

    def __init__(self, stream: BinaryIO, keep: int = KEEP):
        self.keep, self.head, self.tail = keep, bytearray(), bytearray()
        self.dropped = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: BinaryIO) -> None:
        read = getattr(stream, "read1", stream.read)  # read1: whatever is there, at once
        try:
            while chunk := read(CHUNK):
                with self._lock:
                    self._add(chunk)
        except (OSError, ValueError):
            pass  # the pipe was closed under us: what was read is kept
        finally:
            stream.close()

    def _add(self, chunk: bytes) -> None:
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.keep:
            cut = len(self.tail) - self.keep
            self.dropped += cut
            del self.tail[:cut]

    def text(self, patience: float = JOIN_PATIENCE) -> str:
        """What was kept, as text, once the writers are gone (or patience ran out)."""
        self._thread.join(patience)
        with self._lock:
            middle = f"\n[… {self.dropped} bytes of output cut …]\n" if self.dropped else ""
            return (bytes(self.head).decode(errors="replace") + middle
                    + bytes(self.tail).decode(errors="replace"))  # fmt: skip
