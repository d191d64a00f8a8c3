"""Flags for a results a learner's own process may have forged, for the instructor to look at.

A learner's verdict comes from the pytest process that also runs the learner's code (the
katas test that process's event loop), so it cannot be made forge-proof: code that rewrites
pytest's reports, or writes "passed" lines into the event log, can claim any result. The
sandbox keeps such a lie to the liar's own score; these flags make it visible. They never
change points, and they must not cry wolf: the reference solutions, the alternative correct
solutions and the mutants raise none (tests/test_grade_integrity.py scans them all).

* static (`scan`): kata.py reaches for the test machinery (pytest's internals or hooks, the
  grader's plugin, the kata tests or a conftest), patches modules (`sys.modules`, attributes
  of an imported module, builtins), reads the frames of its callers (`inspect.stack`,
  `sys._getframe`, `f_back`, tracing), walks the heap (`gc.get_objects`), or reads its own
  command line (where the event log's path is);
  it also flags code that runs code the scan cannot read (`exec`, `eval`, `compile`,
  `types.FunctionType` on anything but an existing function's code, `marshal`/`pickle`
  loads, hex/base64 decoding, imports and `getattr` on a module by a computed name): a
  forgery hidden in a string;
* dynamic (`too_fast`): a test passed in less than its floor, a fraction of the time the
  correct solutions take on a test that waits on something real (floors.toml, written by
  `measure_floors`: `dojo dev floors`).
"""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterable
from pathlib import Path

FLOORS_FILE = Path(__file__).with_name("floors.toml")
# A floor is this fraction of the fastest correct solution's duration (a forged pass takes a
# few milliseconds, so a low fraction costs nothing and leaves room for a machine faster, or
# less loaded, than the one that measured)...
FLOOR_FRACTION = 0.25
# ...for tests whose correct solutions all take at least this long...
MIN_MEASURED = 0.3
# ...and agree, over every implementation and measuring run, within this ratio (fastest /
# slowest) and this many seconds: then the test's own waiting (a designed delay) sets the
# pace, not the implementation nor the machine's load, and no correct answer can be much
# faster. Tests whose time is Ray's overhead spread widely on a loaded machine: no floor.
MIN_AGREEMENT = 0.75
MAX_SPREAD = 0.5
# A forged pass takes milliseconds: a floor above this would catch nothing more.
FLOOR_CAP = 1.0

# Modules a kata.py has no business importing: (dotted prefix, why).
_FORBIDDEN_MODULES = (
    ("_pytest", "pytest's internals"),
    ("pytest", "the test framework"),
    ("pluggy", "pytest's hook machinery"),
    ("dojo.grade", "the grader"),
    ("dojo.pytest_plugin", "the dojo's pytest plugin"),
    ("conftest", "the tests' configuration"),
    ("ctypes", "raw memory access"),
)
# Names whose use reads or rewrites the machinery around the code: dotted name -> why.
_FORBIDDEN_NAMES = {
    "sys.modules": "reaches into the loaded modules (sys.modules)",
    "sys.meta_path": "changes how modules are imported",
    "sys.path_hooks": "changes how modules are imported",
    "sys.argv": "reads the test process's command line (where the event log is)",
    "sys._getframe": "reads its callers' frames",
    "sys.settrace": "traces the test's own code",
    "sys.setprofile": "traces the test's own code",
    "threading.settrace": "traces the test's own code",
    "threading.setprofile": "traces the test's own code",
    "inspect.stack": "reads its callers' frames",
    "inspect.currentframe": "reads its callers' frames",
    "inspect.getouterframes": "reads its callers' frames",
    "inspect.trace": "reads frames",
    "gc.get_objects": "walks every object on the heap",
    "gc.get_referrers": "walks the heap",
    "gc.get_referents": "walks the heap",
}
# Calls that run, build or load code that is not in the source as code, so that the scan
# cannot see what it does (a forgery hidden in a string): dotted name -> what it does.
_RUNS_CODE = "runs code from a string the scan cannot read"
_DYNAMIC_CODE = {
    "exec": _RUNS_CODE,
    "eval": _RUNS_CODE,
    "compile": "compiles code from a string the scan cannot read",
    "builtins.exec": _RUNS_CODE,
    "builtins.eval": _RUNS_CODE,
    "builtins.compile": "compiles code from a string the scan cannot read",
    "types.FunctionType": "makes a function from a code object (code hidden as data?)",
    "types.LambdaType": "makes a function from a code object (code hidden as data?)",
    "types.CodeType": "builds a code object by hand",
    "marshal.loads": "loads code objects from bytes",
    "marshal.load": "loads code objects from a file",
    "pickle.loads": "unpickling can run any code",
    "pickle.load": "unpickling can run any code",
    "codecs.decode": "decodes data that could be code",
    "bytes.fromhex": "decodes data that could be code",
    "bytearray.fromhex": "decodes data that could be code",
    "binascii.unhexlify": "decodes data that could be code",
    "binascii.a2b_hex": "decodes data that could be code",
    "binascii.a2b_base64": "decodes data that could be code",
}
_IMPORTS_BY_NAME = ("__import__", "importlib.import_module", "builtins.__import__")
_FRAME_ATTRIBUTES = {"f_back", "f_locals", "f_globals"}
_FORBIDDEN_STRINGS = {
    "--grade-log": "names the grader's event log option",
    "/proc/self/cmdline": "reads the test process's command line (where the event log is)",
    "PYTEST_CURRENT_TEST": "reads which test is running",
    "test_kata": "names the kata's test module",
}


