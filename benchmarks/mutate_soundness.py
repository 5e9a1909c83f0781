"""Mutation testing of bpcheck's own soundness-critical code (issue 16).

Each mutant changes one operator, comparison, boolean, constant or return value inside
one target function (the zero test, the numeric comparison, verdict combination, the
expectation rule, the cache lookup), and the target's fast tests run against it in a
scratch copy of the tree, with a time limit.  A mutant is *killed* when a test fails (or
the run times out), and *survives* when every test passes: each survivor is printed with
file:line and the change, unless it is listed in EQUIVALENT with the reason it cannot
change any verdict.

    python benchmarks/mutate_soundness.py                 # every target, 2 workers
    python benchmarks/mutate_soundness.py -k zero_test    # targets whose file matches
    python benchmarks/mutate_soundness.py --targets t.json --jobs 2 --list

The targets are data (TARGETS below, or a JSON file of the same shape), so the script
can be re-run after the targeted files change.  A self-written AST mutator, not mutmut:
it mutates only the named functions (mutmut 3 mutates whole files) and needs nothing
beyond the standard library and pytest.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

VERDICT_TESTS = ["tests/test_verdict_rule.py", "tests/test_verify.py"]
TARGETS = [  # file, functions ("Class.method" for a method), fast tests that guard them
    {"file": "bpcheck/symbolic/zero_test.py",
     "functions": ["decide", "is_zero_rational", "_symengine_zero", "_stage_atoms",
                   "_stage_exp", "_has_undecided", "same_shape"],
     "tests": VERDICT_TESTS + ["tests/test_engine.py"]},
    {"file": "bpcheck/numeric/compare.py",
     "functions": ["Screen.agree", "Screen.compare", "Screen.agrees", "Screen.judge",
                   "_errors", "summarize", "_summary", "compare"],
     "tests": VERDICT_TESTS + ["tests/test_diagnose.py", "tests/test_quickeval.py"]},
    {"file": "bpcheck/decide/claim.py", "functions": ["_combine", "verify_claim"],
     "tests": VERDICT_TESTS},
    {"file": "bpcheck/decide/links.py", "functions": ["_check_case", "_check_link"],
     "tests": VERDICT_TESTS + ["tests/test_diagnose.py"]},
    {"file": "bpcheck/model.py", "functions": ["expected_ok"],
     "tests": ["tests/test_verdict_rule.py"]},
    {"file": "bpcheck/catalog/results_cache.py",
     "functions": ["ResultCache.lookup", "cacheable"],
     "tests": ["tests/test_cache.py", "tests/test_verdict_rule.py"]},
]

# Survivors that cannot change any verdict: (function, original expression) -> why, for
# every mutation of that expression (each was seen to survive and then read).
_TEXT = "only the wording of a step or reason (the verdict kind and links are unchanged)"
_ENDS = "only which chains get `ends_agree` computed; a refuted chain's is tested"
_OK = "a placeholder: verify_claim overwrites `ok` with expected_ok(...)"
_TIME = "only the seconds reported"
_RESCUE = ("a weaker zero test: this stage no longer proves, a later stage (simplify) or "
           "symengine's own test still does; never a false proof")
_FALLBACK = ("the shared-points screen cannot tell or says 'differ': the full comparison "
             "decides instead (cost only)")
_EVIDENCE = "only the evidence or counterexample shown, not whether the sides agree"
_EDGE = "differs only where the error equals the tolerance exactly"
_KINK_SCREEN = ("the screen also looks at kink points: its agreement still needs the proof, "
                "its disagreement is decided again by the full comparison off the kinks")
_REPAIR_SCREEN = ("the explaining stage's quick screen (repairs, smaller widths): a repair it "
                  "lets through is still decided in full; the verdict never rests on it")
EQUIVALENT: dict[tuple[str, str], str] = {
    ("_combine", "len(links) > 1"): _TEXT, ("_combine", "1"): _TEXT,
    ("_combine", "first is not None and len(claim.sides) > 2"): _ENDS,
    ("_combine", "first is not None"): _ENDS, ("_combine", "len(claim.sides) > 2"): _ENDS,
    ("_combine", "2"): _ENDS, ("_combine", "False"): _OK,
    ("verify_claim", "False"): _OK, ("verify_claim", "4"): _TIME,
    ("verify_claim", "time.perf_counter() - start"): _TIME,
    ("_check_link", "len(all_cases) > 1"): _TEXT, ("_check_link", "1"): _TEXT,
    ("_check_link", "len(group) > 1"): "a single target class decided with a free target "
                                       "y first, then class by class as before",
    ("_check_link", "done is not None and not isinstance(done, LinkResult)"):
        "a free-target case that fails falls through to the class-by-class check",
    ("_check_link", "done is not None"): "as above: the class-by-class check decides",
    ("_check_link", "not isinstance(done, LinkResult)"): "as above",
    ("_check_link", "0"): _TEXT,
    ("_check_link", 'proof_steps or done[0] + ( Step("targets", "proved for every target y, '
                    'so for each one-hot class"),)'): _TEXT,
    ("_check_link", 'done[0] + ( Step("targets", "proved for every target y, so for each '
                    'one-hot class"),)'): _TEXT,
    ("_check_case", "max(1, options.points // 2)"): _FALLBACK, ("_check_case", "2"): _FALLBACK,
    ("_check_case", "1"): _FALLBACK,
    ("decide", "len(pairs) == 1"): _TEXT, ("decide", "1"): _TEXT,
    ("decide", "len(regions) > 1"): _TEXT,
    ("is_zero_rational", "0"): _RESCUE, ("_stage_atoms", "0"): _RESCUE,
    ("_stage_exp", "0"): _RESCUE, ("_stage_exp", "1"): _RESCUE, ("_stage_exp", "2"): _RESCUE,
    ("_stage_exp", "(Exp(2 * a.args[0]) - 1) / (Exp(2 * a.args[0]) + 1)"): _RESCUE,
    ("_stage_exp", "Exp(2 * a.args[0]) - 1"): _RESCUE,
    ("_stage_exp", "Exp(2 * a.args[0]) + 1"): _RESCUE, ("_stage_exp", "2 * a.args[0]"): _RESCUE,
    ("Screen.agree", "found is None"): _FALLBACK, ("Screen.compare", "vals is None"): _FALLBACK,
    ("Screen.compare", "1"): _FALLBACK, ("Screen.judge", "1"): _FALLBACK,
    ("Screen.judge", "0"): _FALLBACK,
    ("Screen.judge", "a.shape[0] < max(min_points, 1)"): _FALLBACK,
    ("Screen.judge", "max(min_points, 1)"): _FALLBACK,
    ("Screen.judge", "not (np.isfinite(a) & np.isfinite(b)).all(axis=1).any()"): _FALLBACK,
    ("Screen.compare", "kinks and kv is None"): _FALLBACK,
    ("Screen.compare", "kv is None"): _KINK_SCREEN, ("Screen.compare", "kv is not None"): _KINK_SCREEN,
    ("Screen.compare", "np.abs(kv) >= KINK_MARGIN"): _KINK_SCREEN,
    ("Screen.agrees", "not finite.all(axis=1).any()"): _REPAIR_SCREEN,
    ("Screen.agrees", "1"): _REPAIR_SCREEN,
    ("Screen.agrees", "np.abs(a - b) > atol + rtol * np.maximum(np.abs(a), np.abs(b))"): _EDGE,
    ("Screen.agrees", "rtol * np.maximum(np.abs(a), np.abs(b))"): _REPAIR_SCREEN,
    ("_errors", "err > atol + rtol * scale"): _EDGE,
    ("_summary", "finite_rows == a.shape[0]"): _EVIDENCE, ("_summary", "0"): _EVIDENCE,
    ("_summary", "1"): _EVIDENCE, ("_summary", "err > atol"): _EVIDENCE,
    ("_errors", "err / np.maximum(scale, 1e-300)"): _EVIDENCE, ("_errors", "1e-300"): _EVIDENCE,
    ("compare", "rel[0] + err[0]"): _EVIDENCE, ("compare", "rel + err"): _EVIDENCE,
    ("compare", "1"): _EVIDENCE, ("compare", "False"): _EVIDENCE,
}


@dataclass(frozen=True)
class Mutant:
    file: str
    function: str
    line: int
    original: str
    mutated: str
    start: tuple[int, int]  # (line, col) of the replaced source segment
    end: tuple[int, int]

    def where(self) -> str:
        return f"{self.file}:{self.line} ({self.function})"


# ---- the mutation operators ---------------------------------------------------------

_SWAP_OPS = {ast.And: ast.Or, ast.Or: ast.And, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
             ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
             ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
             ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_FLIP_CMP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}
_CALLS = {"all": "any", "any": "all", "max": "min", "min": "max"}


def _variants(node: ast.AST) -> list[ast.AST]:
    """The one-step mutations of one expression node (each a fresh node)."""
    out: list[ast.AST] = []

    def copy() -> ast.AST:
        return ast.parse(ast.unparse(node), mode="eval").body

    if isinstance(node, ast.BoolOp):
        new = copy()
        new.op = _SWAP_OPS[type(node.op)]()
        out.append(new)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for table in (_SWAP_OPS, _FLIP_CMP):
            if type(node.ops[0]) in table:
                new = copy()
                new.ops = [table[type(node.ops[0])]()]
                out.append(new)
    elif isinstance(node, ast.BinOp) and type(node.op) in _SWAP_OPS:
        new = copy()
        new.op = _SWAP_OPS[type(node.op)]()
        out.append(new)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _CALLS:
        new = copy()
        new.func.id = _CALLS[node.func.id]
        out.append(new)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(copy().operand)
    elif isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
        v = node.value
        if isinstance(v, bool):
            out.append(ast.Constant(not v))
        elif isinstance(v, int):
            out.append(ast.Constant(v + 1))
            out.append(ast.Constant(0 if v else 1))
        else:
            out.append(ast.Constant(v * 10 if v else 1.0))
            out.append(ast.Constant(0.0 if v else 1.0))
    return out


def _negated(node: ast.AST) -> list[ast.AST]:
    """A returned condition negated (a return-value flip)."""
    if isinstance(node, (ast.Compare, ast.BoolOp, ast.Name, ast.Attribute)):
        return [ast.UnaryOp(ast.Not(), ast.parse(ast.unparse(node), mode="eval").body)]
    return []


def _find(tree: ast.Module, dotted: str) -> ast.FunctionDef:
    body: list[ast.stmt] = tree.body
    node = None
    for part in dotted.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise KeyError(f"no function {dotted}")
        body = node.body
    return node


def mutants_of(root: Path, file: str, functions: list[str]) -> list[Mutant]:
    source = (root / file).read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    found: list[Mutant] = []
    for name in functions:
        fn = _find(tree, name)
        doc = fn.body[0].value if fn.body and isinstance(fn.body[0], ast.Expr) else None
        # defaults are skipped: every caller that decides a verdict passes them
        skip = {id(d) for n in ast.walk(fn.args) for d in ast.walk(n)}
        for node in ast.walk(fn):
            if node is doc or id(node) in skip or isinstance(parents.get(node), (
                    ast.JoinedStr, ast.FormattedValue, ast.Subscript)):
                continue
            if not hasattr(node, "end_col_offset") or isinstance(node, ast.stmt):
                continue
            variants = _variants(node)
            if isinstance(parents.get(node), ast.Return):
                variants += _negated(node)
            original = ast.get_source_segment(source, node) or ast.unparse(node)
            seen = set()
            for new in variants:
                if ast.unparse(new) in seen:
                    continue
                seen.add(ast.unparse(new))
                found.append(Mutant(file, name, node.lineno, " ".join(original.split()),
                                    ast.unparse(new), (node.lineno, node.col_offset),
                                    (node.end_lineno, node.end_col_offset)))
    return found


def apply(source: str, m: Mutant) -> str:
    """The source with the mutant's segment replaced (parenthesized: precedence kept)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln.encode("utf-8")))
    raw = source.encode("utf-8")
    a = offsets[m.start[0] - 1] + m.start[1]
    b = offsets[m.end[0] - 1] + m.end[1]
    return (raw[:a] + f"({m.mutated})".encode("utf-8") + raw[b:]).decode("utf-8")


