"""SymPy expressions copied into symengine (SymPy's C++ core), node by node, once.

symengine expands and differentiates many times faster than SymPy, but its own
`sympify` converts a whole tree each time, re-walking every shared sub-term.
Here each distinct SymPy node is converted once and kept (a network's claims
share their quantities), and σ(u), e^u, tanh(u), ReLU, the undefined functions
and their partials become uninterpreted function symbols: an expansion that
reaches 0 with them uninterpreted is 0 whatever they are, so a zero is a proof.
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from .atoms import UNDEFINED, AbsF, Exp, IsMax, MaxOf, Relu, Sig, Step, Tanh

try:
    import symengine as se
except ImportError:  # pragma: no cover - symengine is a dependency; SymPy still decides
    se = None


class Unsupported(Exception):
    """A node symengine cannot hold faithfully here (Derivative, Piecewise, Sum, ...)."""


_OPAQUE = (Sig, Exp, Tanh, Relu, Step, AbsF, MaxOf, IsMax, *UNDEFINED)
_MEMO: dict[sp.Basic, Any] = {}
MAX_MEMO = 400_000


def available() -> bool:
    return se is not None


def to_engine(e: sp.Basic) -> Any:
    """The symengine copy of `e`; raises Unsupported."""
    if se is None:
        raise Unsupported("symengine is not installed")
    if len(_MEMO) > MAX_MEMO:
        _MEMO.clear()
    return _convert(e)


def _convert(e: sp.Basic) -> Any:
    hit = _MEMO.get(e)
    if hit is not None:
        return hit
    if e.is_Symbol:
        if not isinstance(e, sp.Symbol) or e.assumptions0 not in ({}, {"commutative": True}):
            raise Unsupported(f"symbol with assumptions: {e}")
        name = f"{e.name}_{e.dummy_index}" if isinstance(e, sp.Dummy) else e.name
        out = se.Symbol(name)
    elif e.is_Integer:
        out = se.Integer(int(e))
    elif e.is_Rational:
        out = se.Rational(int(e.p), int(e.q))
    elif e is sp.pi:
        out = se.pi
    elif e is sp.E:
        out = se.E
    elif e.is_Add:
        out = se.Add(*[_convert(a) for a in e.args])
    elif e.is_Mul:
        out = se.Mul(*[_convert(a) for a in e.args])
    elif e.is_Pow:
        out = se.Pow(_convert(e.args[0]), _convert(e.args[1]))
    elif isinstance(e, _OPAQUE):
        out = se.function_symbol(type(e).__name__, *[_convert(a) for a in e.args])
    elif isinstance(e, (sp.log, sp.exp, sp.sin, sp.cos)) and len(e.args) == 1:
        out = getattr(se, type(e).__name__)(_convert(e.args[0]))
    else:
        raise Unsupported(type(e).__name__)
    _MEMO[e] = out
    return out


def is_zero(e: Any) -> bool:
    """Is the symengine expression identically 0 as a rational function of its
    symbols and (uninterpreted) function symbols?"""
    if se.expand(e) == 0:
        return True
    num, _ = e.as_numer_denom()
    return se.expand(num) == 0


def equal(a: sp.Basic, b: sp.Basic) -> bool:
    """A proof that a = b (False means only: not proved this way)."""
    try:
        return is_zero(to_engine(a) - to_engine(b))
    except Unsupported:
        return False


__all__ = ["Unsupported", "available", "equal", "is_zero", "to_engine"]
