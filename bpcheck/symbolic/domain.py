"""Where a formula's values lie, read from its structure: what licenses a rewrite.

The formula language's domain is the reals: every symbol takes real values (the
numeric side samples real points; a symbol declared `positive` carries SymPy's
positive=True).  A rewrite such as log(e^u) = u holds only for real u, e^(log u) = u
only for u > 0; these predicates say when that is known.  They are conservative: False
means "not known", never "known not".  A formula that can leave the reals (sqrt(-1),
a power of a negative, the log of a non-positive) fails them, so no rewrite valid only
for real or positive arguments is ever applied to it.

`undefined_denominator` finds a divisor that is 0 at every point: a side holding one
is undefined everywhere, so a zero numerator proves nothing about it.
"""
from __future__ import annotations

import random

import sympy as sp

# SymPy's own functions by the values they take at real arguments; the atoms of
# `atoms` say theirs in a class attribute `value_range` (this module cannot import
# them: `atoms` asks it whether e^(log v) may be written v)
_SYMPY_RANGES = {sp.exp: "positive", sp.sin: "real", sp.cos: "real", sp.tanh: "real",
                 sp.Abs: "nonnegative", sp.KroneckerDelta: "nonnegative"}
_RANK = {"real": 0, "nonnegative": 1, "positive": 2}


def _range_of(e: sp.Basic) -> int | None:
    """How far a function of real arguments is known to stay: 0 real, 1 non-negative,
    2 positive; None for a node that is no such function."""
    kind = getattr(type(e), "value_range", None) or _SYMPY_RANGES.get(type(e))
    return _RANK.get(kind) if isinstance(kind, str) else None


def _of_real(e: sp.Basic, at_least: int) -> bool:
    rank = _range_of(e)
    return rank is not None and rank >= at_least and all(real_valued(a) for a in e.args)


MAX_MEMO = 100_000
_MEMO: dict[tuple[str, sp.Basic], bool] = {}


class UndefinedEverywhere(ValueError):
    """A formula with a divisor that is identically 0: it has no value anywhere."""


def real_valued(e: sp.Basic) -> bool:
    """Is e real at every real point where it is defined?"""
    return _cached("real", e, _real)


def positive_valued(e: sp.Basic) -> bool:
    """Is e > 0 at every real point where it is defined?"""
    return _cached("positive", e, _positive)


def nonnegative_valued(e: sp.Basic) -> bool:
    """Is e >= 0 at every real point where it is defined?"""
    return _cached("nonnegative", e, _nonnegative)


def _cached(kind: str, e: sp.Basic, fn) -> bool:
    key = (kind, e)
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) > MAX_MEMO:
            _MEMO.clear()
        hit = _MEMO[key] = bool(fn(e))
    return hit


def _real(e: sp.Basic) -> bool:
    if e.is_Number or e in (sp.pi, sp.E):
        return e.is_extended_real is True
    if isinstance(e, (sp.Symbol, sp.Indexed)):  # a formula's symbols are real
        return e.is_extended_real is not False
    if e.is_Add or e.is_Mul:
        return all(real_valued(a) for a in e.args)
    if e.is_Pow:
        base, k = e.args
        if k.is_Integer:  # b^k, b^-k: real for real b (undefined at b = 0)
            return real_valued(base)
        return real_valued(k) and (positive_valued(base) or (nonnegative_valued(base)
                                                                 and k.is_positive is True))
    if isinstance(e, sp.log):  # log u is real exactly where u > 0
        return positive_valued(e.args[0])
    if _of_real(e, 0):
        return True
    if isinstance(e, sp.Piecewise):
        return all(real_valued(value) for value, _ in e.args)
    return e.is_extended_real is True


def _nonnegative(e: sp.Basic) -> bool:
    if positive_valued(e):
        return True
    if e.is_Number:
        return e.is_nonnegative is True
    if isinstance(e, sp.Symbol):
        return e.is_nonnegative is True
    if e.is_Add or e.is_Mul:
        return all(nonnegative_valued(a) for a in e.args)
    if e.is_Pow:
        base, k = e.args
        if k.is_Integer and k.is_even:  # an even power of a real: never negative
            return real_valued(base)
        return nonnegative_valued(base) and real_valued(k)
    return _of_real(e, 1)


def _positive(e: sp.Basic) -> bool:
    if e.is_Number or e in (sp.pi, sp.E):
        return e.is_extended_positive is True
    if isinstance(e, sp.Symbol):
        return e.is_positive is True  # declared positive
    if e.is_Add:  # non-negative terms, one of them positive
        return (all(nonnegative_valued(a) for a in e.args)
                and any(positive_valued(a) for a in e.args))
    if e.is_Mul:
        return all(positive_valued(a) for a in e.args)
    if e.is_Pow:
        return positive_valued(e.args[0]) and real_valued(e.args[1])
    return _of_real(e, 2)


