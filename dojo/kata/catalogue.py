"""The ordered catalogue of katas, read from catalogue.toml at the repository root.

catalogue.toml is the one source of the katas' order, titles, tracks, points, rules and
hints (rustlings keeps `info.toml`, exercism a track's `config.json`). A kata's number is its
position in the file. `problems()` compares the catalogue with the folders under katas/ and
the tests they hold; the self-check fails on any mismatch.

Examples:
    >>> from dojo.kata.catalogue import all_katas, find
    >>> find(5).slug
    'k05_first_wins'
    >>> len(find(5).hints)
    3
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dojo.paths import CATALOGUE_FILE, KATAS_DIR, SOLUTIONS_DIR

FOLDER = re.compile(r"^k(\d\d)_[a-z0-9_]+$")
RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class UnknownKata(LookupError):
    pass


class CatalogueError(ValueError):
    """catalogue.toml is malformed (a missing field, a wrong type, a duplicate)."""


@dataclass(frozen=True)
class Rule:
    """One promise a kata's README makes, and the test that holds the learner to it.

    Args:
        id: a short kebab-case name, unique within the kata; mutants name it in BREAKS.
        text: the rule as the learner reads it in the README's rules section.
        test: the name of the test function in the kata's test_kata.py that enforces it.
    """

    id: str
    text: str
    test: str


@dataclass(frozen=True)
class Track:
    number: int
    title: str


@dataclass(frozen=True)
class Kata:
    """One kata: where its files are and what the catalogue says of it.

    Args:
        number: its position in the catalogue, from 1.
        slug: its folder's name under katas/ (and solutions/, tests/mutants/...).
        title: the title shown by `dojo list` and the README's first line.
        track: the track it belongs to.
        points: what it is worth when a class is graded.
        per_test: grading gives each passing test its share of the points (catalogue field
            `scoring = "per-test"`); otherwise a kata's points are all or nothing.
        hints: the hints `dojo hint N` shows, one at a time.
        rules: what its tests hold a learner to (see Rule).
    """

    number: int
    slug: str
    title: str
    track: Track
    points: float
    per_test: bool
    hints: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def path(self) -> Path:
        return KATAS_DIR / self.slug

    @property
    def readme(self) -> Path:
        return self.path / "README.md"

    @property
    def stub(self) -> Path:
        return self.path / "kata.py"

    @property
    def tests(self) -> Path:
        return self.path / "test_kata.py"

    @property
    def solution(self) -> Path:
        return SOLUTIONS_DIR / self.slug / "kata.py"

    def test_names(self) -> list[str]:
        """The test functions its test file defines, in file order (read, not imported)."""
        return tests_defined_in(self.tests)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UnknownKata(f"{self.slug} has no rule {rule_id!r}")


def _field(table: dict, name: str, kind: type | tuple[type, ...], where: str):
    if name not in table:
        raise CatalogueError(f"{where}: missing `{name}`")
    value = table[name]
    if not isinstance(value, kind):
        raise CatalogueError(f"{where}: `{name}` must be {kind}, not {type(value).__name__}")
    return value


def _rules(table: dict, where: str) -> tuple[Rule, ...]:
    rules = []
    for i, raw in enumerate(table.get("rule", []), start=1):
        here = f"{where} rule {i}"
        rule = Rule(
            _field(raw, "id", str, here), _field(raw, "text", str, here),
            _field(raw, "test", str, here),
        )  # fmt: skip
        if not RULE_ID.match(rule.id):
            raise CatalogueError(f"{here}: id {rule.id!r} is not kebab-case")
        if rule.id in {r.id for r in rules}:
            raise CatalogueError(f"{here}: id {rule.id!r} is used twice")
        rules.append(rule)
    return tuple(rules)


def _scoring(table: dict, where: str) -> str:
    scoring = table.get("scoring", "all-or-nothing")
    if scoring not in ("all-or-nothing", "per-test"):
        raise CatalogueError(f"{where}: scoring must be 'all-or-nothing' or 'per-test'")
    return scoring


def parse(text: str) -> list[Kata]:
    """The katas described by a catalogue's TOML text, in order."""
    data = tomllib.loads(text)
    tracks = {}
    for raw in data.get("track", []):
        track = Track(_field(raw, "number", int, "track"), _field(raw, "title", str, "track"))
        tracks[track.number] = track
    katas = []
    for number, raw in enumerate(data.get("kata", []), start=1):
        slug = _field(raw, "slug", str, f"kata {number}")
        where = f"kata {number} ({slug})"
        track_number = _field(raw, "track", int, where)
        if track_number not in tracks:
            raise CatalogueError(f"{where}: no [[track]] numbered {track_number}")
        hints = _field(raw, "hints", list, where)
        if not all(isinstance(h, str) for h in hints):
            raise CatalogueError(f"{where}: every hint must be a string")
        katas.append(
            Kata(
                number=number,
                slug=slug,
                title=_field(raw, "title", str, where),
                track=tracks[track_number],
                points=float(_field(raw, "points", int | float, where)),
                per_test=_scoring(raw, where) == "per-test",
                hints=tuple(h.strip() for h in hints),
                rules=_rules(raw, where),
            )
        )
    return katas


@cache
def _load(path: Path, mtime_ns: int) -> tuple[Kata, ...]:
    return tuple(parse(path.read_text(encoding="utf-8")))


def all_katas(path: Path = CATALOGUE_FILE) -> list[Kata]:
    return list(_load(path, path.stat().st_mtime_ns))


def find(key: str | int) -> Kata:
    """A kata by number (`3`, `03`) or folder name (`k03_io_tasks_no_cpus`)."""
    katas = all_katas()
    for kata in katas:
        if str(key) == kata.slug or (str(key).isdigit() and int(key) == kata.number):
            return kata
    known = ", ".join(str(k.number) for k in katas)
    raise UnknownKata(f"no kata {key!r}; the catalogue has {known}")


def tests_defined_in(tests_file: Path) -> list[str]:
    """The names of the test functions a kata's test file defines (read, not imported)."""
    tree = ast.parse(tests_file.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]


def problems(katas: list[Kata], katas_dir: Path = KATAS_DIR) -> list[str]:
    """Where the catalogue and the folders disagree: every kata folder is catalogued once, in
    number order, with its files; every rule names a test that exists."""
    found = []
    folders = sorted(p.name for p in katas_dir.iterdir() if p.is_dir() and FOLDER.match(p.name))
    slugs = [k.slug for k in katas]
    for name in sorted(set(folders) - set(slugs)):
        found.append(f"katas/{name} is not in the catalogue")
    for name in sorted(set(slugs) - set(folders)):
        found.append(f"the catalogue lists {name}, which has no folder under katas/")
    for name in {s for s in slugs if slugs.count(s) > 1}:
        found.append(f"the catalogue lists {name} twice")
    for kata in katas:
        match = FOLDER.match(kata.slug)
        if match is None or int(match.group(1)) != kata.number:
            found.append(f"{kata.slug} is number {kata.number} in the catalogue")
        if not (kata.stub.exists() and kata.tests.exists() and kata.readme.exists()):
            found.append(f"{kata.slug} lacks its README.md, kata.py or test_kata.py")
            continue
        tests = set(kata.test_names())
        for rule in kata.rules:
            if rule.test not in tests:
                found.append(f"{kata.slug} rule {rule.id}: no test named {rule.test}")
    return found
