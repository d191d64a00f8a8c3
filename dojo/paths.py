"""Where things live in the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KATAS_DIR = REPO_ROOT / "katas"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
TESTS_DIR = REPO_ROOT / "tests"