# ---- divisors that vanish everywhere ----------------------------------------------

_SAMPLES = 6  # seeded points at which a divisor is evaluated (50 digits)
_SIGNS = ((-3000, 3000), (100, 3000), (-3000, -100))  # any sign, all positive, all negative
_NONZERO_MEMO: dict[sp.Basic, bool] = {}


def undefined_denominator(exprs: list[sp.Basic]) -> sp.Expr | None:
    """A divisor in exprs (the bases of negative powers, anywhere in them) that is 0
    at every point, or the product of them all when that is (a side defined only
    where relu(x) > 0 and the other only where relu(-x) > 0 share no point); None
    when they are non-zero together somewhere (then both sides are defined off a
    set of measure zero)."""
    bases = list(dict.fromkeys(b for e in exprs for b in _divisors(e)))
    for base in bases:
        if not _not_identically_zero(base):
            return base
    doubtful = [b for b in bases if not _structurally_nonzero(b)]
    if len(doubtful) > 1 and not _nonzero_somewhere(sp.Mul(*doubtful)):
        return sp.Mul(*doubtful)
    return None


_DIVISORS: dict[sp.Basic, frozenset] = {}  # kept: a world's claims share their sub-terms
_NONE: frozenset = frozenset()


def _divisors(e: sp.Basic) -> frozenset:
    """The bases of the negative powers in e, each distinct node visited once per run."""
    if len(_DIVISORS) > 4 * MAX_MEMO:
        _DIVISORS.clear()
    hit = _DIVISORS.get(e)
    if hit is not None:
        return hit
    stack: list[tuple[sp.Basic, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in _DIVISORS:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in _DIVISORS)
            continue
        found = _NONE
        for a in node.args:
            if _DIVISORS[a]:
                found = found | _DIVISORS[a]
        if node.is_Pow and node.args[1].is_negative:
            found = found | {node.args[0]}
        _DIVISORS[node] = found
    return _DIVISORS[e]


def _not_identically_zero(d: sp.Basic) -> bool:
    hit = _NONZERO_MEMO.get(d)
    if hit is None:
        if len(_NONZERO_MEMO) > MAX_MEMO:
            _NONZERO_MEMO.clear()
        hit = _NONZERO_MEMO[d] = _structurally_nonzero(d) or _nonzero_somewhere(d)
    return hit


def _structurally_nonzero(d: sp.Basic) -> bool:
    """Cheap sufficient tests: a non-zero number, a symbol, a never-zero atom, a
    product or power of such, a positive expression."""
    if d.is_Number:
        return d != 0
    if isinstance(d, (sp.Symbol, sp.Indexed)) or positive_valued(d):
        return True
    if d.is_Mul:  # analytic factors: a product of non-zero ones is non-zero somewhere
        return all(_structurally_nonzero(a) for a in d.args)
    if d.is_Pow:
        return _structurally_nonzero(d.args[0])
    return False


def _nonzero_somewhere(d: sp.Basic) -> bool:
    """Is d clearly non-zero at one of a few seeded random points?  Each atom is put
    back as its definition; an application of an undefined function stands for a
    random value (the claim is made for every such function).  A value above 1e-20
    at 50 digits is not rounding."""
    rng = random.Random(0)
    value = d.replace(lambda a: hasattr(a, "as_elementary"), lambda a: a.as_elementary())
    # in a fixed order (sets iterate by hash, which changes between runs), so that the
    # points, and so the verdict, are the same in every run
    names = sorted(value.free_symbols, key=sp.default_sort_key)
    opaque = sorted((a for a in value.atoms(sp.Function) if getattr(a, "value_range", None)),
                    key=sp.default_sort_key)
    for k in range(_SAMPLES):
        low, high = _SIGNS[k % len(_SIGNS)]  # all-positive points too: a ReLU chain is > 0 there
        point = {s: sp.Rational(rng.randint(low, high), 1000) for s in names}
        point.update({a: sp.Rational(rng.randint(low, high), 1000) for a in opaque})
        try:
            if bool(abs(sp.N(value.xreplace(point), 50)) > sp.Float("1e-20")):
                return True
        except Exception:  # a value SymPy cannot reduce to a number: not known to vanish
            return True
    return False


__all__ = ["UndefinedEverywhere", "nonnegative_valued", "positive_valued", "real_valued",
           "undefined_denominator"]
