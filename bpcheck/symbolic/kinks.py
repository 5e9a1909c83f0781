"""What a verified claim says at its kinks: the convention it uses there.

The zero test excludes kinks (ReLU at 0, |x| at 0, max ties).  For a claim in
one variable, each kink point is examined: the one-sided values of the
first-principles side and the formula's own value there.  A value between
the one-sided values is a valid subgradient, so the verdict states it as a
convention rather than a fact.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from .atoms import kink_arguments
from .linalg import entries, unit
from .zero_test import Region, _in_region, _Infeasible, _Undecided


def kink_note(quantity: Any, formula: Any) -> str:
    q, f = entries(unit(quantity)), entries(unit(formula))
    if len(q) != 1:
        return ""
    q, f = q[0], f[0]
    symbols = (q.free_symbols | f.free_symbols)
    args = [u for u in dict.fromkeys(kink_arguments(q) + kink_arguments(f))]
    if len(symbols) != 1 or not args:
        return ""
    (x,) = symbols
    notes = []
    for u in args:
        for point in sp.solve(sp.Eq(u, 0), x):
            notes.append(_at_point(q, f, x, point, u))
    return "; ".join(n for n in notes if n)


def _at_point(q: sp.Expr, f: sp.Expr, x: sp.Symbol, p: sp.Expr, u: sp.Expr) -> str:
    try:
        left = _one_side(q, u, -1).subs(x, p)
        right = _one_side(q, u, 1).subs(x, p)
    except (_Infeasible, _Undecided, KeyError):
        return ""
    value = f.subs(x, p)
    if not all(v.is_Number for v in (left, right, value)):
        return ""
    low, high = sorted((left, right))
    if left == right and value == left:
        return ""
    where = f"at {x} = {p}"
    if left != right:
        kind = ("a subgradient convention (any value between them is a subgradient)"
                if low <= value <= high else "outside the one-sided values: not a subgradient")
        return (f"{where} there is no derivative (one-sided values {left} and {right}); "
                f"the formula's value {value} there is {kind}")
    return f"{where} the formula's value {value} differs from the limit {left}"


def _one_side(e: sp.Expr, u: sp.Expr, sign: int) -> sp.Expr:
    signs = tuple((v, sign if v == u else 1) for v in dict.fromkeys(kink_arguments(e)))
    return _in_region(e, Region(signs=signs)) if signs else e
