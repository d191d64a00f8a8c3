"""Integrity of what the kata tests run from, checked before and after every learner.

Before grading, `IntegrityGuard` fingerprints:
* the repository files a learner's pytest loads (`REPO_PATTERNS`: the kata tests, given
  modules and READMEs under katas/, the dojo/ package, every conftest.py, the top-level files
  such as conftest.py, pyproject.toml and catalogue.toml, and top-level packages that could
  shadow an installed one): content hashes, and a pristine copy of each file;
* the virtual environment (sys.prefix): size, mtime_ns and mode of every file (hashing 10,000
  files after every learner would cost seconds; a change of content that keeps size and
  mtime needs a deliberate `os.utime`, which the sandbox's read-only venv rules out anyway);
* any further tree registered with `protect()` (the per-learner read-only copy of the
  repository that the sandbox runs against).

After each learner it looks again. A change marks the learner "tampered", whatever the tests
said, with the list of changed paths; the guard then puts back what it can (changed and
removed repository files from the pristine copy; added files in the repository and added
.pth / sitecustomize / conftest files in the venv are removed) and says what it could not, so
the next learner runs against intact files. Sandboxed, the repository and venv are read-only
and only a protected copy could change; unsandboxed, anything the learner's process can
write can change, and with several learners at once a change cannot be pinned on one: every
learner running in that window is named. A change seen as a learner starts, with nobody
running (a process an earlier learner left behind), is restored and blamed on no one
(`unattributed`, for the grader to print).

Restoring the real repository undoes whatever changed it, an instructor's edit made during
an unsandboxed grading run included: so every file it overwrites or removes there is first
kept under `displaced` (/tmp/dojo-displaced-<time>/, named in the learner's result).

Not covered: `__pycache__` folders (the grader and Ray's workers write bytecode there as they
import, so a change there says nothing; a planted .pyc needs a writable repository, i.e. an
unsandboxed run), and files outside the repository and the venv.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Relative to the repository root; `*` is one path segment, `**` any number of them.
REPO_PATTERNS = (
    # Top-level files that Python or pytest would pick up: conftest.py, pyproject.toml,
    # catalogue.toml, a planted pytest.ini or module. (Not every file: the grader's own
    # summary.csv may be written there.)
    *("*.py", "*.pth", "*.toml", "*.ini", "*.cfg"),
    "*/__init__*",  # a top-level package (the editable install puts the repository on sys.path)
    "katas/**",
    "dojo/**",
    "**/conftest.py",
    "**/pytest.ini",
)
# Files that Python runs at start-up when they appear in site-packages.
_STARTUP_FILES = ("*.pth", "sitecustomize.py", "usercustomize.py")
_SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "node_modules"}


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Does a relative path (its parts) match a pattern (its parts, `**` for any depth)?"""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_matches(parts[i:], rest) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _matches(parts[1:], rest)


