"""Values of SymPy expressions at many points at once: a memoised walk of the
expression DAG, vectorised over the points (lambdify for the rare node it lacks).

The formula language's domain is the reals, but a formula can leave them (sqrt of a
negative, log of a negative, sqrt(-1)): such values are computed in complex
arithmetic and kept complex, never cut to their real part, so that two sides agree
only if their real and imaginary parts agree.  An undefined value (0/0, log 0, an
overflow) is NaN or infinite and is left so: the comparison never counts it."""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..symbolic.atoms import NUMPY_FUNCS, PARTIAL_NAME, UNDEFINED
from ..symbolic.linalg import entries
from ..symbolic.world import World


class RandomFunctions:
    """A fixed random smooth stand-in for each undefined function G, with its
    partial derivatives in closed form: G(u) = Σ_k a_k sin(b_k u_k + c_k) + q (Σ_k u_k)²/2."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.coeffs: dict[str, np.ndarray] = {}

    def _c(self, name: str) -> np.ndarray:
        if name not in self.coeffs:
            # seeded by every character in order, so that anagrams (fg, gf) differ;
            # independent of the order functions are met in
            rng = np.random.default_rng([self.seed, 7919, *map(ord, name)])
            self.coeffs[name] = rng.uniform(0.5, 1.5, size=(4, 16))
        return self.coeffs[name]

    def value(self, name: str, args: list[Any], slots: tuple[int, ...] = (),
              lib: Any = np) -> Any:
        """G or its partial derivative by `slots` at `args`; `lib` is NumPy (arrays of
        points) or mpmath (one point in high precision: the same function, exactly)."""
        a, b, c, q = ([[lib.mpf(float(x)) for x in row] for row in self._c(name)]
                      if lib is not np else self._c(name))
        total = sum(args)
        if not slots:
            return sum(a[k % 16] * lib.sin(b[k % 16] * u + c[k % 16])
                       for k, u in enumerate(args)) + q[0] * total**2 / 2
        k = slots[0] % 16
        phase = b[k] * args[slots[0]] + c[k]
        if len(slots) == 1:
            return a[k] * b[k] * lib.cos(phase) + q[0] * total
        if len(slots) == 2:
            same = slots[0] == slots[1]
            return (-a[k] * b[k] ** 2 * lib.sin(phase) if same else 0) + q[0]
        raise _NeedsLambdify("third derivative")

    def symbolic(self, app: sp.Function) -> sp.Expr:
        a, b, c, q = self._c(app.func.__name__)
        terms = [sp.Float(a[k % 16]) * sp.sin(sp.Float(b[k % 16]) * u + sp.Float(c[k % 16]))
                 for k, u in enumerate(app.args)]
        return sp.Add(*terms) + sp.Float(q[0]) * sp.Add(*app.args) ** 2 / 2


def instantiate_undefined(values: list[sp.Expr], seed: int) -> list[sp.Expr]:
    """Replace every undefined function by its random stand-in (symbolically)."""
    funcs = RandomFunctions(seed)
    out = []
    for v in values:
        if v.atoms(*UNDEFINED):
            v = v.replace(lambda a: isinstance(a, UNDEFINED), funcs.symbolic).doit()
        out.append(v)
    return out


def _lambdify(symbols: list[sp.Symbol], exprs: list[sp.Expr]):
    return sp.lambdify(symbols, exprs, modules=[NUMPY_FUNCS, "numpy"], dummify=True)


def walk_value(e: sp.Expr, memo: dict, funcs: RandomFunctions) -> Any:
    """One expression's value by the memoised walk (the memo holds the symbols' values);
    raises KeyError for a symbol or node the walk cannot evaluate."""
    try:
        return _walk(e, memo, funcs)
    except _NeedsLambdify as exc:
        raise KeyError(str(exc)) from None


class Forward:
    """A quantity's values from its definitions, one after another, at points given
    for the inputs (and for X, which then replaces its definition): what perturbing X
    does to F, with every other path held, without F written out with X held (the
    finite-difference check), and the values of every node at a screen's points."""

    def __init__(self, world: World, f_name: str, x_name: str, subs: dict,
                 funcs: RandomFunctions) -> None:
        self.world, self.funcs, self.subs = world, funcs, subs
        self.order = [n for n in world.upstream(f_name) if n != x_name]
        self.f_syms = entries(world.nodes[f_name].sym)

    def run(self, names: list, pts: np.ndarray) -> dict:
        rows = pts.shape[0]
        memo: dict = {n: pts[:, k] for k, n in enumerate(names)}
        memo.update({s: np.full(rows, float(v)) for s, v in self.subs.items()})
        with np.errstate(all="ignore"):
            for name in self.order:
                node = self.world.nodes[name]
                if node.defn is not None:
                    for s, e in zip(entries(node.sym), entries(node.defn)):
                        memo[s] = _rows(walk_value(e, memo, self.funcs), rows)
        return memo

    def at(self, names: list):
        def values(pts: np.ndarray) -> np.ndarray:
            memo = self.run(names, pts)
            return np.stack([np.real(memo[s]) for s in self.f_syms], axis=1)
        return values


