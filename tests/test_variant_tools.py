"""tests/variant_tools.rebuilt: a solution function rebuilt over a variant's names."""

from tests.variant_tools import rebuilt

SCALE = 2


def _scaled(x, factor=3, *, offset=1):
    """Scale x."""
    return x * factor * SCALE + offset


def _closure(n):
    def inner(x, *, step=n):
        return x + n + step + SCALE

    return inner


def test_the_copy_reads_the_given_globals():
    copy = rebuilt(_scaled, {"SCALE": 10, "__name__": "variant"})
    assert copy(1) == 31
    assert _scaled(1) == 7  # the original is untouched


def test_the_copy_keeps_defaults_keyword_defaults_and_names():
    copy = rebuilt(_scaled, {"SCALE": 1})
    assert copy(2, 5, offset=0) == 10
    assert copy(2) == 7
    assert copy.__defaults__ == (3,)
    assert copy.__kwdefaults__ == {"offset": 1}
    assert copy.__kwdefaults__ is not _scaled.__kwdefaults__
    assert (copy.__name__, copy.__qualname__, copy.__doc__) == ("_scaled", "_scaled", "Scale x.")


def test_the_copy_keeps_the_closure():
    inner = _closure(4)
    copy = rebuilt(inner, {"SCALE": 100})
    assert copy(1) == 1 + 4 + 4 + 100
    assert copy.__qualname__ == inner.__qualname__
    assert copy.__closure__ is inner.__closure__


def test_the_copy_takes_the_variants_module_name():
    assert rebuilt(_scaled, {"__name__": "tests.mutants.x"}).__module__ == "tests.mutants.x"
