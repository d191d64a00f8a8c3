"""The stubs exactly as shipped, so `dojo reset N` can restore one without git.

Like rustlings keeps its exercises inside the binary, the package keeps a snapshot of every
katas/<kata>/kata.py. The self-check fails when the snapshot and the stubs drift apart;
maintainers refresh it with `python -m dojo.kata.shipped` after editing a stub.
"""

from __future__ import annotations

import json
from pathlib import Path

from dojo.paths import KATAS_DIR

SNAPSHOT = Path(__file__).with_name("shipped_stubs.json")


def current_stubs(katas_dir: Path = KATAS_DIR) -> dict[str, str]:
    return {
        path.parent.name: path.read_text(encoding="utf-8")
        for path in sorted(katas_dir.glob("k[0-9][0-9]_*/kata.py"))
    }


def shipped_stubs() -> dict[str, str]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def shipped_stub(slug: str) -> str:
    return shipped_stubs()[slug]


def write_snapshot() -> int:
    stubs = current_stubs()
    SNAPSHOT.write_text(json.dumps(stubs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(stubs)


if __name__ == "__main__":
    print(f"snapshot of {write_snapshot()} stubs written to {SNAPSHOT}")


def solve_in_copy(root: Path, slug: str) -> None:
    """In a throwaway copy of the repository at `root`, make katas/<slug>/kata.py the reference
    solution, as a learner who solved the kata would have it (for tests and benchmarks of
    `dojo watch`).

    A solution imports the given code from its stub, so it cannot simply be pasted over the
    stub: the stub as shipped goes next to it as `given_stub.py` and the solution imports
    from there."""
    folder = root / "katas" / slug
    (folder / "given_stub.py").write_text(shipped_stub(slug), encoding="utf-8")
    solution = (root / "solutions" / slug / "kata.py").read_text(encoding="utf-8")
    solution = solution.replace(f"katas.{slug}.kata", f"katas.{slug}.given_stub")
    (folder / "kata.py").write_text(solution, encoding="utf-8")
