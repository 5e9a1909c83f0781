"""When SymPy's evaluation of sums and deltas may be trusted for every size.

SymPy sums a Kronecker delta by solving its equation for the summation index
without asking whether the solution is an integer (δ(i, 2k) summed over k gives
the term at k = i/2 even for odd i), and it sums over reversed bounds by Karr's
convention (Σ_{k=5}^{n} with n < 4 is −Σ_{k=n+1}^{4}, not 0).  The proof is
claimed only where neither can matter: every index and bound is an integer,
each summation index enters an index or delta with coefficient ±1 (so the
solution is an integer), and every sum has hi ≥ lo − 1 at every point of the
domain (where both conventions agree), shown by writing the domain in
non-negative integer variables and finding no negative coefficient.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import sympy as sp
from sympy.core.relational import Relational

# nodes whose value SymPy's summation may mishandle when they contain the summation index
_OPAQUE = (sp.Piecewise, Relational, sp.floor, sp.ceiling, sp.Mod, sp.Min, sp.Max,
           sp.Abs, sp.sign, sp.Heaviside, sp.factorial, sp.binomial)


@dataclass
class Domain:
    """Index ranges in order (bounds may name sizes and earlier indices) and the
    least value of each size."""
    ranges: list
    least: dict = field(default_factory=dict)

    def at(self, size: sp.Symbol, value: int) -> "Domain":
        put = {size: sp.Integer(value)}
        return Domain([(v, lo.xreplace(put), hi.xreplace(put)) for v, lo, hi in self.ranges],
                      {s: m for s, m in self.least.items() if s != size})

    def from_(self, size: sp.Symbol, value: int) -> "Domain":
        return Domain(self.ranges, {**self.least, size: value})

    def empty(self) -> bool:
        """A range with numeric bounds and nothing in it: the claim says nothing here."""
        return any(lo.is_Integer and hi.is_Integer and lo > hi for _, lo, hi in self.ranges)


def index_problem(expr: Any) -> str | None:
    """Why a delta summation in `expr` might be wrong, or None."""
    for node in sp.preorder_traversal(expr):
        for e in _indices(node):
            if e.is_integer is not True:
                return f"the index or bound {e} is not an integer for every size"
        if isinstance(node, sp.Sum):
            bound = {lim[0] for lim in node.limits}
            problem = _summand_problem(node.function, bound)
            if problem:
                return problem
    return None


def _indices(node: Any) -> tuple:
    if isinstance(node, sp.Indexed):
        return node.indices
    if isinstance(node, sp.KroneckerDelta):
        return node.args
    if isinstance(node, sp.Sum):
        return tuple(b for lim in node.limits for b in lim[1:])
    return ()


def _summand_problem(body: Any, bound: set) -> str | None:
    for node in sp.preorder_traversal(body):
        if isinstance(node, _OPAQUE) and node.free_symbols & bound:
            return f"{type(node).__name__} of a summation index"
        for e in _indices(node) if not isinstance(node, sp.Sum) else ():
            for k in e.free_symbols & bound:
                poly = sp.Poly(e, k) if e.is_polynomial(k) else None
                if poly is None or poly.degree() != 1 or abs(poly.LC()) != 1:
                    return (f"the index {e} is not ±{k} plus a term free of {k}: solving "
                            "for it need not give an integer")
    return None


def without_empty(expr: Any) -> Any:
    """Sums with numeric bounds and nothing in range, as 0 (the usual convention)."""
    def empty(s: sp.Sum) -> bool:
        return any(lo.is_Integer and hi.is_Integer and hi < lo for _, lo, hi in s.limits)
    return expr.replace(lambda e: isinstance(e, sp.Sum) and empty(e), lambda e: sp.S.Zero)


def unsure_gap(expr: Any, domain: Domain, sizes: set) -> sp.Expr | None:
    """hi − lo + 1 of the first sum not shown ≥ 0 over the domain, or None."""
    for (var, lo, hi), outer in _limits(expr, ()):
        gap = hi - lo + 1
        if not nonnegative(gap, domain, sizes, outer):
            return gap
    return None


def _limits(e: Any, outer: tuple) -> Iterator[tuple]:
    """Each limit of each sum, with the limits of the sums around it (outermost first)."""
    if isinstance(e, sp.Sum):
        limits = list(e.limits)
        for n, lim in enumerate(limits):
            yield lim, outer + tuple(reversed(limits[n + 1:]))
        yield from _limits(e.function, outer + tuple(reversed(limits)))
        return
    for a in e.args:
        if isinstance(a, sp.Basic):
            yield from _limits(a, outer)


def nonnegative(expr: Any, domain: Domain, sizes: set, outer: tuple = ()) -> bool:
    """Is expr ≥ 0 at every point of the domain?  Each index is written as its lower
    bound plus a non-negative u, a size as an index plus a non-negative slack when its
    range ends at that size (else its least value plus a non-negative t), and an outer
    summation index as its lower bound plus a non-negative w; a polynomial in these
    with no negative coefficient is ≥ 0.  Facts that do not fit are dropped."""
    subst: dict = {}
    fresh: list = []

    def new(name: str) -> sp.Symbol:
        fresh.append(sp.Symbol(f"{name}_{len(fresh)}", integer=True, nonnegative=True))
        return fresh[-1]

    def fix_sizes(e: Any) -> Any:
        for s in sorted(e.free_symbols & sizes - set(subst), key=str):
            subst[s] = domain.least.get(s, 1) + new("t")
        return e.xreplace(subst)
    for var, lo, hi in domain.ranges:
        subst[var] = fix_sizes(lo) + new("u")
        top = hi.xreplace(subst)
        open_sizes = top.free_symbols & sizes - set(subst)
        size = next(iter(open_sizes)) if len(open_sizes) == 1 else None
        if size is not None and top.is_polynomial(size) and sp.Poly(top, size).degree() == 1 \
                and sp.Poly(top, size).LC() == 1 and size not in domain.least:
            subst[size] = sp.expand(subst[var] - (top - size) + new("s"))
    for var, lo, hi in outer:
        subst[var] = fix_sizes(lo.xreplace(subst)) + new("w")
    value = sp.expand(fix_sizes(sp.sympify(expr, strict=True).xreplace(subst)))
    if not value.free_symbols <= set(fresh):
        return False
    if not fresh:
        return bool(value >= 0)
    return all(c >= 0 for c in sp.Poly(value, *fresh).coeffs())


def threshold(gap: sp.Expr, sizes: set, domain: Domain) -> tuple[sp.Symbol, int] | None:
    """A gap `N − c` in one size N: (N, c), the least N at which the sum is not reversed."""
    free = gap.free_symbols
    if len(free) != 1 or not free <= sizes:
        return None
    (size,) = free
    if not gap.is_polynomial(size):
        return None
    poly = sp.Poly(gap, size)
    if poly.degree() != 1 or poly.LC() != 1 or not poly.TC().is_Integer:
        return None
    return size, int(-poly.TC())


def when_rules(when: Any, indices: set) -> tuple[dict, list, list]:
    """From a condition that is a conjunction: index renamings (i == j), the pairs
    known unequal (i != j, i < j, i > j), and the parts not used."""
    parts = list(when.args) if isinstance(when, sp.And) else [when]
    rename: dict = {}
    unequal: list = []
    unused: list = []
    for part in parts:
        if isinstance(part, (sp.Ne, sp.StrictLessThan, sp.StrictGreaterThan)):
            unequal.append((part.lhs, part.rhs))
        elif isinstance(part, sp.Eq) and part.lhs in indices and part.lhs not in rename:
            rename[part.lhs] = part.rhs
        elif isinstance(part, sp.Eq) and part.rhs in indices and part.rhs not in rename:
            rename[part.rhs] = part.lhs
        else:
            unused.append(part)
    return rename, unequal, unused


def unequal_deltas(expr: Any, unequal: list) -> Any:
    """δ(a, b) is 0 where a ≠ b is known."""
    if not unequal:
        return expr
    zero = {frozenset((a, b)) for a, b in unequal}
    return expr.replace(
        lambda e: isinstance(e, sp.KroneckerDelta) and frozenset(e.args) in zero,
        lambda e: sp.S.Zero)
