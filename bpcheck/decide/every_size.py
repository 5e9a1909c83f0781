"""Proofs for every size: claims written with IndexedBase, Sum and KroneckerDelta.

The difference of the two sides is evaluated (`doit`), which turns sums of
Kronecker deltas into Piecewise terms guarded by the index ranges; `refine`
under the ranges declared in `where` removes the guards; expansion decides.
The proof is claimed only where SymPy's summation is sound (`every_size_sound`):
a sum that is reversed at small sizes is split off (those sizes proved one by
one, empty sums as 0), and `when` is used only in ways valid under it.  A proof
here holds for every size ≥ 1 and every index in range.  The same identity is
also checked numerically at concrete sizes, so a wrong symbolic step cannot pass alone.
"""
from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from ..symbolic.build import build_world
from ..catalog.files import setting_names
from ..symbolic.evaluate import Evaluator
from ..catalog.formula import parse
from ..model import Claim, Kind, LinkResult, Step
from ..symbolic.zero_test import is_zero_rational
from . import every_size_numeric as num
from .every_size_sound import (Domain, index_problem, nonnegative, threshold, unequal_deltas,
                               unsure_gap, when_rules, without_empty)

# the names the tests know the numeric walk by
POINTS, SIZES = num.POINTS, num.SIZES
_Direct, _Unsupported, _concrete = num.Direct, num.Unsupported, num.concrete
MAX_SPLIT = 6  # small sizes proved one by one when a sum is reversed below a threshold


def _assignments(ranges: list, when: Any = None, seed: int = 0):
    sizes = sorted({s for _, lo, hi in ranges for s in (lo.free_symbols | hi.free_symbols)}
                   - {v for v, _, _ in ranges}, key=str)
    return iter(num.plan(ranges, sizes, when, seed).assignments)


def _world(claim: Claim) -> Any:
    """The setting's world with each integer signed as the claim allows: a size ≥ 1;
    an index (or summation index) whose every range starts at a number ≥ 1 (≥ 0)
    positive (non-negative), any other none (a sign assumed at parse time would
    settle δ(k, 0) to 0 for a k that runs from 0).  SymPy's summation reads the
    signs from the symbols, and is faster with them."""
    world = build_world(claim.setting)
    starts = _summation_starts(claim)
    for var, rng in claim.where:
        starts.setdefault(var, []).append(rng.split("..", 1)[0].strip())
    for name in claim.setting.get("integers", ()) or ():
        least = [int(t) if t.isdigit() else -1 for t in starts.get(name, ["1"])]
        sign = {"positive": True} if min(least) >= 1 else \
            {"nonnegative": True} if min(least) == 0 else {}
        world.constants[name] = sp.Symbol(name, integer=True, **sign)
    return world


def _summation_starts(claim: Claim) -> dict[str, list[str]]:
    """The lower bound's text of each sum in some side, by its index: `(k, lo, hi)`."""
    names = setting_names(claim.setting)
    out: dict[str, list[str]] = {}
    for side in claim.sides:
        for node in ast.walk(parse(side, names).tree):
            if isinstance(node, ast.Call):
                for a in node.args:
                    if isinstance(a, ast.Tuple) and len(a.elts) == 3 and \
                            isinstance(a.elts[0], ast.Name):
                        out.setdefault(a.elts[0].id, []).append(ast.unparse(a.elts[1]))
    return out


def _ranges(claim: Claim, world: Any) -> list[tuple[sp.Symbol, sp.Expr, sp.Expr]]:
    names = setting_names(claim.setting)
    out = []
    for var, rng in claim.where:
        lo, hi = rng.split("..", 1)
        ev = Evaluator(world, {})
        lo_value, hi_value = (sp.sympify(ev.eval(parse(t, names).tree), strict=True)
                              for t in (lo, hi))
        out.append((world.constants[var], lo_value, hi_value))
    return out


