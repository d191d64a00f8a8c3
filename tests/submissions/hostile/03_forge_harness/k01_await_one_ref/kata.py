"""HOSTILE-CLASS attack: monkeypatch the test harness so that nothing can fail.

Tries: replaces the k01 test module's `fail` and `_check_greeting` (found in sys.modules) and
dojo.harness.heartbeat.Heartbeat.assert_loop_stayed_free with no-ops; greet answers wrongly at once.
Must happen: its own tests may pass only if the grader flags it (sys.modules patching of the
tests / dojo.harness); the patch lives and dies in this learner's own process.
"""

import sys


def _quiet(*args, **kwargs):
    return None


for _name, _module in list(sys.modules.items()):
    if _name.endswith("test_kata") and "k01_await_one_ref" in _name:
        _module.fail = _quiet
        _module._check_greeting = _quiet
try:
    from dojo.harness.heartbeat import Heartbeat

    Heartbeat.assert_loop_stayed_free = _quiet
except ImportError:
    pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