def target_root(node: ast.AST) -> ast.Name:
    """The name a dotted expression (`a.b.c`) starts from."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


class _Scanner(ast.NodeVisitor):
    """Collects `line N: what` findings; `aliases` resolves names bound by imports."""

    def __init__(self):
        self.found: list[tuple[int, str]] = []
        self.aliases: dict[str, str] = {}

    def _flag(self, node: ast.AST, what: str) -> None:
        self.found.append((getattr(node, "lineno", 0), what))

    def _check_module(self, node: ast.AST, module: str) -> None:
        for prefix, why in _FORBIDDEN_MODULES:
            if module == prefix or module.startswith(prefix + "."):
                self._flag(node, f"imports {module} ({why})")
                return
        if module.rsplit(".", 1)[-1] in ("test_kata", "conftest"):
            self._flag(node, f"imports {module} (the kata's tests)")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            bound = alias.asname or alias.name.split(".")[0]
            self.aliases[bound] = alias.name if alias.asname else bound

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        flagged = len(self.found)
        if node.level == 0:
            self._check_module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}" if module else alias.name
            if node.level == 0 and alias.name != "*":
                self._check_name(node, full)
                if len(self.found) == flagged:  # `from dojo import grade`
                    self._check_module(node, full)
            self.aliases[alias.asname or alias.name] = full

    def _dotted(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def _check_name(self, node: ast.AST, dotted: str) -> None:
        for name, why in _FORBIDDEN_NAMES.items():
            if dotted == name or dotted.startswith(name + "."):
                self._flag(node, f"uses {name}: {why}")
                return

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _FRAME_ATTRIBUTES:
            self._flag(node, f"reads .{node.attr}: a frame of its callers")
        dotted = self._dotted(node)
        if dotted is None:
            self.generic_visit(node)  # `f().x`, `a[0].x`: look inside
            return
        self._check_name(node, dotted)
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(node.ctx, ast.Store | ast.Del) and root.id in self.aliases:
            self._flag(node, f"assigns {dotted}: patches something it imported")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self._flag(node, "uses __builtins__: patches builtins")
        elif node.id in self.aliases:
            self._check_name(node, self.aliases[node.id])

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name.startswith("pytest_"):
            self._flag(node, f"defines {node.name} (a pytest hook)")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _check_dynamic_code(self, node: ast.Call, callee: str, first: ast.AST | None) -> None:
        why = _DYNAMIC_CODE.get(callee)
        if callee.startswith("base64.") and "decode" in callee.rsplit(".", 1)[-1]:
            why = "decodes data that could be code"
        if why is None:
            return
        if callee.endswith(("FunctionType", "LambdaType")):
            # `FunctionType(f.__code__, globals())` rebinds a function of the source to other
            # globals (the alternatives and mutants do): the code is there to read.
            if isinstance(first, ast.Attribute) and first.attr == "__code__":
                return
        self._flag(node, f"calls {callee}: {why}")

    def _check_getattr(self, node: ast.Call) -> None:
        """`getattr(module, name)` with a name computed at run time reaches an attribute the
        scan cannot see (`getattr(sys, "mod" + "ules")`)."""
        if len(node.args) < 2:
            return
        target, attr = node.args[0], node.args[1]
        if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
            return
        dotted = self._dotted(target)
        if dotted is None or target_root(target).id not in self.aliases:
            return
        if dotted == "solutions" or dotted.startswith("solutions."):
            return  # the pre-check refuses a kata.py importing the reference solutions
        self._flag(
            node,
            f"calls getattr on {dotted} with a computed name: reaches an attribute the "
            "scan cannot see",
        )

    def visit_Call(self, node: ast.Call) -> None:
        callee = self._dotted(node.func)
        first = node.args[0] if node.args else None
        if callee in _IMPORTS_BY_NAME:
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._check_module(node, first.value)
            elif first is not None:
                self._flag(
                    node,
                    f"calls {callee} with a computed name: imports a module the scan cannot see",
                )
        if callee is not None:
            self._check_dynamic_code(node, callee, first)
        if callee == "getattr":
            self._check_getattr(node)
        if callee == "setattr" and first is not None:
            target = self._dotted(first)
            if target and target.split(".")[0] in self.aliases:
                self._flag(node, f"calls setattr on {target}: patches an imported module")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        # A docstring (or any bare string statement) only talks: an honest one may well
        # name test_kata.py.
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for text, why in _FORBIDDEN_STRINGS.items():
                if text in node.value:
                    self._flag(node, f"the text {text!r} {why}")


def scan(source: str) -> list[str]:
    """What in a kata.py reaches for the test machinery: `line N: what`, in line order.
    A source that does not parse yields nothing (the pre-check reports it)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    scanner = _Scanner()
    try:
        scanner.visit(tree)
    except RecursionError:
        return ["the code is nested too deeply to be scanned"]
    seen, lines = set(), []
    for line, what in sorted(scanner.found):
        if (line, what) not in seen:
            seen.add((line, what))
            lines.append(f"line {line}: {what}")
    return lines


