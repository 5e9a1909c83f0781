"""How large an expansion can get, known before it starts.

The zero test expands the difference of two sides over one denominator in symengine,
in C, where the time limit's alarm cannot stop it: `(x1 + ... + x30)**30` would run for
hours.  Once the numbers refute a link, that expansion only adds proof steps, so it is
run only when this bound says it is small."""
from __future__ import annotations

import math
from typing import Any

import sympy as sp

from ..symbolic.linalg import entries

SMALL = 20_000  # terms: symengine expands this many in well under a second


def expansion_terms(lhs: Any, rhs: Any) -> float:
    """An upper bound on the number of terms in the expanded numerators and
    denominators of lhs − rhs, entry by entry (each atom σ(u), e^u, … counted once, its
    argument's own expansion included); `math.inf` when it is too deep to count."""
    memo: dict[Any, tuple[float, float, float]] = {}
    total = 0.0
    try:
        for a, b in zip(entries(lhs), entries(rhs)):
            na, da, ia = _terms(a, memo)
            nb, db, ib = _terms(b, memo)
            total += na * db + nb * da + da * db + max(ia, ib)
    except RecursionError:
        return math.inf
    return total


def _terms(e: Any, memo: dict) -> tuple[float, float, float]:
    """(numerator terms, denominator terms, largest expansion inside an atom)."""
    hit = memo.get(e)
    if hit is not None:
        return hit
    args = [_terms(a, memo) for a in getattr(e, "args", ())]
    inner = max((n + d + i for n, d, i in args), default=0.0)
    if isinstance(e, sp.Add):  # over one denominator: each numerator times the others
        dens = math.prod(d for _, d, _ in args)
        nums = math.inf if math.isinf(dens) else sum(n * dens / d for n, d, _ in args)
        out = (nums, dens, max(i for *_, i in args))
    elif isinstance(e, sp.Mul):
        out = (math.prod(n for n, _, _ in args), math.prod(d for _, d, _ in args),
               max(i for *_, i in args))
    elif isinstance(e, sp.Pow) and e.exp.is_Integer:
        (n, d, i), k = args[0], int(e.exp)
        up, down = _power(n, abs(k)), _power(d, abs(k))
        out = (up, down, i) if k >= 0 else (down, up, i)
    else:  # a symbol, a number, or an atom the zero test keeps whole
        out = (1.0, 1.0, inner)
    memo[e] = out
    return out


def _power(terms: float, k: int) -> float:
    """Monomials in the k-th power of a sum of `terms` terms: C(terms + k − 1, k)."""
    if terms <= 1 or k <= 1:
        return terms ** k if terms > 1 else 1.0
    if math.isinf(terms):
        return math.inf
    log = math.lgamma(terms + k) - math.lgamma(k + 1) - math.lgamma(terms)
    return math.exp(log) if log < 700 else math.inf