def check(claim: Claim, options: Any) -> tuple[list[LinkResult], str]:
    world = _world(claim)
    names = setting_names(claim.setting)
    ranges = _ranges(claim, world)
    values = [Evaluator(world, {}).eval(parse(s, names).tree) for s in claim.sides]
    when = sp.sympify(Evaluator(world, {}).eval(parse(claim.when, names).tree), strict=True) \
        if claim.when else None
    integers = {world.constants[n] for n in claim.setting.get("integers", ()) or ()}
    indices = {v for v, _, _ in ranges}
    free = set().union(*(sp.sympify(v, strict=True).free_symbols for v in values),
                       *(lo.free_symbols | hi.free_symbols for _, lo, hi in ranges))
    sizes = sorted((free & integers) - indices, key=str)
    plan = num.plan(ranges, sizes, when, options.seed)
    results = [_link(world, ranges, sizes, when, plan, values, k, options)
               for k, _ in claim.links]
    shown = ", ".join(map(str, sizes))
    scope = claim.scope or (f"every size {shown} ≥ 1 and every index in range "
                            "(symbolic sizes)" if sizes else "every index in range")
    if claim.when:
        scope += f" where {claim.when}"
    return results, f"{scope}; {plan.text}"


def _link(world: Any, ranges: list, sizes: list, when: Any, plan: Any, values: list, k: int,
          options: Any) -> LinkResult:
    diff = sp.sympify(values[k] - values[k + 1], strict=True)
    steps = [Step("definition", "both sides written with symbolic sizes",
                  sp.latex(values[k]) + " = " + sp.latex(values[k + 1]))]
    found, case = num.numeric_case(world, ranges, plan.assignments, values[k], values[k + 1],
                                   options) or (None, "")
    if found is not None and not found.agree:
        if found.counterexample is None:
            # only undefined or one-sided points, or a float64 disagreement that is not one
            # in high precision (rounding): nothing shows a difference
            return LinkResult(k, k + 1, Kind.INCONCLUSIVE, found.note or "the concrete sizes "
                              "do not agree in float64, but no counterexample holds in high "
                              "precision", tuple(steps), None, tuple(found.evidence()))
        return LinkResult(k, k + 1, Kind.REFUTED, "the sides differ at a concrete size",
                          tuple(steps), found.counterexample, tuple(found.evidence()),
                          case=case)
    evidence = tuple(found.evidence()) if found else ()
    if found is None:
        return LinkResult(k, k + 1, Kind.INCONCLUSIVE, "no index assignment to check",
                          tuple(steps), None, evidence)
    refused = _proved(diff, Domain(ranges), set(sizes), when, steps)
    if refused:
        return LinkResult(k, k + 1, Kind.INCONCLUSIVE, f"no proof for every size ({refused}); "
                          "the concrete sizes agree", tuple(steps), None, evidence)
    return LinkResult(k, k + 1, Kind.VERIFIED, "proved for every size", tuple(steps), None,
                      evidence)


def _proved(diff: sp.Expr, domain: Domain, sizes: set, when: Any, steps: list[Step],
            depth: int = 0) -> str:
    """'' when diff is 0 over the domain (and `when`); else why no proof is claimed.
    A sum reversed below a size threshold splits the domain there."""
    if domain.empty():
        steps.append(Step("vacuous", "no index in range here"))
        return ""
    diff = without_empty(diff)
    problem = index_problem(diff)
    if problem:
        return problem
    gap = unsure_gap(diff, domain, sizes)
    if gap is None:
        return "" if _prove(diff, domain, sizes, when, steps) else "did not reduce to 0"
    cut = threshold(gap, sizes, domain)
    if cut is None or depth > 2:
        return f"a sum may have reversed bounds ({gap} < 0) for some sizes"
    size, least_ok = cut
    least = domain.least.get(size, 1)
    if least_ok - least > MAX_SPLIT:
        return f"a sum has reversed bounds for {size} < {least_ok}"
    for value in range(least, least_ok):
        steps.append(Step("case", f"{size} = {value}: empty sums are 0"))
        put = {size: sp.Integer(value)}
        why = _proved(diff.xreplace(put), domain.at(size, value), sizes - {size},
                      when.xreplace(put) if when is not None else None, steps, depth + 1)
        if why:
            return f"at {size} = {value}: {why}"
    steps.append(Step("case", f"{size} ≥ {least_ok}: no sum reversed"))
    return _proved(diff, domain.from_(size, max(least, least_ok)), sizes, when, steps,
                   depth + 1)


