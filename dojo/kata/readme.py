"""The parts of a kata's README that come from the catalogue: its rules, and where to get hints.

The rules live in catalogue.toml (with the tests that enforce them); the README shows them to
the learner between two markers. `dojo dev readmes` rewrites that section from the catalogue
and the self-check fails when a README is out of date, so the two never disagree.
"""

from __future__ import annotations

import re

from dojo.kata.catalogue import Kata

BEGIN = "<!-- rules: written from catalogue.toml by `dojo dev readmes`; edit them there -->"
END = "<!-- end of rules -->"
HEADING = "## What the tests hold you to"
_SECTION = re.compile(
    rf"{re.escape(HEADING)}\n\n{re.escape(BEGIN)}\n.*?{re.escape(END)}\n", re.DOTALL
)


def rules_section(kata: Kata) -> str:
    """The README section listing the kata's rules, one bullet each, and the hint command."""
    bullets = "".join(f"- {rule.text}\n" for rule in kata.rules)
    stuck = (
        f"\nStuck? `dojo hint {kata.number}` shows a hint; each run shows the next one "
        f"({len(kata.hints)} in all).\n"
    )
    return f"{HEADING}\n\n{BEGIN}\n{bullets}{stuck}{END}\n"


def with_rules(text: str, kata: Kata) -> str:
    """The README text with its rules section written from the catalogue: replaced where it
    is, else placed after the "Your task" section (before the next `## ` heading, or at the
    end)."""
    section = rules_section(kata)
    if _SECTION.search(text):
        return _SECTION.sub(lambda _: section, text, count=1)
    task = text.find("\n## Your task")
    following = text.find("\n## ", task + 1) if task >= 0 else -1
    if following < 0:
        return text.rstrip("\n") + "\n\n" + section
    return text[: following + 1] + section + "\n" + text[following + 1 :]


def stale_readmes(katas: list[Kata]) -> list[str]:
    """The katas whose README's rules section differs from the catalogue."""
    return [
        kata.slug
        for kata in katas
        if kata.readme.exists()
        and with_rules(kata.readme.read_text(encoding="utf-8"), kata)
        != kata.readme.read_text(encoding="utf-8")
    ]


def write_readmes(katas: list[Kata]) -> list[str]:
    """Rewrite every stale README's rules section; return the slugs that changed."""
    changed = stale_readmes(katas)
    for kata in katas:
        if kata.slug in changed:
            text = kata.readme.read_text(encoding="utf-8")
            kata.readme.write_text(with_rules(text, kata), encoding="utf-8")
    return changed
