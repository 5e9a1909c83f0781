"""SymPy functions with known derivative rules, used as opaque atoms.

Treating σ(u), e^u, tanh(u) as atoms with their derivative rule (instead of
their exp definitions) keeps every derivative a rational function of atoms,
which the zero test decides by expansion (../notes: ~10x faster than
simplify).  Each rule is itself proved once from its definition (`LEMMAS`).
`Exp` is a separate class so that SymPy does not merge e^a e^b into e^(a+b)
behind our back: `canonical_exp` does that explicitly when needed.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

import re

from sympy.core.function import AppliedUndef

from .dag import atoms_of
from .domain import positive_valued

# the name of a partial derivative of an undefined function: ∂<slots>·<function>
PARTIAL_NAME = re.compile(r"^∂(\d+(?:_\d+)*)·(.+)$")


class Undefined(sp.Function):
    """An application of an undefined function G (an arbitrary loss or activation).
    Its partial derivatives are again undefined functions, named ∂k·G, ∂j_k·G, ...
    (slots sorted: G is smooth, so mixed partials commute).  SymPy's own rule writes
    Derivative/Subs objects instead, with printed dummies, which cost far more to
    build and compare and spell one derivative several ways.  Not an AppliedUndef,
    so symengine differentiates it through this same rule."""

    def fdiff(self, argindex=1):
        return partial_of(self.func, (argindex,))(*self.args)

    def _latex(self, printer):
        """f'(u), f''(u) for one argument; ∂_{1,2} G(u, v) for several."""
        partial = PARTIAL_NAME.match(type(self).__name__)
        if not partial:
            return printer._print_Function(self)
        slots = partial.group(1).split("_")
        base = printer._print_Function(undefined_function(partial.group(2))(*self.args))
        if len(self.args) == 1:
            return base.replace("{\\left(", "'" * len(slots) + "{\\left(", 1)
        return r"\partial_{%s} %s" % (",".join(slots), base)

    value_range = "real"  # at real arguments (read by `domain`)

    def _eval_is_extended_real(self):  # real-valued, as `Function(name, real=True)`
        return True

    def _eval_is_finite(self):
        return True


# SymPy's own undefined functions (from `Function("G")`) and ours
UNDEFINED = (AppliedUndef, Undefined)
_FUNCTIONS: dict[str, type] = {}


def undefined_function(name: str) -> type:
    """The undefined function called `name` (one class per name)."""
    if name not in _FUNCTIONS:
        _FUNCTIONS[name] = type(name, (Undefined,), {})
    return _FUNCTIONS[name]


def partial_of(func: type, slots: tuple[int, ...]) -> type:
    """∂_slots func, merged into one function when func is already a partial."""
    name = func.__name__
    done = PARTIAL_NAME.match(name)
    if done:
        slots, name = tuple(int(s) for s in done.group(1).split("_")) + tuple(slots), done.group(2)
    return undefined_function(f"∂{'_'.join(map(str, sorted(slots)))}·{name}")


class Sig(sp.Function):
    """σ(u) = 1 / (1 + e^-u)."""

    value_range = "positive"  # at real arguments (read by `domain`)

    def as_elementary(self) -> sp.Expr:
        return 1 / (1 + sp.exp(-self.args[0]))

    nargs = 1

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _latex(self, printer):
        return r"\sigma\left(%s\right)" % printer._print(self.args[0])

    def _eval_rewrite_as_Exp(self, u, **kwargs):
        return 1 / (1 + Exp(-u))


class Exp(sp.Function):
    value_range = "positive"

    def as_elementary(self) -> sp.Expr:
        return sp.exp(self.args[0])

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u == 0:
            return sp.Integer(1)
        if isinstance(u, sp.log) and positive_valued(u.args[0]):
            return u.args[0]  # e^(log v) = v over the reals needs v > 0 (else log v is undefined)
        return None

    def fdiff(self, argindex=1):
        return self

    def _latex(self, printer):
        return r"e^{%s}" % printer._print(self.args[0])


class Tanh(sp.Function):
    value_range = "real"

    def as_elementary(self) -> sp.Expr:
        return sp.tanh(self.args[0])

    nargs = 1

    def fdiff(self, argindex=1):
        return 1 - self**2

    def _latex(self, printer):
        return r"\tanh\left(%s\right)" % printer._print(self.args[0])

    def _eval_rewrite_as_Exp(self, u, **kwargs):
        return (Exp(2 * u) - 1) / (Exp(2 * u) + 1)


class Step(sp.Function):
    """Heaviside step off its kink; its value at 0 is a convention, never sampled."""

    value_range = "nonnegative"

    def as_elementary(self) -> sp.Expr:  # 0 at the kink, as the numeric side
        return sp.Piecewise((1, self.args[0] > 0), (0, True))

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _latex(self, printer):
        return r"\mathbb{1}\left[%s > 0\right]" % printer._print(self.args[0])


class Relu(sp.Function):
    value_range = "nonnegative"

    def as_elementary(self) -> sp.Expr:
        return sp.Max(self.args[0], 0)

    nargs = 1

    def fdiff(self, argindex=1):
        return Step(self.args[0])

    def _latex(self, printer):
        return r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])


