"""Where things live in the repository."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KATAS_DIR = REPO_ROOT / "katas"
# The ordered list of katas with their titles, points, rules and hints. DOJO_CATALOGUE points
# at another copy (a maintainer's draft, or a test's own catalogue).
CATALOGUE_FILE = Path(os.environ.get("DOJO_CATALOGUE", REPO_ROOT / "catalogue.toml"))
SOLUTIONS_DIR = REPO_ROOT / "solutions"
TESTS_DIR = REPO_ROOT / "tests"
# The learner's progress and hint levels (git-ignored); tests point it elsewhere.
STATE_DIR = Path(os.environ.get("DOJO_STATE_DIR", REPO_ROOT / ".dojo"))
