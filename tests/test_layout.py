"""The package layout keeps its rules: read from the imports themselves (every `import`, at
module level or inside a function), so the pipeline's order cannot decay silently.

Stages are bpcheck's subpackages; a top-level module (the command line, the plugin, `model`)
is a stage of its own.  A stage may import only the stages listed for it in ALLOWED, which
spells out the pipeline from the bottom up; no module and no stage is in an import cycle."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bpcheck"

COMMAND_LINE = {"cli", "cli_scan", "cli_gradcheck", "__main__", "plugin"}
SYMBOLIC_LIBRARIES = {"sympy", "symengine"}

# Each stage and the stages it may import, from the bottom of the pipeline up.
ALLOWED: dict[str, set[str]] = {
    "version": set(),
    "model": set(),
    "reference": set(),                                   # the NumPy oracle: nothing of bpcheck
    "catalog": {"model", "version"},                      # formulas, claim files, config, caches
    "typeset": {"catalog", "model"},                      # formula text as LaTeX and MathML
    "symbolic": {"catalog", "model"},                     # worlds, derivatives, the zero test
    "numeric": {"symbolic", "reference", "catalog", "model"},
    "notes": {"typeset", "catalog", "model"},             # LaTeX notes -> claims
    "decide": {"numeric", "symbolic", "catalog", "model"},
    "explain": {"decide", "catalog", "model"},            # diagnosis, shrinking
    "mutation": {"explain", "decide", "reference", "catalog", "model"},  # testing the checker
    "report": {"decide", "symbolic", "typeset", "catalog", "model", "version"},
    "gradcheck": {"numeric", "symbolic", "reference", "catalog", "model", "version"},
    "run": {"explain", "decide", "numeric", "reference", "notes", "catalog", "model"},
    "cli_scan": {"notes", "run"},
    "cli_gradcheck": {"gradcheck"},
    "cli": {"cli_scan", "cli_gradcheck", "run", "report", "catalog", "model", "version"},
    "plugin": {"run", "report", "catalog", "model"},
    "__main__": {"cli"},
    "__init__": {"version", "model", "run", "catalog", "decide", "explain", "report"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of bpcheck, and every outside package, that `name` imports anywhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from . import dag` imports the module dag
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    if name == "bpcheck":  # the public API imports its names on first use: _API says from where
        api = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign | ast.Assign)
                   and "_API" in ast.unparse(n.targets[0] if isinstance(n, ast.Assign) else n.target))
        found.update(f"bpcheck.{v}" for v in ast.literal_eval(api).values())
    return {_owner(t, modules) for t in found} - {name}


def _owner(target: str, modules: dict[str, Path]) -> str:
    """The module an import names (`bpcheck.x.y.Name` -> `bpcheck.x.y`), or the outside package."""
    if not target.startswith("bpcheck"):
        return target.split(".")[0]
    while target not in modules:
        target = target.rpartition(".")[0]
    return target


def _stage(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


GRAPH: dict[str, set[str]] = {}


def _graph() -> dict[str, set[str]]:
    if not GRAPH:
        modules = _modules()
        GRAPH.update({m: _imports(m, p, modules) for m, p in modules.items()})
    return GRAPH


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _internal(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: {t for t in ts if t.startswith("bpcheck")} for m, ts in edges.items()}


def _stage_edges() -> dict[str, set[str]]:
    stages: dict[str, set[str]] = defaultdict(set)
    for m, targets in _internal(_graph()).items():
        stages[_stage(m)].update(_stage(t) for t in targets if _stage(t) != _stage(m))
    return stages


def _reach(start: str) -> set[str]:
    """Every module `start` can end up importing, itself included."""
    edges, seen, todo = _graph(), {start}, [start]
    while todo:
        for t in edges.get(todo.pop(), ()):
            if t.startswith("bpcheck") and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def test_the_import_graph_is_read_from_real_imports():
    edges = _graph()
    assert "bpcheck.decide.claim" in edges["bpcheck.run.check"]
    assert "bpcheck.explain.refutation" in edges["bpcheck.run.check"]
    assert "sympy" in edges["bpcheck.symbolic.world"]
    assert "bpcheck.symbolic.dag" in edges["bpcheck.decide.links"]  # `from ..symbolic import dag`
    assert "bpcheck.run.check" in edges["bpcheck.run.runner"]       # imported inside a function
    assert "bpcheck.run.check" in edges["bpcheck"]                  # the lazy public API


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_is_in_an_import_cycle():
    assert _cycles(_internal(_graph())) == []


def test_no_stage_is_in_an_import_cycle():
    assert _cycles(_stage_edges()) == []


def test_every_stage_imports_only_the_stages_below_it():
    stages = _stage_edges()
    assert set(stages) <= set(ALLOWED), f"a stage without rules: {set(stages) - set(ALLOWED)}"
    wrong = {s: sorted(targets - ALLOWED[s]) for s, targets in stages.items()
             if targets - ALLOWED[s]}
    assert wrong == {}, "imports across the pipeline's order (see ALLOWED)"


def _offenders(sources: set[str], forbidden) -> list[tuple[str, str]]:
    return sorted((m, t) for m, targets in _graph().items() if _stage(m) in sources
                  for t in targets if forbidden(t))


def test_deciding_never_imports_explaining_or_anything_above_it():
    above = {"explain", "mutation", "run", "report", "notes", "gradcheck"} | COMMAND_LINE
    assert _offenders({"decide", "numeric", "symbolic", "catalog"},
                      lambda t: t.startswith("bpcheck") and _stage(t) in above) == []


def test_the_library_never_imports_the_command_line():
    library = set(ALLOWED) - COMMAND_LINE - {"__init__"}
    assert _offenders(library, lambda t: t.startswith("bpcheck") and _stage(t) in COMMAND_LINE) == []


def test_the_numpy_reference_imports_nothing_of_bpcheck_and_no_sympy():
    assert _offenders({"reference"}, lambda t: t.startswith("bpcheck") or
                      t in SYMBOLIC_LIBRARIES) == []


@pytest.mark.parametrize("stage", ["catalog", "model", "version", "reference"])
def test_stages_a_warm_run_needs_never_reach_sympy(stage):
    """Loading a catalog, reading the cache and the NumPy reference never import SymPy,
    not even inside a function: nothing they can reach does."""
    modules = [m for m in _graph() if _stage(m) == stage]
    assert modules
    reached = set().union(*(_reach(m) for m in modules))
    symbolic = {m for m in reached if _graph()[m] & SYMBOLIC_LIBRARIES}
    assert symbolic == set()


def test_value_modules_never_import_what_renders_them_back():
    edges = _graph()
    for renderer, values in (("bpcheck.gradcheck.render", "bpcheck.gradcheck.result"),
                             ("bpcheck.gradcheck.html", "bpcheck.gradcheck.result"),
                             ("bpcheck.report.html", "bpcheck.report.write"),
                             ("bpcheck.report.markdown", "bpcheck.report.write")):
        assert values not in _reach(renderer), (renderer, values)
    assert "bpcheck.report.html" not in edges["bpcheck.report.blocks"]


def test_a_few_top_level_modules_over_stage_subpackages_of_modest_modules():
    top = [p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"]
    subpackages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    assert len(top) <= 8, top
    assert len(subpackages) >= 5, subpackages
    assert set(top) | set(subpackages) <= set(ALLOWED) - {"__init__"}
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert long == {}
