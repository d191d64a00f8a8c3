"""Cluster mode: runs reach a separately started `ray start --head` only through RAY_ADDRESS
(as a learner with a cluster would), from a working directory outside the repository, so
workers must get the repo root via runtime_env.

Every kata's suite already runs that way: the self-check's variant plan (tests/test_katas.py,
dojo.kata.verify.run_plan) gives each of its shards a `ray start --head` of its own, reached
through RAY_ADDRESS from outside the repository, so the solutions' and alternatives' checks
are the cluster mode's too. Here: the real crawler on a head, and an unreachable address."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dojo.cluster.head import LocalHead
from dojo.paths import KATAS_DIR, REPO_ROOT
from dojo.web import generate_site, serve_site_in_thread

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]


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


def test_dojo_crawl_runs_on_a_ray_start_head(head, tmp_path):
    """The real crawl (kata 26's reference crawler) on the cluster, against the local server."""
    site, facts = generate_site(pages=30, hosts=2, fanout=3, depth=3, latency=0.005, seed=5)
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    env["RAY_ADDRESS"] = head.address
    report_path = tmp_path / "crawl.json"
    with serve_site_in_thread(site) as served:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("dojo")), "crawl", served.url(facts.start),
             "--depth", "10", "--delay", "0", "--json", str(report_path)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert f"cluster at {head.address}" in " ".join(proc.stdout.split())
    report = json.loads(report_path.read_text())
    fetched = {served.original(u) for u, o in report["urls"].items() if o["kind"] == "fetched"}
    assert set(facts.expected_crawl().pages) <= fetched


def test_an_unreachable_ray_address_fails_fast_with_advice(tmp_path):
    env = {**os.environ, "RAY_ADDRESS": "127.0.0.1:1"}
    proc = _pytest_katas(KATAS_DIR / "k01_await_one_ref", tmp_path, env, timeout=60)
    assert proc.returncode != 0
    assert "Cannot reach the Ray cluster" in proc.stdout + proc.stderr
