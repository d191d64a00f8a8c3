"""Which folders of a class are learners' checkouts, under which names, and which are skipped.

A checkout is a folder holding `kNN_slug/` kata folders (a copy of katas/), or a folder
holding such a `katas/`; a PATH given to `dojo grade` is a checkout, or a folder of them.

Every folder of a class folder is accounted for: a learner, or skipped with the reason (a
hidden folder, a symbolic link, an empty folder, kata folders nested deeper than expected, no
kata folders at all), so an instructor sees at once whose work was not graded and why.

A learner's name is the folder's name made printable (bytes that are not UTF-8, as left by
many unzip tools, and characters not plainly visible, such as controls, zero-width or bidi
characters, are escaped) and unique (compared without case, as a macOS disk does), since
each learner gets a results folder of that name: folders whose names collide are all
numbered (`-1`, `-2`...), none keeps the bare name, so a look-alike cannot take it. A name
that differs from its folder says why (`Learner.renamed`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dojo.grade.text import printable_name, printable_path

# Names of files the grader writes beside the learners' results folders.
RESERVED_NAMES = ("summary.csv", "skipped.txt")
# How far below a learner's folder kata folders are looked for, to say they are nested.
NESTED_DEPTH = 4
NESTED_VISITS = 2_000  # folders looked at, at most (a node_modules must not stall grading)


class NotACheckout(ValueError):
    """A PATH given to `dojo grade` holds no learner's katas."""


@dataclass(frozen=True)
class Learner:
    name: str
    checkout: Path  # the folder holding kNN_slug/
    folder: Path | None = None  # the learner's own folder (the checkout, or its parent)
    renamed: str = ""  # why `name` is not the folder's name, when it is not


@dataclass(frozen=True)
class Skipped:
    folder: Path
    reason: str

    def __str__(self) -> str:
        return f"{printable_path(self.folder)}: {self.reason}"


@dataclass
class ClassFolders:
    learners: list[Learner] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _is_dir(path: Path) -> bool:
    """A folder, not a symbolic link to one."""
    return path.is_dir() and not path.is_symlink()


def checkout_in(path: Path, slugs: set[str]) -> Path | None:
    """`path` or its `katas/` when it holds kata folders, else None. A `katas/` that is a
    symbolic link is not followed (it could lead to a classmate's folder)."""
    for candidate in (path, path / "katas"):
        if _is_dir(candidate) and any((candidate / slug).is_dir() for slug in slugs):
            return candidate
    return None


def _nested_checkout(folder: Path, slugs: set[str]) -> Path | None:
    """A checkout deeper inside `folder` (breadth first, links not followed), if any."""
    queue, visits = deque([(folder, 0)]), 0
    while queue and visits < NESTED_VISITS:
        current, depth = queue.popleft()
        visits += 1
        try:
            subs = sorted(p for p in current.iterdir() if _is_dir(p))
        except OSError:
            continue
        if depth > 0 and any(p.name in slugs for p in subs):
            return current
        queue.extend((p, depth + 1) for p in subs if depth + 1 <= NESTED_DEPTH)
    return None


def _why_not_a_checkout(folder: Path, slugs: set[str]) -> str:
    if (folder / "katas").is_symlink():
        return "its katas/ is a symbolic link (not followed: hand in the folder itself)"
    if not any(folder.iterdir()):
        return "an empty folder"
    nested = _nested_checkout(folder, slugs)
    if nested is not None:
        where = printable_path(nested.relative_to(folder))
        return (
            f"kata folders are nested deeper, in {where}/ (grade that folder, or move its "
            "kata folders up)"
        )
    return f"no kata folders (such as {min(slugs)}/) in it"


def _survey(path: Path, slugs: set[str], found: list, skipped: list[Skipped]) -> None:
    """Sort the folders of a class folder into checkouts and skipped folders."""
    for sub in sorted(path.iterdir()):
        if sub.is_symlink():
            if sub.is_dir():
                skipped.append(Skipped(sub, "a symbolic link (not followed)"))
            continue
        if not sub.is_dir():
            continue  # a file beside the learners' folders (a README, an archive)
        if sub.name.startswith("."):
            skipped.append(Skipped(sub, "a hidden folder"))
            continue
        try:
            checkout = checkout_in(sub, slugs)
            if checkout is not None:
                found.append((sub.name, sub, checkout))
            else:
                skipped.append(Skipped(sub, _why_not_a_checkout(sub, slugs)))
        except OSError as err:
            skipped.append(Skipped(sub, f"cannot be read ({err.strerror or err})"))


def find_class(paths: Iterable[str | Path], slugs: set[str]) -> ClassFolders:
    """Each PATH is a checkout, or a folder of checkouts (every subfolder that is one)."""
    found: list[tuple[str, Path, Path]] = []  # (folder name, folder, checkout)
    skipped: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise NotACheckout(f"{printable_path(raw)}: no such folder")
        checkout = checkout_in(path, slugs)
        if checkout is not None:
            found.append((path.resolve().name, path, checkout))
            continue
        before, inside = len(skipped), []
        try:
            _survey(path, slugs, inside, skipped)
        except OSError as err:
            raise NotACheckout(f"{printable_path(raw)}: cannot be read ({err})") from None
        if not inside:
            reasons = "".join(f"\n  {s}" for s in skipped[before:][:10])
            raise NotACheckout(
                f"{printable_path(raw)}: not a katas checkout. Expected kata folders such as "
                f"{min(slugs)}/kata.py in it (a copy of katas/), a katas/ folder holding "
                "them, or folders that are such checkouts (one per learner)."
                + (f"\nIts folders:{reasons}" if reasons else "")
            )
        found.extend(inside)
    return ClassFolders(_named(found), skipped)


def _named(found: list[tuple[str, Path, Path]]) -> list[Learner]:
    """Learners with printable names, unique without regard to case (module docstring).

    When names collide, none of them keeps the bare name: each is numbered (`-1`, `-2`...,
    in the order found), so a folder `HONEST` (or `honest` + an invisible character) cannot
    keep the name `honest` and push the real one aside. Names taken by no one else are
    claimed first, so a numbered name never takes a folder's own name."""
    bases = [printable_name(folder_name) for folder_name, _, _ in found]
    sharing: dict[str, int] = {}
    for base in bases:
        sharing[base.casefold()] = sharing.get(base.casefold(), 0) + 1
    reserved = {name.casefold() for name in RESERVED_NAMES}
    taken = set(reserved)
    for base in bases:
        if sharing[base.casefold()] == 1 and base.casefold() not in reserved:
            taken.add(base.casefold())
    learners = []
    for (folder_name, folder, checkout), base in zip(found, bases, strict=True):
        key = base.casefold()
        reasons = []
        if base != folder_name:
            reasons.append("the folder's name is not printable as it is: escaped")
        name = base
        if sharing[key] > 1 or key in reserved:
            if sharing[key] > 1:
                reasons.append(
                    f"{sharing[key]} folders share the name '{base}' (compared without "
                    "case): each is numbered"
                )
            else:
                reasons.append(f"the name '{base}' is already taken: numbered")
            count = 1
            if sharing[key] > 1:
                name = f"{base}-1"
            while name.casefold() in taken:
                count += 1
                name = f"{base}-{count}"
        taken.add(name.casefold())
        learners.append(Learner(name, checkout, folder, "; ".join(reasons)))
    return learners
