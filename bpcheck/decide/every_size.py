"""Proofs for every size: claims written with IndexedBase, Sum and KroneckerDelta.

The difference of the two sides is evaluated (`doit`), which turns sums of
Kronecker deltas into Piecewise terms guarded by the index ranges; `refine`
under the ranges declared in `where` removes the guards; expansion decides.
A proof here holds for every width.  The same identity is also checked
numerically at concrete sizes, so a wrong symbolic step cannot pass alone.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Iterator

import numpy as np
import sympy as sp

from ..symbolic import dag
from ..symbolic.build import build_world
from ..catalog.files import setting_names
from ..symbolic.evaluate import Evaluator
from ..catalog.formula import parse
from ..model import Claim, Kind, LinkResult, Step
from ..symbolic.atoms import PARTIAL_NAME, UNDEFINED
from ..numeric.compare import UNARY, RandomFunctions, compare, summarize
from ..symbolic.zero_test import is_zero_rational

SIZES = (2, 3, 4)
MAX_ASSIGNMENTS = 24
POINTS = 8


def _ranges(claim: Claim, world: Any) -> list[tuple[sp.Symbol, sp.Expr, sp.Expr]]:
    names = setting_names(claim.setting)
    out = []
    for var, rng in claim.where:
        lo, hi = rng.split("..", 1)
        ev = Evaluator(world, {})
        out.append((world.constants[var], ev.eval(parse(lo, names).tree),
                    ev.eval(parse(hi, names).tree)))
    return out


def check(claim: Claim, options: Any) -> tuple[list[LinkResult], str]:
    world = build_world(claim.setting)
    names = setting_names(claim.setting)
    ranges = _ranges(claim, world)
    values = [Evaluator(world, {}).eval(parse(s, names).tree) for s in claim.sides]
    results = [_link(world, ranges, values, k, options) for k, _ in claim.links]
    sizes = sorted({str(hi) for _, _, hi in ranges if not hi.is_number})
    scope = claim.scope or (f"every size {', '.join(sizes)} ≥ 1 and every index in range "
                            "(symbolic sizes)")
    return results, scope


def _link(world: Any, ranges: list, values: list, k: int, options: Any) -> LinkResult:
    diff = sp.sympify(values[k] - values[k + 1])
    steps = [Step("definition", "both sides written with symbolic sizes",
                  sp.latex(values[k]) + " = " + sp.latex(values[k + 1]))]
    proved = _prove(diff, ranges, steps)
    num = _numeric(world, ranges, values[k], values[k + 1], options)
    if num is not None and not num.agree:
        return LinkResult(k, k + 1, Kind.REFUTED, "the sides differ at a concrete size",
                          tuple(steps), num.counterexample, tuple(num.evidence()))
    evidence = tuple(num.evidence()) if num else ()
    if not proved:
        return LinkResult(k, k + 1, Kind.INCONCLUSIVE, "no proof for every size; the "
                          "concrete sizes agree", tuple(steps), None, evidence)
    return LinkResult(k, k + 1, Kind.VERIFIED, "proved for every size", tuple(steps), None,
                      evidence)


def _prove(diff: sp.Expr, ranges: list, steps: list[Step]) -> bool:
    """Slack sizes first; `refine` (SymPy's assumption system, slow to load and to
    run) only when that fails."""
    slack = {}  # write each size as one of its indices + a non-negative slack
    for v, lo, hi in ranges:
        if hi.is_Symbol and hi not in slack:
            slack[hi] = v + sp.Symbol(f"s_{v}", integer=True, nonnegative=True)
    # the sums and deltas evaluated once, with the slack sizes already in
    if slack and sp.expand(diff.xreplace(slack).doit()) == 0:
        text = ", ".join(f"{size} = {value}" for size, value in slack.items())
        steps.append(Step("slack", f"sizes written as index + non-negative slack ({text}); "
                          "sums and Kronecker deltas evaluated; expanded to 0"))
        return True
    done = diff.doit()
    steps.append(Step("doit", "sums and Kronecker deltas evaluated", sp.latex(done)))
    facts = sp.And(*[sp.Q.ge(v, lo) & sp.Q.le(v, hi) for v, lo, hi in ranges]) if ranges else True
    refined = sp.refine(done, facts).doit() if ranges else done
    expanded = sp.expand(refined)
    if expanded == 0 or is_zero_rational(expanded):
        steps.append(Step("refine", "guards removed under the index ranges "
                          f"({', '.join(f'{lo} ≤ {v} ≤ {hi}' for v, lo, hi in ranges)}); "
                          "expanded to 0"))
        return True
    steps.append(Step("nonzero", "did not reduce to 0 for symbolic sizes", sp.latex(expanded)))
    return False


def _numeric(world: Any, ranges: list, lhs: Any, rhs: Any, options: Any):
    """Both sides at concrete sizes (2, 3, 4 for each size) and every index assignment
    (at most MAX_ASSIGNMENTS), in numbers: the worst agreement, or the first mismatch.
    Sums are looped and deltas compared at the points (`_Direct`); a mismatch is shown
    as written out by SymPy at that size, with its counterexample simplified."""
    try:
        found = _first_mismatch(_walked(ranges, lhs, rhs, options))
    except _Unsupported:  # a node the direct walk does not know: written out by SymPy
        found = _first_mismatch((_assignment(world, ranges, s, i, lhs, rhs, options), s, i)
                                for s, i in _assignments(ranges))
        return found and found[0]
    if found is None or found[0].agree:
        return found and found[0]
    res, size_map, idx = found
    shown = _assignment(world, ranges, size_map, idx, lhs, rhs, options)
    return shown if not shown.agree else res  # the walk's mismatch stands either way


def _first_mismatch(results: Iterator[tuple]) -> tuple | None:
    """The first (result, sizes, indices) that disagrees; else the worst agreement."""
    worst = None
    for found in results:
        if not found[0].agree:
            return found
        if worst is None or found[0].max_abs > worst[0].max_abs:
            worst = found
    return worst


def _assignments(ranges: list) -> Iterator[tuple[dict, tuple[int, ...]]]:
    size_syms = sorted({hi for _, _, hi in ranges if hi.is_Symbol}, key=str)
    count = 0
    for sizes in itertools.product(SIZES, repeat=len(size_syms)):
        size_map = dict(zip(size_syms, sizes))
        spans = [range(int(lo.subs(size_map)), int(hi.subs(size_map)) + 1) for _, lo, hi in ranges]
        for idx in itertools.product(*spans):
            if count >= MAX_ASSIGNMENTS:
                return
            count += 1
            yield size_map, idx


def _walked(ranges: list, lhs: Any, rhs: Any, options: Any) -> Iterator[tuple]:
    walk = _Direct(options.seed, POINTS)
    for size_map, idx in _assignments(ranges):
        env = {**size_map, **{v: i for (v, _, _), i in zip(ranges, idx)}}
        a, b = (np.broadcast_to(walk.value(e, env), (POINTS,))[:, None] for e in (lhs, rhs))
        yield summarize(a, b, options.rtol, options.atol, options.seed), size_map, idx


def _assignment(world: Any, ranges: list, size_map: dict, idx: tuple, lhs: Any, rhs: Any,
                options: Any):
    """One assignment written out by SymPy (entries as symbols), compared by `compare`."""
    sizes_in = {k: sp.Integer(v) for k, v in size_map.items()}
    sized = [sp.sympify(e).xreplace(sizes_in).doit() for e in (lhs, rhs)]
    l, r = (_concrete(e, {v: i for (v, _, _), i in zip(ranges, idx)}) for e in sized)
    return compare(l, r, world, options.seed, POINTS, options.rtol, options.atol)


class _Unsupported(Exception):
    pass


class _Direct:
    """A side's value at concrete sizes and indices, at random points, straight from
    its SymPy tree: each entry z[k] is a seeded random value per point (drawn by its
    name and indices, so the same entry has the same values on both sides), an
    undefined f a random smooth function, a sum a loop, a delta a comparison."""

    def __init__(self, seed: int, points: int) -> None:
        self.seed, self.points = seed, points
        self.values: dict[tuple, np.ndarray] = {}
        self.memo: dict[tuple, Any] = {}
        self.free: dict[Any, tuple] = {}
        self.funcs = RandomFunctions(seed)

    def value(self, e: Any, env: dict) -> Any:
        """Kept by the values of the indices `e` names: a sum that no index of the
        assignment enters (softmax's denominator) is computed once for all of them."""
        names = self.free.get(e)
        if names is None:
            names = self.free[e] = tuple(sorted(e.free_symbols, key=str))
        key = (e, tuple(env.get(s) for s in names))
        if key not in self.memo:
            self.memo[key] = self._value(e, env)
        return self.memo[key]

    def _value(self, e: Any, env: dict) -> Any:
        if e.is_Number:
            return float(e)
        if e.is_Symbol:
            return float(self.integer(e, env))
        if isinstance(e, sp.Indexed):
            return self._entry(str(e.base), tuple(self.integer(i, env) for i in e.indices))
        if e.is_Add:
            return sum(self.value(a, env) for a in e.args)
        if e.is_Mul:
            out = 1.0
            for a in e.args:
                out = out * self.value(a, env)
            return out
        if e.is_Pow and e.exp.is_Integer:
            base, k = self.value(e.base, env), int(e.exp)
            return base ** k if k >= 0 else 1.0 / base ** -k
        if isinstance(e, sp.KroneckerDelta):
            i, j = (self.integer(a, env) for a in e.args)
            return float(i == j)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), env)
        if isinstance(e, UNDEFINED):
            return self._undefined(e, env)
        if type(e).__name__ in UNARY and len(e.args) == 1:
            return UNARY[type(e).__name__](self.value(e.args[0], env))
        raise _Unsupported(type(e).__name__)

    def integer(self, e: Any, env: dict) -> int:
        """An index or size: an integer, a bound symbol, or sums and products of them."""
        if e.is_Integer:
            return int(e)
        if e.is_Symbol and e in env:
            return env[e]
        if e.is_Add or e.is_Mul:
            parts = [self.integer(a, env) for a in e.args]
            return sum(parts) if e.is_Add else math.prod(parts)
        raise _Unsupported(f"the index {e}")

    def _entry(self, base: str, indices: tuple[int, ...]) -> np.ndarray:
        key = (base, indices)
        if key not in self.values:
            digest = sum(map(ord, base))  # by name, not by the order entries are met in
            rng = np.random.default_rng([self.seed, 3571, digest, *indices])
            self.values[key] = rng.uniform(-2.0, 2.0, self.points)
        return self.values[key]

    def _sum(self, body: Any, limits: list, env: dict) -> Any:
        (var, lo, hi), rest = limits[0], limits[1:]
        lo, hi = self.integer(lo, env), self.integer(hi, env)
        if hi < lo - 1:  # SymPy's (Karr's) convention for reversed bounds: not here
            raise _Unsupported("a sum with reversed bounds")
        total: Any = 0.0
        for k in range(lo, hi + 1):
            inner = {**env, var: k}
            total = total + (self._sum(body, rest, inner) if rest else self.value(body, inner))
        return total

    def _undefined(self, e: Any, env: dict) -> Any:
        m = PARTIAL_NAME.match(e.func.__name__)
        slots = tuple(int(t) - 1 for t in m.group(1).split("_")) if m else ()
        if len(slots) > 2:
            raise _Unsupported("a third derivative of an undefined function")
        return self.funcs.value(m.group(2) if m else e.func.__name__,
                                [self.value(a, env) for a in e.args], slots)


_LEFT_OPEN = (sp.Sum, sp.Derivative, sp.Subs, sp.Piecewise, sp.KroneckerDelta)


def _concrete(e: Any, subs: dict) -> sp.Expr:
    """e at concrete indices, each entry z[k] as a symbol z_k (deltas and guards with
    numbers evaluate as they are built; `doit` only if something stayed open)."""
    e = dag.xreplace(e, {k: sp.Integer(v) for k, v in subs.items()})
    if dag.has_type(e, _LEFT_OPEN):
        e = e.doit()
    return dag.replace_type(e, (sp.Indexed,), _entry_symbol)


def _entry_symbol(a: sp.Indexed) -> sp.Symbol:
    return sp.Symbol(str(a).replace("[", "_").replace("]", "").replace(", ", "_"), real=True)
