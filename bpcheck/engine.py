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
    return out


def partials(fs: list[sp.Basic], xs: list[sp.Symbol]) -> list[list[sp.Basic]]:
    """[∂f/∂x for x in xs] for f in fs, differentiated by symengine; each atom's
    derivative is its own `fdiff` rule (σ' = σ(1 − σ), ∂G → ∂k·G, ...), put in
    where symengine leaves Derivative/Subs of the uninterpreted function symbols.
    Raises Unsupported for what it cannot hold."""
    if se is None:
        raise Unsupported("symengine is not installed")
    converted = [to_engine(f) for f in fs]
    wrt = [to_engine(x) for x in xs]
    if not all(w.is_Symbol for w in wrt):
        raise Unsupported("a variable that is not a plain symbol")
    out = []
    for g in converted:
        if _has_functions(g):
            out.append([from_engine(_apply_rules(g.diff(w))) for w in wrt])
        else:  # a rational function of the symbols: nothing for the rules to do
            out.append([from_engine(g.diff(w)) for w in wrt])
    return out


_FUNCTIONS: dict[Any, bool] = {}


def _has_functions(g: Any) -> bool:
    if g not in _FUNCTIONS:
        if len(_FUNCTIONS) > MAX_MEMO:
            _FUNCTIONS.clear()
        _FUNCTIONS[g] = bool(g.atoms(se.FunctionSymbol))
    return _FUNCTIONS[g]


def _apply_rules(d: Any) -> Any:
    """Derivatives symengine left unevaluated → each atom's rule.  A Subs holds the
    Derivative of a dummy inside it: the Subs is replaced whole."""
    found = d.atoms(se.Subs, se.Derivative)
    if not found:
        return d
    inner = {s.expr for s in found if isinstance(s, se.Subs)}
    return d.xreplace({n: _rule_at(n) for n in found if n not in inner})


_RULES: dict[Any, Any] = {}


def _rule_at(node: Any) -> Any:
    """Subs(Derivative(F(.., ξ, ..), ξ), ξ, p) or Derivative(F(.., x, ..), x): F's
    rule for that slot, at the arguments."""
    hit = _RULES.get(node)
    if hit is not None:
        return hit
    point: dict = {}
    der = node
    if isinstance(node, se.Subs):
        der = node.expr
        if len(node.variables) != 1 or not isinstance(der, se.Derivative):
            raise Unsupported("a substitution into several variables")
        point = {node.variables[0]: node.point[0]}
    f, *variables = der.args
    if len(variables) != 1 or list(f.args).count(variables[0]) != 1 \
            or not f.is_Function or not hasattr(f, "get_name"):
        raise Unsupported("a derivative symengine left unevaluated")
    slot = list(f.args).index(variables[0]) + 1
    args = [a.xreplace(point) if point else a for a in f.args]
    app = _function_class(f.get_name())(*[from_engine(a) for a in args])
    out = _RULES[node] = to_engine(app.fdiff(slot))
    return out


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
        out = sp.sympify(g)
    elif g.is_Function:  # log, exp, sin, cos
        out = getattr(sp, type(g).__name__)(*[_back(a) for a in g.args])
    else:
        raise Unsupported(type(g).__name__)
    _BACK[g] = out
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


__all__ = ["Unsupported", "available", "equal", "from_engine", "is_zero", "partials", "to_engine"]