def _digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _walk(root: Path, skip: set[Path]) -> Iterator[tuple[str, os.stat_result]]:
    """(relative posix path, lstat) of every file under root. Symlinks are not followed;
    bytecode, hidden top-level folders (.git, .venv, the dojo's state), and `skip` (files or
    folders: the grader's own output) are left out."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if path in skip or entry.name.endswith(".pyc"):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                hidden_top = folder == root and entry.name.startswith(".")
                if entry.name not in _SKIPPED_DIRS and not hidden_top:
                    stack.append(path)
                continue
            yield path.relative_to(root).as_posix(), info


def _signature(path: Path, info: os.stat_result, content: bool) -> tuple:
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if not stat.S_ISREG(info.st_mode):
        return ("special", stat.S_IFMT(info.st_mode))
    if content:
        return ("file", _digest(path), stat.S_IMODE(info.st_mode))
    return ("file", info.st_size, info.st_mtime_ns, stat.S_IMODE(info.st_mode))


@dataclass(frozen=True)
class Fingerprint:
    """What a tree held at one moment: a signature per file, by relative path."""

    root: Path
    files: dict[str, tuple]

    @classmethod
    def take(
        cls,
        root: Path,
        patterns: Iterable[str] = ("**",),
        *,
        content: bool = True,
        skip: Iterable[Path] = (),
    ) -> Fingerprint:
        """Fingerprint the files under `root` that match `patterns`: by content hash (and
        mode), or with `content=False` by size, mtime_ns and mode (fast, for large trees).
        A symbolic link is recorded as a link to its target, never followed."""
        root = Path(root)
        split = [tuple(p.split("/")) for p in patterns]
        files: dict[str, tuple] = {}
        for rel, info in _walk(root, {Path(s) for s in skip}):
            parts = tuple(rel.split("/"))
            if not any(_matches(parts, pattern) for pattern in split):
                continue
            try:
                files[rel] = _signature(root / rel, info, content)
            except OSError as err:  # it went away, or cannot be read: a change all the same
                files[rel] = ("unreadable", str(err))
        return cls(root, files)

    def diff(self, other: Fingerprint) -> tuple[list[str], list[str], list[str]]:
        """(added, removed, changed) relative paths, from this fingerprint to `other`."""
        added = sorted(other.files.keys() - self.files.keys())
        removed = sorted(self.files.keys() - other.files.keys())
        changed = sorted(p for p in self.files.keys() & other.files.keys()
                         if self.files[p] != other.files[p])  # fmt: skip
        return added, removed, changed

    def changes(self, other: Fingerprint) -> list[str]:
        """What differs in `other`, one line per path under this root: `<path> (added)`."""
        added, removed, changed = self.diff(other)
        lines = [(p, "added") for p in added] + [(p, "removed") for p in removed]
        lines += [(p, "changed") for p in changed]
        return [f"{self.root / p} ({what})" for p, what in sorted(lines)]


@dataclass
class Tampering:
    """What changed while a learner ran, and what the guard did about it."""

    changed: list[str] = field(default_factory=list)  # "<path> (added|removed|changed)"
    not_restored: list[str] = field(default_factory=list)  # "<path>: why"
    others_running: list[str] = field(default_factory=list)  # suspects of the same change
    displaced: list[str] = field(default_factory=list)  # "<path> -> <where it is kept>"

    def __bool__(self) -> bool:
        return bool(self.changed)

    def extend(self, other: Tampering) -> None:
        self.changed += other.changed
        self.not_restored += other.not_restored
        self.displaced += other.displaced
        self.others_running = sorted(set(self.others_running) | set(other.others_running))

    def summary(self) -> str:
        """A few lines for the learner's message."""
        text = "files the tests run from changed during this learner's run: " + ", ".join(
            self.changed
        )
        if self.others_running:
            text += (
                f" (other learners were running at the time: {', '.join(self.others_running)}; "
                "grade with --jobs 1 to tell who did it)"
            )
        if self.not_restored:
            text += "; could not be restored: " + ", ".join(self.not_restored)
        if self.displaced:
            text += "; what was undone is kept: " + ", ".join(self.displaced)
        return text


@dataclass
class _Tree:
    """A tree the guard keeps intact: its fingerprint now, and a pristine copy to restore
    from (None: changes are only reported, as in the venv)."""

    root: Path
    patterns: tuple[str, ...]
    content: bool
    skip: tuple[Path, ...]
    pristine: Path | None
    # Learners can write it: a change is theirs, and is undone. (The real repository and
    # venv, when sandboxed, are read-only to learners: a change there is someone else's,
    # an instructor editing, and is reported once, never undone.)
    learners_can_write: bool = True
    # The real repository and venv: what restoring overwrites or removes is kept first.
    keep_displaced: bool = False
    baseline: Fingerprint = field(init=False)

    def __post_init__(self):
        self.baseline = self.take()
        if self.pristine is not None:
            for rel, signature in self.baseline.files.items():
                if signature[0] == "file":
                    target = self.pristine / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(self.root / rel, target)

    def take(self) -> Fingerprint:
        return Fingerprint.take(self.root, self.patterns, content=self.content, skip=self.skip)