# ---- running the tests against each mutant -----------------------------------------

def sandbox() -> Path:
    """A scratch copy of the tree: the worktree itself is never mutated."""
    where = Path(tempfile.mkdtemp(prefix="bpcheck-mutants-"))
    for part in ("bpcheck", "tests", "derivations", "examples", "pyproject.toml"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, where / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, where / part)
    return where


def run_tests(box: Path, tests: list[str], timeout: float) -> str:
    """'killed', 'survived' or 'timeout' (counted as killed)."""
    env = {**os.environ, "PYTHONPATH": str(box), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:randomly",
           "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(cmd, cwd=box, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def check(box: Path, m: Mutant, tests: list[str], timeout: float) -> str:
    path = box / m.file
    original = path.read_text(encoding="utf-8")
    mutated = apply(original, m)
    try:
        ast.parse(mutated)
    except SyntaxError:
        return "invalid"
    path.write_text(mutated, encoding="utf-8")
    try:
        return run_tests(box, tests, timeout)
    finally:
        path.write_text(original, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--targets", help="JSON file: a list of {file, functions, tests}")
    p.add_argument("-k", dest="keyword", default="", help="only targets whose file contains this")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=90.0, help="per mutant (s)")
    p.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    p.add_argument("-v", "--verbose", action="store_true", help="print every mutant's result")
    args = p.parse_args(argv)
    targets = json.loads(Path(args.targets).read_text()) if args.targets else TARGETS
    targets = [t for t in targets if args.keyword in t["file"]]
    work = [(m, t["tests"]) for t in targets for m in mutants_of(ROOT, t["file"], t["functions"])]
    if args.list:
        for m, _ in work:
            print(f"{m.where()}: {m.original}  ->  {m.mutated}")
        print(f"{len(work)} mutants")
        return 0
    boxes = [sandbox() for _ in range(max(1, args.jobs))]
    every_test = sorted({t for _, tests in work for t in tests})
    if run_tests(boxes[0], every_test, args.timeout * 3) != "survived":
        print(f"the unmutated tree fails {' '.join(every_test)}: fix that first", file=sys.stderr)
        return 2
    started = time.monotonic()
    free = list(boxes)

    done: list[int] = []

    def one(item: tuple[Mutant, list[str]]) -> tuple[Mutant, str]:
        box = free.pop()
        try:
            result = check(box, item[0], item[1], args.timeout)
        finally:
            free.append(box)
        done.append(1)
        if args.verbose or result == "survived":
            print(f"[{len(done)}/{len(work)}] {result}: {item[0].where()}: {item[0].original}"
                  f"  ->  {item[0].mutated}", file=sys.stderr, flush=True)
        return item[0], result
    try:
        with ThreadPoolExecutor(len(boxes)) as pool:
            results = list(pool.map(one, work))
    finally:
        for box in boxes:
            shutil.rmtree(box, ignore_errors=True)
    return report(results, time.monotonic() - started)


def report(results: list[tuple[Mutant, str]], seconds: float) -> int:
    valid = [(m, r) for m, r in results if r != "invalid"]
    killed = sum(r in ("killed", "timeout") for _, r in valid)
    survivors = [m for m, r in valid if r == "survived"]
    unexplained = []
    for m in survivors:
        why = EQUIVALENT.get((m.function, m.original))
        tag = f"equivalent: {why}" if why else "SURVIVED"
        print(f"{m.where()}: {m.original}  ->  {m.mutated}   [{tag}]")
        if not why:
            unexplained.append(m)
    by_file: dict[str, list[int]] = {}
    for m, r in valid:
        k = by_file.setdefault(m.file, [0, 0])
        k[0] += r != "survived"
        k[1] += 1
    for file, (k, n) in sorted(by_file.items()):
        print(f"  {file}: {k}/{n} killed")
    equivalent = len(survivors) - len(unexplained)
    timeouts = sum(r == "timeout" for _, r in valid)
    print(f"score: {killed}/{len(valid)} killed ({timeouts} by timeout), {equivalent} "
          f"equivalent, {len(unexplained)} unexplained survivors; "
          f"{len(results) - len(valid)} invalid; {seconds:.0f} s")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
