"""Tools for writing a variant (a mutant or an alternative) as its difference from the
solution and nothing else."""

from types import FunctionType


def rebuilt(func, namespace):
    """A copy of the solution function `func` whose global names are read from `namespace`
    (a variant's `globals()`), so it calls the variant's overrides instead of the solution's.

    The copy keeps everything else of `func`: its defaults (positional and keyword-only), its
    closure, its name, qualified name, docstring, annotations and module attributes.
    """
    code, name = func.__code__, func.__name__
    copy = FunctionType(code, namespace, name, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = None if func.__kwdefaults__ is None else dict(func.__kwdefaults__)
    copy.__qualname__ = func.__qualname__
    copy.__doc__ = func.__doc__
    copy.__annotations__ = dict(func.__annotations__)
    copy.__dict__.update(func.__dict__)
    copy.__module__ = namespace.get("__name__", func.__module__)
    return copy
