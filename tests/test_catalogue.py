import pytest

from dojo.catalogue import UnknownKata, all_katas, find


def test_catalogue_is_ordered_by_unique_numbers_from_one():
    # Gaps are allowed while a track is being written (katas land one by one, e.g. 20 before
    # 19); the order and uniqueness are what `dojo next` and the README table rely on.
    numbers = [k.number for k in all_katas()]
    assert numbers[0] == 1 and numbers == sorted(set(numbers))


def test_find_by_number_and_by_folder_name():
    first = all_katas()[0]
    assert find(first.number) == first
    assert find(f"{first.number:02d}") == first
    assert find(first.slug) == first


def test_unknown_kata_names_the_known_ones():
    with pytest.raises(UnknownKata, match="the catalogue has 1"):
        find(999)


def test_hints_are_progressive_sections():
    hints = find(1).hints()
    assert len(hints) == 3
    assert all(h and not h.startswith("#") for h in hints)