def walk_values(exprs: list[sp.Expr], memo: dict, funcs: RandomFunctions,
                points: int) -> np.ndarray | None:
    """(points, entries) values by the memoised walk alone, the memo holding the
    symbols' values; None for a symbol outside the memo or an unusual node."""
    columns = []
    with np.errstate(all="ignore"):
        for e in exprs:
            try:
                columns.append(_walk(e, memo, funcs))  # a number or one value per point
            except _NeedsLambdify:
                return None
    return _table(columns, points)


def evaluate(exprs: list[sp.Expr], symbols: list[sp.Symbol], pts: np.ndarray,
             funcs: RandomFunctions | None = None, memo: dict | None = None) -> np.ndarray:
    """(points, entries) values, float64 (complex128 where a value is not real);
    non-finite where undefined.

    A memoised walk of the expression DAG, vectorised over the points: each
    shared sub-expression (every σ(u) of a network) is computed once, which is
    much faster than generating code with lambdify for large derivatives.  A `memo`
    kept by the caller (the symbols' values at these same points) carries values on
    to the next call.
    """
    if memo is None:
        memo = {s: pts[:, k] for k, s in enumerate(symbols)}
    funcs = funcs or RandomFunctions(0)
    columns = []
    with np.errstate(all="ignore"):
        for e in exprs:
            try:
                columns.append(_walk(e, memo, funcs))
            except _NeedsLambdify:
                (e,) = instantiate_undefined([e], funcs.seed)
                columns.append(_lambdified(e, symbols, pts))
    return _table(columns, pts.shape[0])


def _lambdified(e: sp.Expr, symbols: list[sp.Symbol], pts: np.ndarray) -> Any:
    """`e` by generated NumPy code; where that is undefined in real arithmetic
    (NumPy's log or sqrt of a negative float is NaN), again in complex arithmetic."""
    fn = _lambdify(symbols, [e])
    value = np.asarray(fn(*pts.T)[0] if symbols else fn()[0])
    if np.isfinite(value).all():
        return value
    try:
        again = np.asarray(fn(*pts.astype(complex).T)[0] if symbols else fn()[0], complex)
    except (TypeError, ValueError):  # a node with no complex form: undefined stays so
        return value
    return _real_if_real(np.where(np.isfinite(value), value, again))


def _table(columns: list[Any], points: int) -> np.ndarray:
    """The columns as one (points, entries) array, complex only if a value is."""
    complex_ = any(np.iscomplexobj(c) for c in columns)
    out = np.empty((points, len(columns)), complex if complex_ else float)
    for k, c in enumerate(columns):
        out[:, k] = c
    return out


def _real_if_real(value: Any) -> Any:
    """A complex value whose imaginary parts are all exactly 0, as a real one."""
    if np.iscomplexobj(value) and not np.any(np.imag(value)):
        return np.real(value)
    return value


def complex_sqrt(u: Any) -> Any:
    """sqrt in real arithmetic, complex (principal branch) where u < 0."""
    if not np.iscomplexobj(u) and np.any(np.asarray(u) < 0):
        return np.sqrt(np.asarray(u, complex))
    return np.sqrt(u)


def complex_log(u: Any) -> Any:
    """log in real arithmetic, complex (principal branch) where u < 0; log 0 = −∞."""
    if not np.iscomplexobj(u) and np.any(np.asarray(u) < 0):
        return np.log(np.asarray(u, complex))
    return np.log(u)


