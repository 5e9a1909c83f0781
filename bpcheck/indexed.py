"""Proofs for every size: claims written with IndexedBase, Sum and KroneckerDelta.

The difference of the two sides is evaluated (`doit`), which turns sums of
Kronecker deltas into Piecewise terms guarded by the index ranges; `refine`
under the ranges declared in `where` removes the guards; expansion decides.
A proof here holds for every width.  The same identity is also checked
numerically at concrete sizes, so a wrong symbolic step cannot pass alone.
"""
from __future__ import annotations

import itertools
from typing import Any

import sympy as sp

from . import dag
from .build import build_world
from .catalog import setting_names
from .evaluate import Evaluator
from .exprs import parse
from .model import Claim, Kind, LinkResult, Step
from .numeric import compare
from .symbolic import is_zero_rational

SIZES = (2, 3, 4)
MAX_ASSIGNMENTS = 24


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
    done = diff.doit()
    steps.append(Step("doit", "sums and Kronecker deltas evaluated", sp.latex(done)))
    slack = {}  # write each size as one of its indices + a non-negative slack
    for v, lo, hi in ranges:
        if hi.is_Symbol and hi not in slack:
            slack[hi] = v + sp.Symbol(f"s_{v}", integer=True, nonnegative=True)
    if slack and sp.expand(done.subs(slack).doit()) == 0:
        text = ", ".join(f"{size} = {value}" for size, value in slack.items())
        steps.append(Step("slack", f"sizes written as index + non-negative slack ({text}); "
                          "expanded to 0"))
        return True
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
    size_syms = sorted({hi for _, _, hi in ranges if hi.is_Symbol}, key=str)
    worst = None
    count = 0
    for sizes in itertools.product(SIZES, repeat=len(size_syms)):
        size_map = dict(zip(size_syms, sizes))
        spans = [range(int(lo.subs(size_map)), int(hi.subs(size_map)) + 1) for _, lo, hi in ranges]
        sizes_in = {k: sp.Integer(v) for k, v in size_map.items()}
        sized = [sp.sympify(e).xreplace(sizes_in).doit() for e in (lhs, rhs)]  # sums expanded once
        for idx in itertools.product(*spans):
            if count >= MAX_ASSIGNMENTS:
                return worst
            count += 1
            l, r = (_concrete(e, {v: i for (v, _, _), i in zip(ranges, idx)}) for e in sized)
            res = compare(l, r, world, options.seed, 8, options.rtol, options.atol)
            if not res.agree:
                return res
            worst = res if worst is None or res.max_abs > worst.max_abs else worst
    return worst


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