def _prove(diff: sp.Expr, domain: Domain, sizes: set, when: Any, steps: list[Step]) -> bool:
    """Slack sizes first; `refine` (SymPy's assumption system, slow to load and to
    run) only when that fails.  `when` renames indices it equates and zeroes the
    deltas of indices it keeps apart."""
    rename, unequal, _ = when_rules(when, {v for v, _, _ in domain.ranges}) \
        if when is not None else ({}, [], [])
    diff, ranges = diff.xreplace(rename), domain.ranges
    shifted = {v: lo + sp.Symbol(f"u_{v}", integer=True, nonnegative=True)
               for v, lo, _ in ranges if lo not in (sp.S.Zero, sp.S.One)}
    if shifted:  # an index from lo ≠ 0, 1 as lo + a non-negative u (its sign says no more)
        diff, ranges = _shift(diff, ranges, shifted)
        unequal = [(sp.sympify(a, strict=True).xreplace(shifted),
                    sp.sympify(b, strict=True).xreplace(shifted))
                   for a, b in unequal]
        steps.append(Step("shift", "indices written from their lower bounds: " + ", ".join(
            f"{v} = {value}" for v, value in shifted.items())))
    slack = {}  # write each size as one of its indices + a non-negative slack
    for v, lo, hi in ranges:
        size = _size_plus_constant(hi)
        if size is not None and size not in slack:  # hi = size + c, so size = v - c + slack
            slack[size] = v - (hi - size) + sp.Symbol(f"s_{v}", integer=True, nonnegative=True)
    # the sums and deltas evaluated once, with the slack sizes already in
    if slack and sp.expand(unequal_deltas(diff.xreplace(slack).doit(), unequal)) == 0:
        text = ", ".join(f"{size} = {value}" for size, value in slack.items())
        steps.append(Step("slack", f"sizes written as index + non-negative slack ({text}); "
                          "sums and Kronecker deltas evaluated; expanded to 0"))
        return True
    done = unequal_deltas(diff.doit(), unequal)
    steps.append(Step("doit", "sums and Kronecker deltas evaluated", sp.latex(done)))
    facts = [sp.Q.ge(v, lo) & sp.Q.le(v, hi) for v, lo, hi in ranges]
    facts += [sp.Q.ge(s, m) for s, m in domain.least.items()]
    refined = unequal_deltas(sp.refine(done, sp.And(*facts)).doit(), unequal) if facts else done
    expanded = sp.expand(refined)
    if expanded == 0 or is_zero_rational(expanded):
        steps.append(Step("refine", "guards removed under the index ranges "
                          f"({', '.join(f'{lo} ≤ {v} ≤ {hi}' for v, lo, hi in ranges)}); "
                          "expanded to 0"))
        return True
    steps.append(Step("nonzero", "did not reduce to 0 for symbolic sizes", sp.latex(expanded)))
    return False


def _shift(diff: sp.Expr, ranges: list, shifted: dict) -> tuple[sp.Expr, list]:
    """Indices replaced one range after another (a later bound may name an earlier index)."""
    out = []
    for v, lo, hi in ranges:
        out.append((shifted.get(v, v), lo.xreplace(shifted), hi.xreplace(shifted)))
    return diff.xreplace(shifted), out


def _size_plus_constant(hi: sp.Expr) -> sp.Symbol | None:
    """The symbol N when hi is N + c for an integer c."""
    if hi.is_Symbol:
        return hi
    if hi.is_Add and len(hi.free_symbols) == 1:
        (size,) = hi.free_symbols
        if (hi - size).is_Integer:
            return size
    return None


__all__ = ["check", "nonnegative"]
