"""HOSTILE-CLASS attack: read the reference solution's file and run it, without importing it.

Tries: finds solutions/k01_await_one_ref/kata.py next to wherever dojo/katas resolve (or the
editable install's paths) and exec()s its text: no `import solutions` for a static check.
Must happen: solutions/ is not visible in the sandbox: 0 points.
"""

import re
import site
from pathlib import Path


def _candidates():
    for module in ("dojo", "katas"):
        try:
            yield Path(__import__(module).__file__).resolve().parents[1]
        except Exception:
            pass
    for site_dir in site.getsitepackages():
        for finder in Path(site_dir).glob("__editable__*"):
            for path in re.findall(r"['\"](/[^'\"]+)['\"]", finder.read_text(errors="replace")):
                yield Path(path).parent


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"


for _root in _candidates():
    _solution = _root / "solutions" / "k01_await_one_ref" / "kata.py"
    try:
        _text = _solution.read_text()
    except OSError:
        continue
    exec(compile(_text, str(_solution), "exec"), globals())
    break