# -- floors ------------------------------------------------------------------------------


@functools.cache
def load_floors(path: Path = FLOORS_FILE) -> dict[str, dict[str, float]]:
    """{kata slug: {test name: floor in seconds}}; empty when the file is missing."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {slug: dict(tests) for slug, tests in data.get("floors", {}).items()}


def too_fast(tests: Iterable, floors: dict[str, dict[str, float]] | None = None) -> list[str]:
    """A flag per passed test (a TestOutcome: kata, test, status, duration) that took less
    than its floor. The duration is the test's setup, call and teardown, so it can only
    overstate how fast the learner's code was, never understate it."""
    floors = load_floors() if floors is None else floors
    flags = []
    for test in tests:
        floor = floors.get(test.kata, {}).get(test.test)
        if test.status == "pass" and floor is not None and test.duration < floor:
            flags.append(
                f"{test.kata} · {test.test} passed in {test.duration:.2f} s; correct solutions "
                f"take at least {floor / FLOOR_FRACTION:.2f} s (a forged pass?)"
            )
    return flags


def flags_for(sources: dict[str, str], tests: Iterable) -> list[str]:
    """Every flag of one learner: the static scan of each kata.py text run (by kata slug),
    then the tests that passed too fast."""
    flags = []
    for slug, source in sources.items():
        flags += [f"{slug}/kata.py {finding}" for finding in scan(source)]
    return flags + too_fast(tests)


def floors_from(results: list[dict]) -> dict[str, dict[str, float]]:
    """Floors from `dojo.kata.verify.run_plan` results of correct implementations (solution
    and alternatives, one or more runs): for each test that passed for every one of them,
    took more than MIN_MEASURED and about as long for each (MIN_AGREEMENT, MAX_SPREAD),
    FLOOR_FRACTION of the fastest, at most FLOOR_CAP."""
    durations: dict[tuple[str, str], list[float]] = {}
    failed: set[tuple[str, str]] = set()
    for r in results:
        key = (r["kata"], r["test"])
        if r["outcome"] != "passed":
            failed.add(key)
        elif r["when"] == "call":
            durations.setdefault(key, []).append(float(r["duration"]))
    floors: dict[str, dict[str, float]] = {}
    for (kata, test), measured in sorted(durations.items()):
        fastest, slowest = min(measured), max(measured)
        if (kata, test) in failed or fastest <= MIN_MEASURED:
            continue
        if fastest / slowest < MIN_AGREEMENT or slowest - fastest > MAX_SPREAD:
            continue
        floors.setdefault(kata, {})[test] = round(min(FLOOR_CAP, FLOOR_FRACTION * fastest), 3)
    return floors


def render_floors(floors: dict[str, dict[str, float]]) -> str:
    lines = [
        "# Per-test floors for `dojo grade`'s too-fast flag (dojo/grade/suspicion.py): a test",
        f"# that passes in less is flagged. Each is {FLOOR_FRACTION:.0%} of the fastest correct",
        f"# solution's duration (reference and alternatives, every measuring run), at most "
        f"{FLOOR_CAP} s,",
        f"# kept only where they all take over {MIN_MEASURED} s and agree within "
        f"{MIN_AGREEMENT:.0%} and {MAX_SPREAD} s.",
        "# Generated by `dojo dev floors`; do not edit by hand.",
        "",
    ]
    for slug, tests in sorted(floors.items()):
        lines.append(f"[floors.{slug}]")
        lines += [f"{test} = {floor}" for test, floor in sorted(tests.items())]
        lines.append("")
    return "\n".join(lines)


def measure_floors(katas=None, runs: int = 2, path: Path = FLOORS_FILE) -> dict:
    """Maintainers: run the correct implementations of `katas` (all by default) `runs` times
    and write their floors to `path` (the other katas' floors are kept); return them all.
    The fastest of the runs counts, so a load spike during one run cannot raise a floor."""
    from dojo.kata.catalogue import all_katas
    from dojo.kata.verify import plan_for, run_plan

    katas = list(katas) if katas is not None else all_katas()
    variants = [v for v in plan_for(katas) if v.kind in ("solution", "alternative")]
    results: list[dict] = []
    for _ in range(runs):
        results += run_plan(variants)[0]
    measured = {k.slug for k in katas}
    floors = {slug: t for slug, t in load_floors(path).items() if slug not in measured}
    floors.update(floors_from(results))
    path.write_text(render_floors(floors), encoding="utf-8")
    load_floors.cache_clear()
    return floors
