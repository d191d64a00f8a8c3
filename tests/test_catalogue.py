import pytest

from dojo.kata.catalogue import UnknownKata, all_katas, find, problems
from dojo.kata.verify import static_problems


def test_catalogue_is_numbered_one_to_n_without_gaps():
    # `dojo next` and the README table rely on the order; a gap means a kata went missing.
    numbers = [k.number for k in all_katas()]
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_find_by_number_and_by_folder_name():
    first = all_katas()[0]
    assert find(first.number) == first
    assert find(f"{first.number:02d}") == first
    assert find(first.slug) == first


def test_unknown_kata_names_the_known_ones():
    with pytest.raises(UnknownKata, match="the catalogue has 1"):
        find(999)


def test_hints_are_progressive_sections():
    hints = find(1).hints
    assert len(hints) == 3
    assert all(h and not h.startswith("#") for h in hints)


def test_catalogue_matches_the_folders_and_names_real_tests():
    assert problems(all_katas()) == []


def test_every_rule_has_a_mutant_and_every_readme_shows_its_rules():
    # The three-direction run (test_katas.py) then proves each mutant is rejected by its
    # rule's test with the words it names.
    assert static_problems(all_katas()) == []
