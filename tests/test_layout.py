"""The support package stands on its own: it never imports a learner's folder or the
solutions, and never edits sys.path (the crawler `dojo crawl` runs is its own module)."""

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
