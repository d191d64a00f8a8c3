"""Lint and format are part of the self-check, so a red style never lands."""

import shutil
import subprocess

import pytest

from dojo.paths import REPO_ROOT

ruff = shutil.which("ruff") or str(REPO_ROOT / ".venv" / "bin" / "ruff")


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]], ids=str)
def test_ruff(args):
    if not shutil.which(ruff):
        pytest.fail("ruff is missing: install the dev extra (pip install -e '.[dev]')")
    proc = subprocess.run([ruff, *args], cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