class AbsF(sp.Function):
    value_range = "nonnegative"

    def as_elementary(self) -> sp.Expr:
        return sp.Abs(self.args[0])

    nargs = 1

    def fdiff(self, argindex=1):
        return 2 * Step(self.args[0]) - 1

    def _latex(self, printer):
        return r"\left|%s\right|" % printer._print(self.args[0])


class MaxOf(sp.Function):
    """max of its arguments; ∂/∂x_k is the indicator that x_k is the maximum."""

    value_range = "real"

    def as_elementary(self) -> sp.Expr:
        return sp.Max(*self.args)

    def fdiff(self, argindex=1):
        return IsMax(sp.Integer(argindex - 1), *self.args)

    def _latex(self, printer):
        return r"\max\left(%s\right)" % ", ".join(printer._print(a) for a in self.args)


class IsMax(sp.Function):
    """IsMax(k, x_0, ..., x_n) = 1 when x_k is the strict maximum, else 0."""

    value_range = "nonnegative"

    def as_elementary(self) -> sp.Expr:
        k, *xs = self.args
        top = xs[int(k)]
        return sp.Piecewise((1, sp.And(*[top > x for j, x in enumerate(xs) if j != int(k)])),
                            (0, True))

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _latex(self, printer):
        k, *xs = self.args
        return r"\mathbb{1}\left[%s = \max\right]" % printer._print(xs[int(k)])


KINKED = (Step, Relu, AbsF, MaxOf, IsMax)
ATOMS = (Sig, Exp, Tanh) + KINKED


def _ismax(k, *xs):
    stacked = np.stack(np.broadcast_arrays(*xs))
    return (np.argmax(stacked, axis=0) == int(k)).astype(float)


NUMPY_FUNCS = {
    "Sig": lambda u: 1.0 / (1.0 + np.exp(-u)),
    "Exp": np.exp,
    "Tanh": np.tanh,
    "Step": lambda u: np.where(np.asarray(u) > 0, 1.0, 0.0),
    "Relu": lambda u: np.maximum(u, 0.0),
    "AbsF": np.abs,
    "MaxOf": lambda *xs: np.max(np.stack(np.broadcast_arrays(*xs)), axis=0),
    "IsMax": _ismax,
    "KroneckerDelta": lambda i, j: 1.0 if i == j else 0.0,
}


def kink_arguments(expr: sp.Basic) -> list[sp.Expr]:
    """Expressions whose sign (or ordering) decides a kinked atom's branch."""
    found: list[sp.Expr] = []
    kinked = atoms_of(expr, (*KINKED, sp.Piecewise))
    for atom in sorted(kinked, key=sp.default_sort_key):
        if isinstance(atom, (Step, Relu, AbsF)):
            found.append(atom.args[0])
        elif isinstance(atom, sp.Piecewise):
            for _, cond in atom.args:
                for rel in cond.atoms(sp.core.relational.Relational):
                    found.append(rel.lhs - rel.rhs)
        elif isinstance(atom, (MaxOf, IsMax)):
            xs = atom.args if isinstance(atom, MaxOf) else atom.args[1:]
            found.extend(a - b for i, a in enumerate(xs) for b in xs[i + 1:])
    return found


LEMMAS = ("d/dx σ(x) = σ(x)(1 − σ(x)), σ(x) = 1/(1+e^{−x})",
          "d/dx tanh(x) = 1 − tanh(x)², tanh(x) = (e^{2x}−1)/(e^{2x}+1)",
          "d/dx e^x = e^x")


def prove_lemmas() -> list[tuple[str, bool]]:
    """Prove each atom's derivative rule from its definition in elementary functions:
    the difference over one denominator, its numerator expanded to 0 (symengine:
    SymPy's C++ core, ~300x faster here; SymPy when symengine is missing)."""
    try:
        import symengine as m
    except ImportError:  # pragma: no cover - symengine is a dependency
        m = sp
    x = m.Symbol("x")
    sig = 1 / (1 + m.exp(-x))
    th = (m.exp(2 * x) - 1) / (m.exp(2 * x) + 1)
    diffs = [sig.diff(x) - sig * (1 - sig), th.diff(x) - (1 - th**2),
             m.exp(x).diff(x) - m.exp(x)]
    return [(text, m.expand(d.as_numer_denom()[0]) == 0) for text, d in zip(LEMMAS, diffs)]


def _evalf_elementary(self: sp.Function, prec: int) -> sp.Expr | None:
    """σ(1), e^2, tanh(½) at numbers: their value, from the elementary form, to `prec` bits
    (so that a comparison between constants, as in a note's `\\approx`, can be decided)."""
    if not all(a.is_number for a in self.args):
        return None
    from mpmath.libmp import prec_to_dps
    return self.as_elementary().evalf(prec_to_dps(prec))


for _smooth in (Sig, Exp, Tanh, AbsF, Relu, MaxOf):
    _smooth._eval_evalf = _evalf_elementary
