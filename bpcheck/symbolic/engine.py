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

from .atoms import UNDEFINED, AbsF, Exp, IsMax, MaxOf, Relu, Sig, Step, Tanh, undefined_function

try:
    import symengine as se
except ImportError:  # pragma: no cover - symengine is a dependency; SymPy still decides
    se = None


class Unsupported(Exception):
    """A node symengine cannot hold faithfully here (Derivative, Piecewise, Sum, ...)."""


_ATOMS = {cls.__name__: cls for cls in (Sig, Exp, Tanh, Relu, Step, AbsF, MaxOf, IsMax)}
_UNDEF = "undefined:"  # prefix: a user's function may be called "Sig" too
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
        if type(e) is not sp.Symbol or e.assumptions0 not in ({}, {"commutative": True}):
            raise Unsupported(f"a dummy, or a symbol with assumptions: {e}")
        out = se.Symbol(e.name)
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
    elif isinstance(e, UNDEFINED):
        out = se.function_symbol(_UNDEF + type(e).__name__, *[_convert(a) for a in e.args])
    elif type(e).__name__ in _ATOMS:
        out = se.function_symbol(type(e).__name__, *[_convert(a) for a in e.args])
    elif isinstance(e, (sp.log, sp.exp, sp.sin, sp.cos)) and len(e.args) == 1:
        out = getattr(se, type(e).__name__)(_convert(e.args[0]))
    else:
        raise Unsupported(type(e).__name__)
    _MEMO[e] = out
    _BACK.setdefault(out, e)  # the way back gives the same SymPy objects
    return out


def partials(fs: list[sp.Basic], xs: list[sp.Symbol]) -> list[list[sp.Basic]]:
    """[∂f/∂x for x in xs] for f in fs, differentiated by symengine; each atom's
    derivative is its own `fdiff` rule (σ' = σ(1 − σ), ∂G → ∂k·G, ...), applied by
    the chain rule below.  Raises Unsupported for what it cannot hold."""
    return [[from_engine(d) for d in row] for row in engine_partials(fs, xs)]


def engine_partials(fs: list[sp.Basic], xs: list[sp.Symbol]) -> list[list[Any]]:
    """`partials`, left as symengine expressions (for arithmetic that stays there)."""
    if se is None:
        raise Unsupported("symengine is not installed")
    converted = [to_engine(f) for f in fs]
    wrt = [to_engine(x) for x in xs]
    if not all(w.is_Symbol for w in wrt):
        raise Unsupported("a variable that is not a plain symbol")
    if len(_D) > MAX_MEMO:
        for memo in (_D, _HELD, _SYMBOL, _RULES, _FREE):
            memo.clear()
    return [[_d(g, w) for w in wrt] for g in converted]


# The chain rule over function symbols, by hand: in g every application A = F(u, ...)
# is held as a fresh symbol a, so symengine differentiates a rational function of
# symbols; then dg/dx = ∂g/∂x + Σ ∂g/∂a · dA/dx with dA/dx = Σ_k (F's rule for slot k)
# · du_k/dx.  Every piece is kept: a network's quantities share their applications.
_D: dict[tuple[Any, Any], Any] = {}
_HELD: dict[Any, tuple[Any, list[tuple[Any, Any]], dict]] = {}
_SYMBOL: dict[Any, Any] = {}
_RULES: dict[tuple[Any, int], Any] = {}


def _d(g: Any, x: Any) -> Any:
    key = (g, x)
    hit = _D.get(key)
    if hit is not None:
        return hit
    held, outer, back = _held(g)
    out = held.diff(x)
    for app, a in outer:
        if x in _free(app):
            out += _d(held, a) * _d_app(app, x)
    out = _D[key] = out.xreplace(back) if outer else out
    return out


def _d_app(app: Any, x: Any) -> Any:
    total = se.Integer(0)
    for k, u in enumerate(app.args, start=1):
        if x in _free(u):
            total += _rule(app, k) * _d(u, x)
    return total


def _held(g: Any) -> tuple[Any, list[tuple[Any, Any]], dict]:
    """g with its outermost applications held as symbols; the (application, symbol)
    pairs; the way back."""
    hit = _HELD.get(g)
    if hit is None:
        apps = g.atoms(se.FunctionSymbol)
        if not apps:
            hit = (g, [], {})
        else:
            mapping = {app: _symbol(app) for app in apps}
            held = g.xreplace(mapping)  # top-down: an application inside another goes with it
            present = held.free_symbols
            outer = [(app, a) for app, a in mapping.items() if a in present]
            hit = (held, outer, {a: app for app, a in outer})
        _HELD[g] = hit
    return hit


def _symbol(app: Any) -> Any:
    """A fresh symbol for an application (no formula can name it; it never leaves here)."""
    if app not in _SYMBOL:
        _SYMBOL[app] = se.Symbol(f"⟨application {len(_SYMBOL)}⟩")
    return _SYMBOL[app]


_FREE: dict[Any, Any] = {}


def _free(e: Any) -> Any:
    hit = _FREE.get(e)
    if hit is None:
        hit = _FREE[e] = e.free_symbols
    return hit


def _rule(app: Any, slot: int) -> Any:
    """F's own derivative rule for one slot, at the application's arguments."""
    key = (app, slot)
    if key not in _RULES:
        args = [from_engine(a) for a in app.args]
        _RULES[key] = to_engine(_function_class(app.get_name())(*args).fdiff(slot))
    return _RULES[key]


def _function_class(name: str) -> type:
    if name.startswith(_UNDEF):
        return undefined_function(name[len(_UNDEF):])
    if name in _ATOMS:
        return _ATOMS[name]
    raise Unsupported(f"function {name}")


_BACK: dict[Any, sp.Basic] = {}


def from_engine(g: Any) -> sp.Basic:
    """The SymPy form of a symengine result, each distinct node converted once
    (a Jacobian's entries share most of their sub-terms)."""
    if len(_BACK) > MAX_MEMO:
        _BACK.clear()
    return _back(g)


def _back(g: Any) -> sp.Basic:
    hit = _BACK.get(g)
    if hit is not None:
        return hit
    if g.is_Add:
        out = sp.Add(*[_back(a) for a in g.args])
    elif g.is_Mul:
        out = sp.Mul(*[_back(a) for a in g.args])
    elif g.is_Pow:
        out = sp.Pow(_back(g.args[0]), _back(g.args[1]))
    elif g.is_Symbol:
        if g.is_Dummy:
            raise Unsupported("a dummy symbol")
        out = sp.Symbol(g.name)
    elif g.is_Function and hasattr(g, "get_name") and not isinstance(g, se.Subs) \
            and not isinstance(g, se.Derivative):
        out = _function_class(g.get_name())(*[_back(a) for a in g.args])
    elif g.is_Number or g == se.E or g == se.pi:
        out = sp.sympify(g, strict=True)
    elif g.is_Function:  # log, exp, sin, cos
        out = getattr(sp, type(g).__name__)(*[_back(a) for a in g.args])
    else:
        raise Unsupported(type(g).__name__)
    _BACK[g] = out
    _MEMO.setdefault(out, g)  # the way there again (a derivative read back is then decided)
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


__all__ = ["Unsupported", "available", "engine_partials", "equal", "from_engine", "is_zero",
           "partials", "to_engine"]
