"""The support package stands on its own: it never imports a learner's folder or the
solutions, never edits sys.path (the crawler `dojo crawl` runs is its own module), and no
function of it (or of the benchmarks) is longer than a screen."""

import ast

from dojo.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "dojo"


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_the_support_package_never_imports_katas_or_solutions():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPO_ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in ("katas", "solutions")
            ]
    assert offenders == []


def test_the_support_package_never_edits_sys_path():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == [], f"sys.path used at {offenders}"


# A function longer than a screen does several jobs: give each its own name. The docstring
# does not count (it explains; it does not add steps).
MAX_FUNCTION_LINES = 60


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:] or body
    return body[-1].end_lineno - body[0].lineno + 1


def test_no_function_is_longer_than_a_screen():
    offenders = []
    for path in [*_modules(), *sorted((REPO_ROOT / "bench").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = _body_lines(node)
                if lines > MAX_FUNCTION_LINES:
                    where = f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name}"
                    offenders.append(f"{where}: {lines} lines")
    assert offenders == [], f"over {MAX_FUNCTION_LINES} lines: {offenders}"
