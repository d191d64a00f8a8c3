"""The ordered catalogue of katas, derived from the folders under katas/.

A kata is a folder `kNN_slug` holding README.md (title on the first line, track on the
next non-empty line, hints under `## Hints` as `### Hint N` sections), kata.py and
test_kata.py. Its number is NN; the order of the numbers is the learning order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dojo.paths import KATAS_DIR, SOLUTIONS_DIR

_FOLDER = re.compile(r"^k(\d\d)_[a-z0-9_]+$")
_TITLE = re.compile(r"^#\s*Kata\s+\d+\s*·\s*(.+?)\s*$")
_POINTS = re.compile(r"^Points:\s*(\d+)\s*$", re.MULTILINE)


class UnknownKata(LookupError):
    pass


@dataclass(frozen=True)
class Kata:
    number: int
    slug: str
    title: str
    track: str
    points: int

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

    def hints(self) -> list[str]:
        if not self.readme.exists():
            return []
        text = self.readme.read_text(encoding="utf-8")
        _, _, tail = text.partition("\n## Hints")
        tail = re.split(r"\n## ", tail, maxsplit=1)[0]
        return [h.strip() for h in re.split(r"\n### Hint \d+[^\n]*\n", "\n" + tail)[1:]]


def _read(folder: Path) -> Kata:
    number = int(_FOLDER.match(folder.name).group(1))
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title_match = _TITLE.match(lines[0]) if lines else None
    title = title_match.group(1) if title_match else folder.name
    track = lines[1] if len(lines) > 1 and not lines[1].startswith("#") else ""
    points = _POINTS.search("\n".join(lines))
    return Kata(number, folder.name, title, track, int(points.group(1)) if points else 1)


def all_katas(katas_dir: Path = KATAS_DIR) -> list[Kata]:
    folders = [p for p in katas_dir.iterdir() if p.is_dir() and _FOLDER.match(p.name)]
    return sorted((_read(p) for p in folders), key=lambda k: k.number)


def find(key: str | int) -> Kata:
    """A kata by number (`3`, `03`) or folder name (`k03_io_tasks_no_cpus`)."""
    katas = all_katas()
    for kata in katas:
        if str(key) == kata.slug or (str(key).isdigit() and int(key) == kata.number):
            return kata
    known = ", ".join(str(k.number) for k in katas)
    raise UnknownKata(f"no kata {key!r}; the catalogue has {known}")
