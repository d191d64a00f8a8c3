"""Cluster mode: the whole solutions suite against a separately started `ray start --head`,
reached only through RAY_ADDRESS (as a learner with a cluster would), from a working
directory outside the repository so workers must get the repo root via runtime_env."""

import os
import re
import subprocess
import sys

import pytest

from dojo.head import LocalHead
from dojo.paths import KATAS_DIR, REPO_ROOT

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]


def _pytest_katas(target, cwd, env, timeout):
    """Run the kata tests on the solutions as a learner would, from outside the repo."""
    config = [
        "-p",
        "no:cacheprovider",
        f"--rootdir={REPO_ROOT}",
        "-c",
        f"{REPO_ROOT}/pyproject.toml",
    ]
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(target), "--solutions", "-q", *config],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def head():
    with LocalHead(num_cpus=2) as running:
        yield running


def test_solutions_pass_on_a_ray_start_head(head, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    env["RAY_ADDRESS"] = head.address
    proc = _pytest_katas(KATAS_DIR, tmp_path, env, timeout=540)
    tail = (proc.stdout + proc.stderr)[-3000:]
    assert proc.returncode == 0, tail
    assert re.search(r"\d+ passed", proc.stdout), tail


def test_an_unreachable_ray_address_fails_fast_with_advice(tmp_path):
    env = {**os.environ, "RAY_ADDRESS": "127.0.0.1:1"}
    proc = _pytest_katas(KATAS_DIR / "k01_await_one_ref", tmp_path, env, timeout=60)
    assert proc.returncode != 0
    assert "Cannot reach the Ray cluster" in proc.stdout + proc.stderr
