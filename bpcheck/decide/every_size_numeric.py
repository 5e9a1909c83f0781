"""The numeric backstop of a proof for every size: both sides at concrete sizes.

Which assignments are checked (`plan`): every size from 1 to 4; every index
assignment (that `when` admits) at the smallest sizes, all of them when there are
few; beyond the budget, a seeded random sample at each larger size that always
holds the boundary values of every index.  Empty sums are 0 (the usual convention),
in the direct walk and in SymPy's written-out form alike.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import sympy as sp

from ..symbolic import dag
from ..symbolic.atoms import PARTIAL_NAME, UNDEFINED
from ..numeric.compare import UNARY, RandomFunctions, compare, summarize

SIZES = (1, 2, 3, 4)
BUDGET = 64  # assignments checked in all; the smallest sizes take all of theirs first
SAMPLE = 6  # assignments per larger size tuple once the budget is spent (boundaries + random)
POINTS = 8


class Unsupported(Exception):
    pass


@dataclass
class Plan:
    """The (sizes, indices) checked, and the words for the verdict's scope."""
    assignments: list[tuple[dict, tuple[int, ...]]]
    text: str


def plan(ranges: list, sizes: list, when: Any, seed: int) -> Plan:
    """Every assignment at the size tuples of the smallest totals, a whole total at a
    time while the budget lasts; then a sample (boundaries included) at each tuple left."""
    levels: dict[int, list] = {}
    for values in itertools.product(SIZES, repeat=len(sizes)):
        levels.setdefault(sum(values), []).append(dict(zip(sizes, values)))
    rng = np.random.default_rng([seed, 7919])
    chosen: list[tuple[dict, tuple[int, ...]]] = []
    full_upto, sampling = None, False  # the largest total at which every assignment is checked
    for total in sorted(levels):
        if not sampling:
            every = [(m, _every(ranges, m, when, BUDGET - len(chosen))) for m in levels[total]]
            if all(e is not None for _, e in every) and \
                    len(chosen) + sum(len(e) for _, e in every) <= BUDGET:
                chosen += [(m, idx) for m, e in every for idx in e]
                full_upto = total
                continue
            sampling = True
        chosen += [(m, idx) for m in levels[total] for idx in _sample(ranges, m, when, rng)]
    return Plan(chosen, _describe(sizes, max(levels), full_upto, len(chosen)))


def _describe(sizes: list, top: int, full_upto: Any, count: int) -> str:
    names = ", ".join(map(str, sizes))
    if not sizes:
        return f"checked numerically at {count} index assignments"
    where = f"{names} = 1..{SIZES[-1]}" + (" each" if len(sizes) > 1 else "")
    if full_upto == top:
        return f"checked numerically at {where}, every index assignment ({count})"
    sample = "a seeded sample of index assignments with their boundary values"
    if full_upto is None:
        return f"checked numerically at {where}, {sample} ({count})"
    upto = f"{names} ≤ {full_upto}" if len(sizes) == 1 else \
        " + ".join(map(str, sizes)) + f" ≤ {full_upto}"
    return (f"checked numerically at {where}: every index assignment at {upto}, "
            f"{sample} at larger sizes ({count} in all)")


def _spans(ranges: list, env: dict, k: int) -> Iterator[dict]:
    """Every binding of the ranges from the k-th on (bounds may name earlier indices)."""
    if k == len(ranges):
        yield env
        return
    var, lo, hi = ranges[k]
    for value in range(integer(lo, env), integer(hi, env) + 1):
        yield from _spans(ranges, {**env, var: value}, k + 1)


def _admitted(env: dict, when: Any) -> bool:
    if when is None:
        return True
    held = when.xreplace({s: sp.Integer(v) for s, v in env.items()})
    if held not in (sp.true, sp.false):
        raise Unsupported(f"the condition {when} at {env}")
    return bool(held)


