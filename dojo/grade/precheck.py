"""What the grader checks in a learner's kata.py before running anything.

The file is read by the grader itself, outside any sandbox, so reading it must be safe
whatever it is: a symbolic link (to /etc/passwd, or to the reference solution) is refused,
as is anything but a regular file (a FIFO would block the read forever, /dev/zero never
ends) and a file over MAX_KATA_BYTES. Compiling it must be safe too: a 5,000-term
expression makes compile() raise RecursionError, a NUL byte ValueError (SyntaxError from
Python 3.12); each is the kata's "error", never the grader's crash.

A kata.py that imports the reference solutions (`from solutions.k01_... import *`) is
refused as well: the sandbox hides solutions/, but an unsandboxed run (macOS) would not.
"""

from __future__ import annotations

import ast
import errno
import os
import stat
from pathlib import Path

MAX_KATA_BYTES = 1_000_000  # the largest reference solution is ~10 KB


class Refused(Exception):
    """kata.py cannot be graded; `status` is "error" or "not_attempted"."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def read_kata(source: Path, missing_status: str) -> str:
    """The text of the learner's kata.py; raises Refused when it must not be read or run."""
    folder = source.parent
    if folder.is_symlink():
        raise Refused(
            "error",
            f"{folder} is a symbolic link; hand in the kata folder itself (the link was not "
            "followed, and the kata was not run)",
        )
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise Refused(missing_status, f"not attempted: {source} is missing") from None
    except OSError as err:
        if err.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise Refused(
                "error",
                f"{source}: kata.py is a symbolic link; hand in the file itself (the link was "
                "not followed, and the kata was not run)",
            ) from None
        raise Refused("error", f"{source} cannot be read ({err.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Refused(
                "error",
                f"{source} is not a regular file (it is a {_file_kind(mode)}); hand in kata.py "
                "itself",
            )
        with open(fd, "rb", closefd=False) as f:
            data = f.read(MAX_KATA_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_KATA_BYTES:
        raise Refused(
            "error",
            f"{source} is larger than {MAX_KATA_BYTES // 1000} KB, far beyond any kata's "
            "answer; it was not run",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Refused(
            "error", f"{source} is not UTF-8 text ({err}); the tests could not run"
        ) from None


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISCHR, "device"),
        (stat.S_ISBLK, "device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return kind
    return "special file"


def compile_kata(text: str, source: Path) -> ast.Module:
    """kata.py's syntax tree, once it compiled; raises Refused with the reason it does not."""
    try:
        tree = ast.parse(text, str(source))
        compile(tree, str(source), "exec")
        return tree
    except SyntaxError as err:
        where = f'  File "{err.filename}", line {err.lineno}' if err.lineno else "  File"
        if err.text and len(err.text) <= 300:  # a longer line would drown the message
            where += f"\n    {err.text.rstrip()}\n    {' ' * max((err.offset or 1) - 1, 0)}^"
        raise Refused(
            "error",
            f"{source} does not compile, so the tests could not run:\n"
            f"{where}\nSyntaxError: {err.msg}",
        ) from None
    except (RecursionError, MemoryError):
        raise Refused(
            "error",
            f"{source} does not compile, so the tests could not run: an expression or a "
            "statement is nested too deeply or is too long for Python to compile (such as "
            "thousands of terms in one expression)",
        ) from None
    except Exception as err:  # ValueError (a NUL byte) and whatever compile() may raise
        raise Refused(
            "error",
            f"{source} does not compile, so the tests could not run: {type(err).__name__}: {err}",
        ) from None


def _imported_module(node: ast.AST) -> str | None:
    """The absolute module name `node` imports, if it is an import (or __import__/
    importlib.import_module with a literal name)."""
    if isinstance(node, ast.ImportFrom) and node.level == 0:
        return node.module
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ("__import__", "import_module") and isinstance(node.args[0].value, str):
            return node.args[0].value
    return None


def solution_imports(tree: ast.Module) -> list[str]:
    """`line N: solutions.x` for each place kata.py imports the reference solutions."""
    found = []
    for node in ast.walk(tree):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        names.append(_imported_module(node) or "")
        for name in names:
            if name == "solutions" or name.startswith("solutions."):
                found.append(f"line {node.lineno}: {name}")
    return found


def refuse_solution_imports(tree: ast.Module, source: Path) -> None:
    """Raises Refused when kata.py imports the reference solutions."""
    found = solution_imports(tree)
    if found:
        raise Refused(
            "error",
            f"{source} imports the reference solutions ({'; '.join(found[:5])}): the answer "
            "graded must be your own code, so the kata was not run",
        )