def _power(base: Any, ex: Any) -> Any:
    """base**ex; an integer exponent in the base's arithmetic, any other in complex
    arithmetic (a negative base to a fractional power is complex, not NaN)."""
    if isinstance(ex, float) and ex.is_integer():
        return base ** int(ex) if ex >= 0 else 1.0 / base ** int(-ex)
    return _real_if_real(np.power(np.asarray(base, complex), ex))


def _rows(value: Any, rows: int) -> np.ndarray:
    """`value` as one entry per point (a number repeated; an array already so, kept)."""
    if isinstance(value, np.ndarray) and value.shape == (rows,):
        return value
    return np.broadcast_to(value, (rows,))


class _NeedsLambdify(Exception):
    pass


_UNDEFINED_NUMBERS = {sp.zoo: np.nan, sp.nan: np.nan, sp.oo: np.inf, -sp.oo: -np.inf}

UNARY = {"Sig": NUMPY_FUNCS["Sig"], "Exp": np.exp, "Tanh": np.tanh, "exp": np.exp,
          "log": complex_log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
          "Step": NUMPY_FUNCS["Step"], "Relu": NUMPY_FUNCS["Relu"], "AbsF": np.abs,
          "Abs": np.abs}


def _walk(e: sp.Basic, memo: dict[sp.Basic, Any], funcs: RandomFunctions) -> Any:
    hit = memo.get(e)
    if hit is not None:
        return hit
    # the common nodes first: sums and products make up most of a network's values
    if e.is_Add:
        value = 0.0
        for a in e.args:
            value = value + _walk(a, memo, funcs)
    elif e.is_Mul:
        value = 1.0
        for a in e.args:
            value = value * _walk(a, memo, funcs)
    elif e.is_Pow:
        value = _power(_walk(e.args[0], memo, funcs), _walk(e.args[1], memo, funcs))
    elif e is sp.I:
        value = 1j
    elif e in _UNDEFINED_NUMBERS:  # SymPy's own undefined values: log(0), 1/0, 0/0
        value = _UNDEFINED_NUMBERS[e]
    elif e.is_Number or e.is_NumberSymbol:
        value = complex(e) if e.is_complex and not e.is_real else float(e)
    elif isinstance(e, UNDEFINED):
        args = [_walk(a, memo, funcs) for a in e.args]
        m = PARTIAL_NAME.match(e.func.__name__)
        slots = tuple(int(t) - 1 for t in m.group(1).split("_")) if m else ()
        value = funcs.value(m.group(2) if m else e.func.__name__, args, slots)
    elif type(e).__name__ in UNARY and len(e.args) == 1:
        value = UNARY[type(e).__name__](_walk(e.args[0], memo, funcs))
    elif type(e).__name__ in ("MaxOf", "IsMax", "KroneckerDelta"):
        value = NUMPY_FUNCS[type(e).__name__](*[_walk(a, memo, funcs) for a in e.args])
    elif isinstance(e, sp.Piecewise):  # the first piece whose condition holds
        conds = [np.asarray(_walk(c, memo, funcs), dtype=bool) for _, c in e.args]
        values = [np.asarray(_walk(v, memo, funcs)) for v, _ in e.args]
        shape = np.broadcast_shapes(*[np.shape(a) for a in conds + values])
        value = np.select([np.broadcast_to(c, shape) for c in conds],
                          [np.broadcast_to(v, shape) for v in values], np.nan)
    elif type(e) in _LOGIC:
        value = _LOGIC[type(e)](*[_walk(a, memo, funcs) for a in e.args])
    elif e is sp.true or e is sp.false:
        value = bool(e)
    else:
        raise _NeedsLambdify(type(e).__name__)
    memo[e] = value
    return value


_LOGIC = {sp.StrictLessThan: np.less, sp.LessThan: np.less_equal,
          sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal,
          sp.Equality: np.equal, sp.Unequality: np.not_equal,
          sp.And: lambda *a: np.logical_and.reduce(np.broadcast_arrays(*a)),
          sp.Or: lambda *a: np.logical_or.reduce(np.broadcast_arrays(*a)),
          sp.Not: np.logical_not}