def _every(ranges: list, size_map: dict, when: Any, cap: int) -> list | None:
    """Every admitted index tuple at these sizes; None if more than `cap`."""
    out = []
    for env in _spans(ranges, dict(size_map), 0):
        if _admitted(env, when):
            out.append(tuple(env[v] for v, _, _ in ranges))
            if len(out) > cap:
                return None
    return out


def _sample(ranges: list, size_map: dict, when: Any, rng: np.random.Generator) -> list:
    """Each index at its lowest, at its highest, then at random (earlier ones drawn
    first, since bounds may name them); only tuples `when` admits, no repeats."""
    picks: list[tuple[int, ...]] = []
    modes = ["lo", "hi"] + [k for k in range(len(ranges))] + ["random"] * SAMPLE
    for mode in modes:
        env = dict(size_map)
        for k, (var, lo, hi) in enumerate(ranges):
            a, b = integer(lo, env), integer(hi, env)
            if a > b:
                break
            end = a if mode == "lo" or (mode == k and rng.random() < 0.5) else b
            env[var] = end if mode in ("lo", "hi", k) else int(rng.integers(a, b + 1))
        else:
            idx = tuple(env[v] for v, _, _ in ranges)
            if idx not in picks and _admitted(env, when):
                picks.append(idx)
        if len(picks) >= SAMPLE:
            break
    return picks


def integer(e: Any, env: dict) -> int:
    """An index or size: an integer, a bound symbol, or sums and products of them."""
    if e.is_Integer:
        return int(e)
    if e.is_Symbol and e in env:
        return env[e]
    if e.is_Add or e.is_Mul:
        parts = [integer(a, env) for a in e.args]
        return sum(parts) if e.is_Add else math.prod(parts)
    raise Unsupported(f"the index {e}")


def numeric(world: Any, ranges: list, assignments: list, lhs: Any, rhs: Any, options: Any):
    """Both sides at the planned assignments, in numbers: the worst agreement, or the
    first mismatch.  Sums are looped and deltas compared at the points (`Direct`); a
    mismatch is shown as written out by SymPy at that size, its counterexample simplified."""
    found = numeric_case(world, ranges, assignments, lhs, rhs, options)
    return found and found[0]


def numeric_case(world: Any, ranges: list, assignments: list, lhs: Any, rhs: Any,
                 options: Any) -> tuple | None:
    """`numeric`'s result with the sizes and indices it was found at ("n = 2, i = 1, j = 2"),
    so that a refutation names the case of its counterexample."""
    if not assignments:
        return None
    try:
        found = _first_mismatch(_walked(ranges, assignments, lhs, rhs, options))
    except Unsupported:  # a node the direct walk does not know: written out by SymPy
        found = _first_mismatch((assignment(world, ranges, s, i, lhs, rhs, options), s, i)
                                for s, i in assignments)
        return found and (found[0], _case(ranges, *found[1:]))
    if found is None or found[0].agree:
        return found and (found[0], _case(ranges, *found[1:]))
    res, size_map, idx = found
    shown = assignment(world, ranges, size_map, idx, lhs, rhs, options)
    # the walk's mismatch stands either way
    return (shown if not shown.agree else res), _case(ranges, size_map, idx)


def _case(ranges: list, size_map: dict, idx: tuple) -> str:
    parts = [f"{k} = {v}" for k, v in sorted(size_map.items(), key=lambda kv: str(kv[0]))]
    parts += [f"{v} = {i}" for (v, _, _), i in zip(ranges, idx)]
    return ", ".join(parts)


def _first_mismatch(results: Iterator[tuple]) -> tuple | None:
    """The first (result, sizes, indices) that disagrees; else the worst agreement."""
    worst = None
    for found in results:
        if not found[0].agree:
            return found
        if worst is None or found[0].max_abs > worst[0].max_abs:
            worst = found
    return worst


def _walked(ranges: list, assignments: list, lhs: Any, rhs: Any, options: Any) -> Iterator:
    walk = Direct(options.seed, POINTS)
    for size_map, idx in assignments:
        env = {**size_map, **{v: i for (v, _, _), i in zip(ranges, idx)}}
        a, b = (np.broadcast_to(walk.value(e, env), (POINTS,))[:, None] for e in (lhs, rhs))
        yield summarize(a, b, options.rtol, options.atol, options.seed), size_map, idx


