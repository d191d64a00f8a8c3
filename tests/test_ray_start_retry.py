"""A Ray start that failed only because the machine was too busy is tried again (Ray gives its
raylet a fixed 30 s to register; a self-check on two cores at a load of 58 ran past it, and a
right answer was graded "error"). Any other failure is raised at once. No Ray is started here:
the starts are stood in for."""

from __future__ import annotations

import pytest
import ray

from dojo.cluster import head as head_module
from dojo.cluster import ray_runtime

BUSY = "Exception: The current node timed out during startup. This could happen because ..."


def test_a_head_start_that_timed_out_is_tried_again_on_a_fresh_port(monkeypatch):
    head = head_module.LocalHead(num_cpus=1)
    tries, ports = [], []

    def start_once(ready_within):
        tries.append(head.temp_dir)
        ports.append(head.port)
        if len(tries) < 2:
            raise RuntimeError(f"ray start --head exited:\n{BUSY}")
        return head

    monkeypatch.setattr(head, "_start_once", start_once)
    try:
        assert head.start() is head
        assert len(tries) == 2 and tries[0] != tries[1] and ports[0] != ports[1]
    finally:
        head.stop()


def test_a_head_start_that_failed_otherwise_is_not_tried_again(monkeypatch):
    head = head_module.LocalHead(num_cpus=1)
    tries = []

    def start_once(ready_within):
        tries.append(1)
        raise RuntimeError("ray start --head exited:\nport already in use")

    monkeypatch.setattr(head, "_start_once", start_once)
    try:
        with pytest.raises(RuntimeError, match="port already in use"):
            head.start()
        assert len(tries) == 1
    finally:
        head.stop()


def test_an_embedded_start_that_timed_out_is_tried_again_and_gives_up_in_the_end(monkeypatch):
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # the session's own Ray aside
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(ray_runtime, "daemon_wanted", lambda: False)
    calls = []

    def busy_init(**kwargs):
        calls.append(kwargs["address"])
        raise Exception(BUSY)

    monkeypatch.setattr(ray, "init", busy_init)
    shutdowns = []  # what a failed start left is cleared (not the session's own Ray here)
    monkeypatch.setattr(ray, "shutdown", lambda: shutdowns.append(1))
    with pytest.raises(Exception, match="timed out during startup"):
        ray_runtime.start_or_connect()
    assert calls == ["local"] * ray_runtime.START_ATTEMPTS
    assert len(shutdowns) == ray_runtime.START_ATTEMPTS - 1
