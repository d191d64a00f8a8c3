"""HOSTILE-CLASS attack: append a failing test to the repository's kata tests.

Tries: appends `test_zz_sabotage` (always fails) to katas/k01..k03/test_kata.py wherever the
repository is found (dojo/katas imports, the editable install's paths), so every learner graded
after this one fails those katas.
Must happen: the write fails (read-only) or is detected (this learner "tampered") and undone;
classmates keep their exact scores; the repository is byte-for-byte unchanged.
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

SABOTAGE = '''


def test_zz_sabotage():
    raise AssertionError("HOSTILE-CLASS: a classmate appended this test")
'''

for _root in _repo_roots():
    for _tests in _root.glob("katas/k0[123]_*/test_kata.py"):
        try:
            with open(_tests, "a") as _file:
                _file.write(SABOTAGE)
        except OSError:
            pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
