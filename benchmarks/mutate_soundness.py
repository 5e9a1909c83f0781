"""Mutation testing of bpcheck's own soundness-critical code (issue 16).

Each mutant changes one operator, comparison, boolean, constant or return value inside
one target function (the zero test and the domain predicates that license its rewrites,
the numeric comparison and its high-precision confirmation, verdict combination, links
and every-size links, the expectation rule, the cache lookup and its signature), and the
target's fast tests run against it in a scratch copy of the tree, with a time limit.  A mutant is *killed* when a test fails (or
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
RED_TEAM = ["tests/test_red_team.py"]
NUMERIC = ["tests/test_numeric_soundness.py"]
SYMBOLIC = ["tests/test_symbolic_soundness.py"]
TARGETS = [  # file, functions ("Class.method" for a method), fast tests that guard them
    {"file": "bpcheck/symbolic/zero_test.py",
     "functions": ["decide", "_proved", "is_zero_rational", "_symengine_zero", "_stage_atoms",
                   "_stage_exp", "_split_log", "_split_exp", "_has_undecided", "same_shape"],
     "tests": VERDICT_TESTS + SYMBOLIC + ["tests/test_engine.py"] + RED_TEAM},
    {"file": "bpcheck/symbolic/domain.py",
     "functions": ["real_valued", "positive_valued", "_real", "_positive", "_nonnegative",
                   "undefined_denominator", "_not_identically_zero", "_structurally_nonzero",
                   "_nonzero_somewhere"],
     "tests": SYMBOLIC + VERDICT_TESTS + RED_TEAM + ["tests/test_engine.py"]},
    {"file": "bpcheck/numeric/compare.py",
     "functions": ["Screen.agree", "Screen.compare", "Screen.agrees", "Screen.judge",
                   "compare", "search"],
     "tests": VERDICT_TESTS + NUMERIC + ["tests/test_diagnose.py", "tests/test_quickeval.py"]
     + RED_TEAM},
    {"file": "bpcheck/numeric/problem.py", "functions": ["errors", "summarize", "summary"],
     "tests": VERDICT_TESTS + NUMERIC + ["tests/test_diagnose.py", "tests/test_quickeval.py"]
     + RED_TEAM},
    {"file": "bpcheck/numeric/refute.py",
     "functions": ["find_counterexample", "_confirm", "_is_real", "search_counterexample"],
     "tests": NUMERIC + VERDICT_TESTS + RED_TEAM},
    {"file": "bpcheck/decide/claim.py", "functions": ["_combine", "verify_claim"],
     "tests": VERDICT_TESTS + RED_TEAM},
    {"file": "bpcheck/decide/links.py",
     "functions": ["_check_case", "_check_link", "_numbers", "_leaves_reals"],
     "tests": VERDICT_TESTS + NUMERIC + ["tests/test_diagnose.py"] + RED_TEAM},
    {"file": "bpcheck/decide/every_size.py", "functions": ["_link"],
     "tests": ["tests/test_every_size_soundness.py"] + RED_TEAM},
    {"file": "bpcheck/model.py", "functions": ["expected_ok"],
     "tests": ["tests/test_verdict_rule.py"]},
    {"file": "bpcheck/catalog/results_cache.py",
     "functions": ["ResultCache.lookup", "cacheable"],
     "tests": ["tests/test_cache.py", "tests/test_cache_integrity.py",
               "tests/test_verdict_rule.py"]},
    {"file": "bpcheck/catalog/cache_signing.py", "functions": ["Signer.open", "Signer._tag"],
     "tests": ["tests/test_cache_integrity.py", "tests/test_cache.py"]},
]


# Survivors that cannot change any verdict: (function, original expression) -> why, for
# every mutation of that expression (each was seen to survive and then read).  The key has
# no line number: an expression that occurs twice in a function is excused at both places,
# so a reason is written for every occurrence.
_TEXT = "only the wording of a step or reason (the verdict kind and links are unchanged)"
_ENDS = "only which chains get `ends_agree` computed; a refuted chain's is tested"
_OK = "a placeholder: verify_claim overwrites `ok` with expected_ok(...)"
_TIME = "only the seconds reported"
_RESCUE = ("a weaker zero test: this stage no longer proves, a later stage (simplify) or "
           "symengine's own test still does; never a false proof")
_FALLBACK = ("the shared-points screen cannot tell or says 'differ': the full comparison "
             "decides instead (cost only)")
_FEWER = ("the screen's agreement is taken at fewer (but some) defined points: VERIFIED still "
          "needs the proof, and points left out leave a note that forces the wide search")
_EVIDENCE = "only the evidence or counterexample shown, not whether the sides agree"
_EDGE = "differs only where the error equals the tolerance exactly"
_MEMO = "only when a memo is cleared (cost)"
_KINK_SCREEN = ("the screen also looks at kink points: its agreement still needs the proof, "
                "its disagreement is decided again by the full comparison off the kinks")
_REPAIR_SCREEN = ("the explaining stage's quick screen (repairs, smaller widths): a repair it "
                  "lets through is still decided in full; the verdict never rests on it")
_SAMPLED = ("symbols and positive terms go to the sampled non-zero test instead, which finds "
            "them non-zero too (cost only)")
_POINTS = ("other seeded random points of the same kind: a divisor that is 0 everywhere is "
           "exactly 0 (or a 50-digit residue far below 1e-20) at each, a non-zero one is not")
_SHRINK = ("only the count in the note, or which disagreement gets a shrunk point and whether "
           "it is tried first: the disagreeing point itself is always re-checked at 50 digits")
_WIDE = ("only which of the disagreements beyond the box are re-checked first (nearest the "
         "origin or worst) and whether the one shown is shrunk; each is confirmed at 50 digits")
_LINK_END = ("only the index of the link's right side (display; the failure line of a two-sided "
             "claim is its last side either way)")
EQUIVALENT: dict[tuple[str, str], str] = {
    # decide/claim.py
    ("_combine", "len(links) > 1"): _TEXT, ("_combine", "1"): _TEXT,
    ("_combine", "2"): _ENDS, ("_combine", "False"): _OK,
    ("verify_claim", "False"): _OK, ("verify_claim", "4"): _TIME,
    ("verify_claim", "time.perf_counter() - start"): _TIME,
    # decide/links.py
    ("_check_link", "len(all_cases) > 1"): _TEXT, ("_check_link", "1"): _TEXT,
    ("_check_link", "len(group) > 1"): "a single target class decided with a free target "
                                       "y first, then class by class as before",
    ("_check_link", "done is not None"): "a free-target case that fails falls through to the "
                                         "class-by-class check, which decides",
    ("_check_link", 'proof_steps or done[0] + ( Step("targets", "proved for every target y, '
                    'so for each one-hot class"),)'): _TEXT,
    ("_check_link", 'done[0] + ( Step("targets", "proved for every target y, so for each '
                    'one-hot class"),)'): _TEXT,
    ("_check_case", "True"): ("`sym.equal is False` skips the early VERIFIED: the same claim is "
                              "VERIFIED at the end, after the wide search (cost only)"),
    ("_numbers", "max(1, options.points // 2)"): _FEWER, ("_numbers", "1"): _FALLBACK,
    ("_numbers", "2"): _FALLBACK,
    ("_leaves_reals", "len(_LEAVES) > 200_000"): _MEMO, ("_leaves_reals", "200_000"): _MEMO,
    # decide/every_size.py
    ("_link", "k + 1"): _LINK_END,
    ("_link", 'found.note or "the concrete sizes " "do not agree in float64, but no '
              'counterexample holds in high " "precision"'): _TEXT, ("_link", "1"): _LINK_END + "; in the first step, its text",
    # symbolic/zero_test.py
    ("decide", "len(pairs) == 1"): _TEXT, ("decide", "1"): _TEXT,
    ("decide", "len(regions) > 1"): _TEXT,
    ("_proved", "len(pairs) > 1"): _TEXT, ("_proved", "1"): _TEXT,
    ("_stage_atoms", "0"): _RESCUE,
    ("_symengine_zero", "isinstance(s, sp.Symbol) and not s.is_Dummy"):
        "dummies' names counted too: symengine is skipped more often and SymPy's own "
        "expansion decides; never a proof symengine would not give",
    ("_split_exp", "1"): "`mono == 1` → 2 or 0: the constant term is written (e^1)^c, also "
                         "valid (e > 0); only E and e^1 are no longer matched (weaker).  The "
                         "product's initial 1 is pinned by a test",
    ("_split_exp", "coeff.is_Integer or real_valued(mono)"): "fewer e^(c m) split: weaker only",
    # symbolic/domain.py
    ("_real", "e.is_Number or e in (sp.pi, sp.E)"):
        "numbers, π and e reach the last line, `e.is_extended_real is True`, which answers "
        "the same for them",
    ("undefined_denominator", "len(doubtful) > 1"):
        "a single doubtful divisor was already found non-zero somewhere by the loop above: "
        "the product test repeats that (cost only)",
    ("undefined_denominator", "1"): "as `len(doubtful) > 1`",
    ("_not_identically_zero", "len(_NONZERO_MEMO) > MAX_MEMO"): _MEMO,
    ("_structurally_nonzero", "isinstance(d, (sp.Symbol, sp.Indexed)) or positive_valued(d)"):
        _SAMPLED,
    ("_structurally_nonzero", "True"): _SAMPLED,
    ("_nonzero_somewhere", "0"): _POINTS, ("_nonzero_somewhere", "1000"): _POINTS,
    ("_nonzero_somewhere", "3000"): _POINTS, ("_nonzero_somewhere", "50"): _POINTS,
    ("_nonzero_somewhere", 'abs(sp.N(value.xreplace(point), 50)) > sp.Float("1e-20")'): _EDGE,
    # numeric/compare.py
    ("Screen.agree", "found is None"): _FALLBACK, ("Screen.judge", "1"): _FALLBACK,
    ("Screen.judge", "int((np.isfinite(a) & np.isfinite(b)).all(axis=1).sum()) < "
                     "max(min_points, 1)"): _FALLBACK,
    ("Screen.judge", "max(min_points, 1)"): _FEWER,
    ("Screen.compare", "kinks and kv is None"): _FALLBACK,
    ("Screen.compare", "kv is None"): _KINK_SCREEN, ("Screen.compare", "kv is not None"): _KINK_SCREEN,
    ("Screen.compare", "np.abs(kv) >= KINK_MARGIN"): _KINK_SCREEN,
    ("Screen.agrees", "1"): _REPAIR_SCREEN,
    ("compare", "0"): ("no point off the kinks: points 1 instead of 0 still has `agree` False, "
                       "which `_check_case` decides as INCONCLUSIVE (the wide search keeps the "
                       "declared range; a single point is pinned by a test)"),
    ("compare", "False"): "agree True with 0 points: `_check_case` returns INCONCLUSIVE for "
                          "points == 0 before it reads `agree`",
    ("compare", "0.0"): _EVIDENCE,
    ("compare", "result.points > 0"): "in this branch an entry disagrees, and only defined "
                                      "entries can: points > 0 always",
    ("search", "False"): "never read: `_check_case` takes only the counterexample",
    ("search", "1"): "never read: `_check_case` takes only the counterexample",
    # numeric/problem.py
    ("errors", "err > atol + rtol * scale"): _EDGE,
    ("errors", "0.0"): "the value at undefined entries, which `bad` masks out and the "
                       "evidence leaves out",
    ("errors", "err / np.maximum(scale, 1e-300)"): _EVIDENCE, ("errors", "1e-300"): _EVIDENCE,
    ("summary", "1"): ("one-sided points counted per entry instead of per point: 0 exactly when "
                       "it was, so `agree` is unchanged; only the count shown"),
    ("summary", "err > atol"): _EVIDENCE,
    # numeric/refute.py
    ("find_counterexample", "0"): _SHRINK, ("find_counterexample", "n == 0"): _SHRINK,
    ("find_counterexample", "simplify and n == 0"): _SHRINK,
    ("find_counterexample", 'found == "rounding"'): _SHRINK,
    ("find_counterexample", "score[r] >= 0"): "a disagreeing entry has err > atol ≥ 0, so its "
                                              "score is > 0 either way",
    ("find_counterexample", "0.0"): "only the order in which disagreements are re-checked",
    ("find_counterexample", "1.0"): "−1 → −10: any negative score marks an agreeing entry alike",
    ("_confirm", "err > prob.atol + prob.rtol * scale"): _EDGE,
    ("_confirm", "err / np.maximum(scale, 1e-300)"): _EVIDENCE, ("_confirm", "1e-300"): _EVIDENCE,
    ("_confirm", "rel + err"): "only which entry the complex-only note shows",
    ("_confirm", "1"): "only which entry the complex-only note shows",
    ("_is_real", "abs(v.imag) <= prob.atol + prob.rtol * abs(v)"): _EDGE,
    ("search_counterexample", "0"): "wide_points gives 512 points and more unless every one is "
                                    "disallowed; with none the check below finds nothing either",
    ("search_counterexample", "True"): _WIDE,
    ("search_counterexample", "9173"): "another seed of the same wide sample",
    # catalog/
    ("ResultCache.lookup", 'data.get("schema") != CACHE_SCHEMA or data.get("id") != claim.id'):
        "schema and id are both in the hashed file name, which the signature covers: a signed "
        "entry found under it has them (a second check)",
    ("Signer.open", "self.rejected.get(folder, 0) + 1"): "only the number of refused entries "
                                                          "the warning states",
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