class IntegrityGuard:
    """Fingerprints the repository and the venv once, then checks them after each learner.

    Use `with guard.watching(name) as tampering:` around one learner's run; after the block
    `tampering` says what changed (empty when nothing did). Thread-safe: learners graded side
    by side share one guard."""

    def __init__(
        self,
        workdir: Path,
        *,
        repo_root: Path | None = None,
        venv: Path | None = None,
        skip: Iterable[Path] = (),
        learners_can_write: bool = True,
        displaced: Path | None = None,
    ):
        from dojo.paths import REPO_ROOT

        self.workdir = Path(workdir)
        repo_root = Path(repo_root or REPO_ROOT).resolve()
        venv = Path(venv or sys.prefix).resolve()
        # Never fingerprint the venv (it has its own, by metadata) or the grader's output
        # inside the repository walk: the grader writes there between checks.
        skip = (*[Path(s).resolve() for s in skip], venv)
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._pending: dict[str, Tampering] = {}
        self._copies = 0
        # Changes no running learner could have made (sandboxed, or seen between learners):
        # for the grader to print.
        self.unattributed: list[str] = []
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.displaced = displaced or Path(tempfile.gettempdir(), f"dojo-displaced-{stamp}")
        writable = learners_can_write
        self._trees: list[_Tree] = [
            _Tree(repo_root, REPO_PATTERNS, True, skip, self._pristine_dir(), writable, True),
            _Tree(venv, ("**",), False, (), None, writable, True),
        ]

    def _pristine_dir(self) -> Path:
        self._copies += 1
        folder = self.workdir / f"pristine-{self._copies}"
        folder.mkdir(parents=True)
        return folder

    @property
    def repo_root(self) -> Path:
        return self._trees[0].root

    @property
    def venv(self) -> Path:
        return self._trees[1].root

    def protect(self, root: Path, patterns: Iterable[str] = ("**",)) -> None:
        """Also keep `root` intact (e.g. the read-only copy of the repository a sandbox runs
        against), from a pristine copy taken now."""
        with self._lock:
            self._trees.append(_Tree(Path(root), tuple(patterns), True, (), self._pristine_dir()))

    def release(self, root: Path) -> None:
        """Stop watching a tree given to `protect` (it is about to be deleted)."""
        with self._lock:
            gone = [t for t in self._trees if t.root == Path(root) and t.pristine is not None]
            self._trees = [t for t in self._trees if t not in gone]
        for tree in gone:
            shutil.rmtree(tree.pristine, ignore_errors=True)

    @contextlib.contextmanager
    def watching(self, learner: str) -> Iterator[Tampering]:
        """Around one learner's run: on exit, check every tree, restore, and fill the
        Tampering yielded with what this learner (or one running beside it) changed."""
        with self._lock:
            # A change since the last check, before this learner starts, is not its own
            # (a process left behind by an earlier learner, when unsandboxed).
            self._check_locked()
            self._running.add(learner)
        found = Tampering()
        try:
            yield found
        finally:
            with self._lock:
                self._check_locked()
                self._running.discard(learner)
                found.extend(self._pending.pop(learner, Tampering()))

    def check(self) -> Tampering:
        """Check and restore now, blaming nobody (e.g. at the end of grading)."""
        with self._lock:
            return self._check_locked(blame=False)

    def _check_locked(self, blame: bool = True) -> Tampering:
        found = Tampering()
        for tree in self._trees:
            now = tree.take()
            if now.files == tree.baseline.files:
                continue
            if not tree.learners_can_write:
                self.unattributed += tree.baseline.changes(now)
                tree.baseline = now
                continue
            found.changed += tree.baseline.changes(now)
            keep = self.displaced / tree.root.relative_to(tree.root.anchor)
            failed, kept = _restore(tree, now, keep if tree.keep_displaced else None)
            found.not_restored += failed
            found.displaced += kept
            tree.baseline = tree.take()  # what could not be restored is reported once
        if found and blame and not self._running:
            self.unattributed += [f"{line}, while no learner ran" for line in found.changed]
        elif found and blame:
            for name in self._running:
                others = sorted(self._running - {name})
                mine = Tampering(
                    list(found.changed), list(found.not_restored), others, list(found.displaced)
                )
                self._pending.setdefault(name, Tampering()).extend(mine)
        return found


def _keep(path: Path, keep: Path | None, rel: str, kept: list[str]) -> None:
    """Before a restore overwrites or removes `path`: copy it under `keep` (if given)."""
    if keep is None or not os.path.lexists(path):
        return
    target = keep / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target, follow_symlinks=False)
    kept.append(f"{path} -> {target}")


def _restore(tree: _Tree, now: Fingerprint, keep: Path | None) -> tuple[list[str], list[str]]:
    """Put `tree` back as its baseline was, as far as possible, keeping what it overwrites
    or removes under `keep` (if given); return (what could not be restored, what was kept)."""
    added, removed, changed = tree.baseline.diff(now)
    failed: list[str] = []
    kept: list[str] = []
    for rel in added:
        path = tree.root / rel
        name = path.name
        removable = tree.pristine is not None or any(
            fnmatch.fnmatchcase(name, p) for p in (*_STARTUP_FILES, "conftest.py")
        )
        if not removable:
            failed.append(f"{path}: added to the venv; reinstall the venv to be sure")
            continue
        try:
            _keep(path, keep, rel, kept)
            path.unlink()
        except OSError as err:
            failed.append(f"{path}: {err.strerror or err}")
    for rel in removed + changed:
        path = tree.root / rel
        original = tree.baseline.files[rel]
        if tree.pristine is None or original[0] != "file":
            failed.append(f"{path}: no pristine copy; reinstall the venv to be sure")
            continue
        try:
            if _digest(tree.pristine / rel) != original[1]:
                failed.append(f"{path}: its pristine copy was changed too")
                continue
            _keep(path, keep, rel, kept)
            if path.is_symlink() or (path.exists() and not path.is_file()):
                path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tree.pristine / rel, path)
            os.chmod(path, original[2])
        except OSError as err:
            failed.append(f"{path}: {err.strerror or err}")
    return failed, kept
