"""Where things live in the repository."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KATAS_DIR = REPO_ROOT / "katas"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
TESTS_DIR = REPO_ROOT / "tests"
# The learner's progress and hint levels (git-ignored); tests point it elsewhere.
STATE_DIR = Path(os.environ.get("DOJO_STATE_DIR", REPO_ROOT / ".dojo"))
