"""HOSTILE-CLASS attack: hand in the reference solution by importing it.

Tries: `from solutions.k01_await_one_ref.kata import *` (the grader's pytest ran in the
repository, so solutions/ was importable: full marks).
Must happen: refused (a static check names the import) or fails to import (the sandbox has no
solutions/): 0 points.
"""

from solutions.k01_await_one_ref.kata import *  # noqa: F403
