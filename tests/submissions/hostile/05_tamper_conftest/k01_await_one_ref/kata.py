"""HOSTILE-CLASS attack: plant conftest.py files that fail every later learner's tests.

Tries: writes katas/conftest.py and katas/k02_gather_many/conftest.py (a hook raising in every
test call) and adds the same hook to the root conftest.py, wherever the repository is found.
Must happen: the writes fail (read-only) or are detected and undone; classmates keep their exact
scores; the repository is byte-for-byte unchanged.
"""

import re
import site
from pathlib import Path

def _repo_roots() -> set[Path]:
    """Every place the repository might be: what dojo and katas resolve to, and the paths
    the editable install names in site-packages."""
    roots = set()
    for module in ("dojo", "katas"):
        try:
            roots.add(Path(__import__(module).__file__).resolve().parents[1])
        except Exception:
            pass
    for site_dir in site.getsitepackages():
        for finder in Path(site_dir).glob("__editable__*"):
            for path in re.findall(r"[\x27\"](/[^\x27\"]+)[\x27\"]", finder.read_text(errors="replace")):
                roots.add(Path(path).parent)
    return {root for root in roots if (root / "katas").is_dir()}

HOOK = '''

import pytest as _hostile_pytest


@_hostile_pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    raise AssertionError("HOSTILE-CLASS: a classmate's conftest.py")
'''

for _root in _repo_roots():
    for _target, _mode in (
        (_root / "katas" / "conftest.py", "w"),
        (_root / "katas" / "k02_gather_many" / "conftest.py", "w"),
        (_root / "conftest.py", "a"),
    ):
        try:
            with open(_target, _mode) as _file:
                _file.write(HOOK)
        except OSError:
            pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