def assignment(world: Any, ranges: list, size_map: dict, idx: tuple, lhs: Any, rhs: Any,
               options: Any):
    """One assignment written out by SymPy (entries as symbols), compared by `compare`."""
    env = {**size_map, **{v: i for (v, _, _), i in zip(ranges, idx)}}
    l, r = (concrete(e, env) for e in (lhs, rhs))
    return compare(l, r, world, options.seed, POINTS, options.rtol, options.atol)


class Direct:
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
            return float(integer(e, env))
        if isinstance(e, sp.Indexed):
            return self._entry(str(e.base), tuple(integer(i, env) for i in e.indices))
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
            i, j = (integer(a, env) for a in e.args)
            return float(i == j)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), env)
        if isinstance(e, UNDEFINED):
            return self._undefined(e, env)
        if type(e).__name__ in UNARY and len(e.args) == 1:
            return UNARY[type(e).__name__](self.value(e.args[0], env))
        raise Unsupported(type(e).__name__)

    def _entry(self, base: str, indices: tuple[int, ...]) -> np.ndarray:
        key = (base, indices)
        if key not in self.values:
            digest = sum(map(ord, base))  # by name, not by the order entries are met in
            rng = np.random.default_rng([self.seed, 3571, digest, *indices])
            self.values[key] = rng.uniform(-2.0, 2.0, self.points)
        return self.values[key]

    def _sum(self, body: Any, limits: list, env: dict) -> Any:
        """SymPy's limits run innermost first; an empty range sums to 0."""
        (var, lo, hi), rest = limits[-1], limits[:-1]
        total: Any = 0.0
        for k in range(integer(lo, env), integer(hi, env) + 1):
            inner = {**env, var: k}
            total = total + (self._sum(body, rest, inner) if rest else self.value(body, inner))
        return total

    def _undefined(self, e: Any, env: dict) -> Any:
        m = PARTIAL_NAME.match(e.func.__name__)
        slots = tuple(int(t) - 1 for t in m.group(1).split("_")) if m else ()
        if len(slots) > 2:
            raise Unsupported("a third derivative of an undefined function")
        return self.funcs.value(m.group(2) if m else e.func.__name__,
                                [self.value(a, env) for a in e.args], slots)


_LEFT_OPEN = (sp.Sum, sp.Derivative, sp.Subs, sp.Piecewise, sp.KroneckerDelta)


def concrete(e: Any, env: dict) -> sp.Expr:
    """e at concrete sizes and indices, each entry z[k] as a symbol z_k: sums written
    out term by term (an empty one is 0, not SymPy's reversed-bounds sum), then
    derivatives, deltas and guards evaluated."""
    e = unrolled(dag.xreplace(sp.sympify(e, strict=True),
                              {k: sp.Integer(v) for k, v in env.items()}))
    if dag.has_type(e, _LEFT_OPEN):
        e = e.doit()
    return dag.replace_type(e, (sp.Indexed,), _entry_symbol)


def unrolled(e: Any) -> Any:
    """Every sum whose bounds are numbers, written out (outermost first, so inner
    bounds that name an outer index become numbers too); empty ranges give 0."""
    if not e.args or not e.has(sp.Sum):
        return e
    if isinstance(e, sp.Sum):
        (var, lo, hi), rest = e.limits[-1], e.limits[:-1]
        if lo.is_Integer and hi.is_Integer:
            body = sp.Sum(e.function, *rest) if rest else e.function
            return sp.Add(*[unrolled(body.xreplace({var: sp.Integer(k)}))
                            for k in range(int(lo), int(hi) + 1)])
    return e.func(*[unrolled(a) for a in e.args])


def _entry_symbol(a: sp.Indexed) -> sp.Symbol:
    return sp.Symbol(str(a).replace("[", "_").replace("]", "").replace(", ", "_"), real=True)
