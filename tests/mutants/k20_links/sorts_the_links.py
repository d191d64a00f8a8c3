"""Mutant: the links are deduplicated with sorted(set(...)): each page once, but the
document order (which the README promises, and a breadth-first crawl relies on) is lost."""

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for the order of the links

BREAKS = "each-link-once-in-order"
SAYS = ("order",)


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    return sorted(set(solution.extract_links(html, base_url, allowed_domains)))  # the mistake
