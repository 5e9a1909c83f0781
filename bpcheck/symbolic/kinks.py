"""What a verified claim leaves out: the kinks its proof excluded, and its convention there.

The zero test decides region by region and excludes the kinks (ReLU/step/|·| at 0,
max ties, piecewise boundaries); so does each derivative rule of a kinked atom.  A
verified claim with kinks says which set that is, whatever its number of variables.
In one variable each kink point found exactly (a root of a polynomial of degree at
most 4) is examined: the one-sided values of the first side and the formula's own
value there; a value between the one-sided values is a valid subgradient, so the
verdict states it as a convention rather than a fact.  The analysis never decides
anything: when it fails, the note is the plain excluded set.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from .atoms import KINKED, AbsF, IsMax, MaxOf, Relu, Step, kink_arguments
from .dag import atoms_of
from .linalg import entries, unit
from .zero_test import Region, _in_region

MAX_LISTED = 3  # excluded sets named one by one; more are counted
MAX_TEXT = 160
MAX_DEGREE = 4


def kink_note(sides: list[Any], more_cases: list[list[Any]] = ()) -> str:
    """The note a verified claim's scope carries: '' when nothing was excluded.  With
    `more_cases` (the sides in the claim's other index cases) the note names the union of
    every case's excluded sets, once."""
    values = _values(sides)
    sets = _sets(values + [e for case in more_cases for e in _values(case)])
    if not sets:
        return ""
    symbols = set().union(*[e.free_symbols for e in values])
    if more_cases:
        return _excluded(sets)
    if len(symbols) == 1 and len(entries(unit(sides[0]))) == 1:
        try:
            return _one_variable(sides[0], sides[-1], next(iter(symbols)), sets)
        except Exception:  # the analysis only adds detail: on failure, the plain set
            pass
    return _excluded(sets)


def _values(sides: list[Any]) -> list[sp.Basic]:
    return [e for side in sides for e in entries(unit(side)) if isinstance(e, sp.Basic)]


def _sets(values: list[sp.Basic]) -> list[str]:
    kinked = sorted(set().union(*[atoms_of(e, (*KINKED, sp.Piecewise)) for e in values]),
                    key=sp.default_sort_key)
    # ReLU(u) and ReLU(−u) (leaky ReLU) exclude one set: named once, as u = 0
    args = {atom.args[0] for atom in kinked if isinstance(atom, (Relu, Step, AbsF))}
    kinked = [atom for atom in kinked if not (isinstance(atom, (Relu, Step, AbsF))
                                             and atom.args[0].could_extract_minus_sign()
                                             and -atom.args[0] in args)]
    return list(dict.fromkeys(text for atom in kinked for text in _excluded_by(atom)))


def _excluded(sets: list[str]) -> str:
    text = "excluded: " + ", ".join(sets)
    if len(sets) <= MAX_LISTED and len(text) <= MAX_TEXT:
        return text
    return (f"excluded: {len(sets)} sets of measure zero where a kink argument is 0 "
            "(ReLU/step/|·| arguments, max ties, piecewise boundaries)")


def _excluded_by(atom: sp.Basic) -> list[str]:
    if isinstance(atom, (Relu, Step, AbsF)):
        return [f"{sp.sstr(atom.args[0])} = 0"]
    if isinstance(atom, (MaxOf, IsMax)):
        xs = atom.args if isinstance(atom, MaxOf) else atom.args[1:]
        if len(xs) <= 4:
            return [f"ties of max({', '.join(sp.sstr(x) for x in xs)})"]
        return [f"ties among the {len(xs)} entries of max({sp.sstr(xs[0])}, …, {sp.sstr(xs[-1])})"]
    return [f"{sp.sstr(rel.lhs)} = {sp.sstr(rel.rhs)}" for _, cond in atom.args
            for rel in sorted(cond.atoms(sp.core.relational.Relational), key=sp.default_sort_key)]


def _one_variable(quantity: Any, formula: Any, x: sp.Symbol, sets: list[str]) -> str:
    q, f = entries(unit(quantity))[0], entries(unit(formula))[0]
    notes, unsolved = [], []
    arguments = dict.fromkeys(kink_arguments(q) + kink_arguments(f))
    for u in [u for u in arguments if not (u.could_extract_minus_sign() and -u in arguments)]:
        points = _real_roots(u, x)
        if points is None:
            unsolved.append(f"{sp.sstr(u)} = 0")
            continue
        notes += [_at_point(q, f, x, p, u) for p in points]
    notes = [n for n in notes if n]
    if unsolved:
        notes.insert(0, "excluded: the points where " + ", ".join(unsolved))
    return "; ".join(notes)


def _real_roots(u: sp.Expr, x: sp.Symbol) -> list[sp.Expr] | None:
    """The real roots of u in x, exactly, when u is a polynomial of low degree with
    rational coefficients; None otherwise (no general `solve`: it may fail or run long)."""
    if not u.is_polynomial(x):
        return None
    poly = sp.Poly(u, x)
    if poly.degree() > MAX_DEGREE or not poly.domain.is_QQ and not poly.domain.is_ZZ:
        return None
    return list(dict.fromkeys(sp.real_roots(poly)))


def _at_point(q: sp.Expr, f: sp.Expr, x: sp.Symbol, p: sp.Expr, u: sp.Expr) -> str:
    """What the claim says at the kink x = p ('' when both sides agree there)."""
    where = f"at {x} = {p}"
    try:
        slope = sp.diff(u, x).subs(x, p)  # u changes sign at p, from -slope to +slope
        if not slope.is_nonzero:
            raise ValueError("a kink where its argument does not change sign")
        rising = 1 if slope.is_positive else -1
        left = _one_side(q, x, p, u, -rising).subs(x, p)
        right = _one_side(q, x, p, u, rising).subs(x, p)
        value, own = _value_at(f, x, p), _value_at(q, x, p)
    except Exception:  # the point cannot be examined: it stays excluded
        return f"excluded: {x} = {p}"
    if not all(v.is_Number for v in (left, right, value)):
        return f"excluded: {x} = {p}"
    low, high = sorted((left, right))
    if left != right:
        kind = ("a subgradient convention (any value between them is a subgradient)"
                if low <= value <= high else "outside the one-sided values: not a subgradient")
        return (f"{where} there is no derivative (one-sided values {left} and {right}); "
                f"the formula's value {value} there is {kind}")
    if value != left:
        return f"{where} the formula's value {value} differs from the limit {left}"
    if own.is_Number and own != value:
        return f"{where} the formula's value {value} differs from the first side's {own}"
    return ""


_AT_NUMBERS = {
    Relu: lambda u: sp.Max(u, 0), AbsF: sp.Abs, MaxOf: sp.Max,
    Step: lambda u: sp.Integer(1 if u > 0 else 0),  # the numeric side's convention at 0
}


def _value_at(e: sp.Expr, x: sp.Symbol, p: sp.Expr) -> sp.Expr:
    e = e.subs(x, p)
    return e.replace(lambda a: type(a) in _AT_NUMBERS and a.args[0].is_number,
                     lambda a: _AT_NUMBERS[type(a)](*a.args))


def _one_side(e: sp.Expr, x: sp.Symbol, p: sp.Expr, u: sp.Expr, sign: int) -> sp.Expr:
    """e next to the kink x = p on the side where u has `sign`; every other kink
    argument keeps its sign at p (one that is also 0 there: not examined)."""
    signs = []
    for v in dict.fromkeys(kink_arguments(e)):
        if v == u or v == -u:
            signs.append((v, sign if v == u else -sign))
            continue
        at = v.subs(x, p)
        if not at.is_nonzero:
            raise ValueError("two kinks at one point")
        signs.append((v, 1 if at.is_positive else -1))
    return _in_region(e, Region(signs=tuple(signs))) if signs else e
