"""One point's values in high precision (mpmath), to tell a real disagreement from
float64 rounding: a counterexample is reported only if the sides still differ when
evaluated with 50 significant digits.

The point's coordinates are float64 numbers, read exactly; the formula's numbers are
read exactly (rationals) or to the working precision (π, e).  Values are real or
complex (principal branches), as in `walk`."""
from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from ..symbolic.atoms import PARTIAL_NAME, UNDEFINED
from .walk import RandomFunctions, _NeedsLambdify

DIGITS = 50


class Unsupported(Exception):
    """A node this evaluator has no high-precision form for."""


class Undefined(Exception):
    """A value that is undefined at the point (a division by 0, log 0)."""


def precise_values(exprs: list[sp.Expr], point: dict[sp.Basic, float], funcs: RandomFunctions,
                   digits: int = DIGITS) -> list[Any | None] | None:
    """Each expression's value at the point (None where undefined); None if some
    node has no high-precision form here."""
    with mpmath.workdps(digits):
        memo: dict[sp.Basic, Any] = {s: mpmath.mpf(float(v)) for s, v in point.items()}
        out: list[Any | None] = []
        for e in exprs:
            try:
                out.append(_value(e, memo, funcs))
            except (Undefined, ZeroDivisionError, OverflowError, ValueError):
                out.append(None)
            except (Unsupported, TypeError, RecursionError):
                return None
        return out


def _value(e: sp.Basic, memo: dict, funcs: RandomFunctions) -> Any:
    hit = memo.get(e)
    if hit is not None:
        return hit
    args = e.args
    if e.is_Add:
        value = mpmath.fsum(_value(a, memo, funcs) for a in args)
    elif e.is_Mul:
        value = mpmath.fprod(_value(a, memo, funcs) for a in args)
    elif e.is_Pow:
        value = _power(_value(args[0], memo, funcs), _value(args[1], memo, funcs))
    elif e is sp.I:
        value = mpmath.mpc(0, 1)
    elif e.is_Rational:
        value = mpmath.mpf(int(e.p)) / int(e.q)
    elif e.is_Number or e.is_NumberSymbol:
        value = mpmath.mpmathify(str(sp.N(e, mpmath.mp.dps + 5)))
    elif isinstance(e, UNDEFINED):
        value = _random_function(e, [_value(a, memo, funcs) for a in args], funcs)
    elif type(e).__name__ in _UNARY and len(args) == 1:
        value = _UNARY[type(e).__name__](_value(args[0], memo, funcs))
    elif type(e).__name__ in _SEVERAL:
        value = _SEVERAL[type(e).__name__](*[_value(a, memo, funcs) for a in args])
    elif isinstance(e, sp.Piecewise):
        value = next((_value(v, memo, funcs) for v, c in args if _value(c, memo, funcs)), None)
        if value is None:
            raise Undefined("no piece holds")
    elif type(e) in _LOGIC:
        value = _LOGIC[type(e)](*[_value(a, memo, funcs) for a in args])
    elif e is sp.true or e is sp.false:
        value = bool(e)
    else:
        raise Unsupported(type(e).__name__)
    if isinstance(value, (mpmath.mpf, mpmath.mpc)) and not mpmath.isfinite(value):
        raise Undefined("not finite")
    memo[e] = value
    return value


def _power(base: Any, ex: Any) -> Any:
    if isinstance(ex, mpmath.mpf) and ex == int(ex):
        n = int(ex)
        if n < 0 and base == 0:
            raise Undefined("0 to a negative power")
        return base ** n
    if base == 0 and mpmath.re(ex) <= 0:
        raise Undefined("0 to a non-positive power")
    return mpmath.power(mpmath.mpc(base), ex)


def _random_function(e: sp.Basic, args: list[Any], funcs: RandomFunctions) -> Any:
    """The same random stand-in as `RandomFunctions.value`, in high precision."""
    m = PARTIAL_NAME.match(e.func.__name__)
    slots = tuple(int(t) - 1 for t in m.group(1).split("_")) if m else ()
    try:
        return funcs.value(m.group(2) if m else e.func.__name__, args, slots, lib=mpmath)
    except _NeedsLambdify as exc:  # a third derivative: not in closed form
        raise Unsupported(str(exc)) from None


def _real(u: Any) -> Any:
    """u as a real number, for the kinks and comparisons (which have no complex form)."""
    if isinstance(u, mpmath.mpc):
        raise Unsupported("a comparison of complex values")
    return u


def _ismax(k: Any, *xs: Any) -> Any:
    xs = [_real(x) for x in xs]
    return mpmath.mpf(1 if max(range(len(xs)), key=lambda i: xs[i]) == int(k) else 0)


_UNARY = {
    "Sig": lambda u: 1 / (1 + mpmath.exp(-u)), "Exp": mpmath.exp, "exp": mpmath.exp,
    "Tanh": mpmath.tanh, "tanh": mpmath.tanh, "log": mpmath.log, "sin": mpmath.sin,
    "cos": mpmath.cos, "Abs": abs, "AbsF": abs,
    "Step": lambda u: mpmath.mpf(1 if _real(u) > 0 else 0),
    "Relu": lambda u: max(_real(u), mpmath.mpf(0)),
}
_SEVERAL = {
    "MaxOf": lambda *xs: max(_real(x) for x in xs), "IsMax": _ismax,
    "KroneckerDelta": lambda i, j: mpmath.mpf(1 if i == j else 0),
}
_LOGIC = {sp.StrictLessThan: lambda a, b: _real(a) < _real(b),
          sp.LessThan: lambda a, b: _real(a) <= _real(b),
          sp.StrictGreaterThan: lambda a, b: _real(a) > _real(b),
          sp.GreaterThan: lambda a, b: _real(a) >= _real(b),
          sp.Equality: lambda a, b: a == b, sp.Unequality: lambda a, b: a != b,
          sp.And: lambda *a: all(a), sp.Or: lambda *a: any(a), sp.Not: lambda a: not a}
