"""Numeric check: both sides lambdified and compared at seeded random points.

Points are drawn from each symbol's range, in float64, away from kinks (ReLU,
step, |·|, max ties), where a derivative formula is a convention rather than a
fact.  Undefined functions (an abstract downstream loss G) are replaced by
random smooth functions, so that an identity "for every G" is tested on many G.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from ..symbolic import dag
from ..symbolic.atoms import NUMPY_FUNCS, PARTIAL_NAME, UNDEFINED, kink_arguments
from ..symbolic.linalg import entries, shape_of, unit
from ..model import Counterexample
from ..symbolic.zero_test import canonical_derivatives
from ..symbolic.world import World

KINK_MARGIN = 1e-3


@dataclass(frozen=True)
class NumericResult:
    agree: bool
    points: int
    seed: int
    max_abs: float
    max_rel: float
    counterexample: Counterexample | None = None
    note: str = ""

    def evidence(self) -> tuple[tuple[str, Any], ...]:
        return (("points", self.points), ("seed", self.seed),
                ("max_abs_err", self.max_abs), ("max_rel_err", self.max_rel))


class RandomFunctions:
    """A fixed random smooth stand-in for each undefined function G, with its
    partial derivatives in closed form: G(u) = Σ_k a_k sin(b_k u_k + c_k) + q (Σ_k u_k)²/2."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.coeffs: dict[str, np.ndarray] = {}

    def _c(self, name: str) -> np.ndarray:
        if name not in self.coeffs:
            digest = sum(map(ord, name))  # independent of the order functions are met in
            rng = np.random.default_rng([self.seed, 7919, digest])
            self.coeffs[name] = rng.uniform(0.5, 1.5, size=(4, 16))
        return self.coeffs[name]

    def value(self, name: str, args: list[Any], slots: tuple[int, ...] = ()) -> Any:
        a, b, c, q = self._c(name)
        total = sum(args)
        if not slots:
            return sum(a[k % 16] * np.sin(b[k % 16] * u + c[k % 16])
                       for k, u in enumerate(args)) + q[0] * total**2 / 2
        k = slots[0] % 16
        phase = b[k] * args[slots[0]] + c[k]
        if len(slots) == 1:
            return a[k] * b[k] * np.cos(phase) + q[0] * total
        if len(slots) == 2:
            same = slots[0] == slots[1]
            return (-a[k] * b[k] ** 2 * np.sin(phase) if same else 0.0) + q[0]
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


def sample_points(world: World, symbols: list[sp.Symbol], kinks: list[sp.Expr],
                  rng: np.random.Generator, n: int) -> np.ndarray:
    known = set(symbols)
    kinks = [k for k in kinks if dag.free_symbols([k]) <= known]
    near = (lambda pts: np.abs(evaluate(kinks, symbols, pts))) if kinks and symbols else None
    return draw_points(world, symbols, rng, n, near)


def draw_points(world: World, symbols: list[sp.Symbol], rng: np.random.Generator, n: int,
                kink_values: Any = None) -> np.ndarray:
    """n points, each symbol uniform in its range; with `kink_values` (points → |kink
    arguments|, one column each), the points near a kink are drawn again."""
    lows = np.array([world.ranges.get(s, (-2.0, 2.0))[0] for s in symbols])
    highs = np.array([world.ranges.get(s, (-2.0, 2.0))[1] for s in symbols])
    pts = rng.uniform(lows, highs, size=(n, len(symbols)))
    for _ in range(50 if kink_values is not None else 0):
        bad = (kink_values(pts) < KINK_MARGIN).any(axis=1)
        if not bad.any():
            break
        pts[bad] = rng.uniform(lows, highs, size=(int(bad.sum()), len(symbols)))
    return pts


def walk_value(e: sp.Expr, memo: dict, funcs: RandomFunctions) -> Any:
    """One expression's value by the memoised walk (the memo holds the symbols' values);
    raises KeyError for a symbol or node the walk cannot evaluate."""
    try:
        return np.real(_walk(e, memo, funcs))
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
    out = np.empty((points, len(exprs)))
    with np.errstate(all="ignore"):
        for k, e in enumerate(exprs):
            try:
                value = _walk(e, memo, funcs)
            except _NeedsLambdify:
                return None
            out[:, k] = np.real(value)  # a number or one value per point
    return out


def evaluate(exprs: list[sp.Expr], symbols: list[sp.Symbol], pts: np.ndarray,
             funcs: RandomFunctions | None = None, memo: dict | None = None) -> np.ndarray:
    """(points, entries) float64 values; non-finite where undefined.

    A memoised walk of the expression DAG, vectorised over the points: each
    shared sub-expression (every σ(u) of a network) is computed once, which is
    much faster than generating code with lambdify for large derivatives.  A `memo`
    kept by the caller (the symbols' values at these same points) carries values on
    to the next call.
    """
    if memo is None:
        memo = {s: pts[:, k] for k, s in enumerate(symbols)}
    funcs = funcs or RandomFunctions(0)
    out = np.empty((pts.shape[0], len(exprs)))
    with np.errstate(all="ignore"):
        for k, e in enumerate(exprs):
            try:
                value = _walk(e, memo, funcs)
            except _NeedsLambdify:
                (e,) = instantiate_undefined([e], funcs.seed)
                value = _lambdify(symbols, [e])(*pts.T)[0] if symbols else _lambdify([], [e])()[0]
            out[:, k] = np.real(value)
    return out


def _rows(value: Any, rows: int) -> np.ndarray:
    """`value` as one entry per point (a number repeated; an array already so, kept)."""
    if isinstance(value, np.ndarray) and value.shape == (rows,):
        return value
    return np.broadcast_to(value, (rows,))


class _NeedsLambdify(Exception):
    pass


UNARY = {"Sig": NUMPY_FUNCS["Sig"], "Exp": np.exp, "Tanh": np.tanh, "exp": np.exp,
          "log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
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
        base, ex = _walk(e.args[0], memo, funcs), _walk(e.args[1], memo, funcs)
        if isinstance(ex, float) and ex.is_integer():
            value = base ** int(ex) if ex >= 0 else 1.0 / base ** int(-ex)
        else:
            value = np.power(np.asarray(base, dtype=complex if ex != int(ex) else float), ex)
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


class Screen:
    """A quick numeric look shared by every formula of one world (each claim's cases,
    the repairs a diagnosis tries): one fixed set of points over all the world's free
    symbols and one memo of sub-expression values, so each formula costs only the
    sub-terms it does not share with the others.  No counterexample, no proof."""

    MAX_MEMO = 200_000

    def __init__(self, world: World, seed: int, n: int) -> None:
        self.world, self.seed = world, seed
        symbols = list(world.free)
        lows = np.array([world.ranges[s][0] for s in symbols])
        highs = np.array([world.ranges[s][1] for s in symbols])
        self.pts = np.random.default_rng([seed, 4242]).uniform(lows, highs, (n, len(symbols)))
        self.base = {s: self.pts[:, k] for k, s in enumerate(symbols)}
        self.memo: dict[sp.Basic, Any] = dict(self.base)
        self.tree_memo: dict[tuple, Any] = {}  # quickeval: formula sub-trees' numbers
        self.funcs = RandomFunctions(seed)

    def values(self, exprs: list[sp.Expr]) -> np.ndarray | None:
        if len(self.memo) > self.MAX_MEMO:
            self.memo = dict(self.base)
            self.tree_memo.clear()
        return walk_values(exprs, self.memo, self.funcs, self.pts.shape[0])

    def agree(self, lhs: Any, rhs: Any, rtol: float, atol: float, kinked: bool) -> bool | None:
        """Do the sides agree at every point off the kinks? None: cannot tell here."""
        found = self.compare(lhs, rhs, rtol, atol, kinked)
        return None if found is None else found.agree

    def compare(self, lhs: Any, rhs: Any, rtol: float, atol: float, kinked: bool,
                min_points: int = 1) -> NumericResult | None:
        """The sides at the screen's points off the kinks (no counterexample is
        built: a disagreement is for `compare` to show); None: cannot tell here."""
        canon = canonical_derivatives if self.world.undefined else (lambda e: e)
        left = [canon(e) for e in entries(unit(lhs))]
        right = [canon(e) for e in entries(unit(rhs))]
        vals = self.values(left + right)
        if vals is None:
            return None
        rows = np.ones(self.pts.shape[0], bool)
        if kinked:
            kinks = [k for e in left + right for k in kink_arguments(e)]
            kv = self.values(kinks) if kinks else None
            if kinks and kv is None:
                return None
            if kv is not None:
                rows = (np.abs(kv) >= KINK_MARGIN).all(axis=1)
        return self.judge(vals[rows, :len(left)], vals[rows, len(left):], rtol, atol,
                          min_points)

    @staticmethod
    def agrees(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool | None:
        """`judge(...).agree` without the evidence (a repair screen asks it thousands
        of times); None: no point where both sides are finite."""
        finite = np.isfinite(a) & np.isfinite(b)
        if not finite.all(axis=1).any():
            return None
        with np.errstate(invalid="ignore"):
            bad = finite & (np.abs(a - b) > atol + rtol * np.maximum(np.abs(a), np.abs(b)))
        return not bad.any()

    def judge(self, a: np.ndarray, b: np.ndarray, rtol: float, atol: float,
              min_points: int = 1) -> NumericResult | None:
        """Both sides' entries (points × entries) compared; None: too few usable points."""
        if a.shape[0] < max(min_points, 1) or \
                not (np.isfinite(a) & np.isfinite(b)).all(axis=1).any():
            return None
        return summarize(a, b, rtol, atol, self.seed)


_LOGIC = {sp.StrictLessThan: np.less, sp.LessThan: np.less_equal,
          sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal,
          sp.Equality: np.equal, sp.Unequality: np.not_equal,
          sp.And: lambda *a: np.logical_and.reduce(np.broadcast_arrays(*a)),
          sp.Or: lambda *a: np.logical_or.reduce(np.broadcast_arrays(*a)),
          sp.Not: np.logical_not}

SIMPLE_VALUES = (0.0, 1.0, -1.0, 0.5)


@dataclass
class _Problem:
    """Both sides' entries as expressions of the sampled symbols."""

    left: list[sp.Expr]
    right: list[sp.Expr]
    symbols: list[sp.Symbol]
    kinks: list[sp.Expr]
    funcs: RandomFunctions
    rtol: float
    atol: float

    def errors(self, pts: np.ndarray) -> tuple[np.ndarray, ...]:
        vals = evaluate(self.left + self.right, self.symbols, pts, self.funcs)
        a, b = vals[:, :len(self.left)], vals[:, len(self.left):]
        return (a, b, *_errors(a, b, self.rtol, self.atol))

    def off_kinks(self, pts: np.ndarray) -> np.ndarray:
        if not self.kinks or not self.symbols:
            return np.ones(pts.shape[0], bool)
        vals = np.abs(evaluate(self.kinks, self.symbols, pts, self.funcs))
        return (vals >= KINK_MARGIN).all(axis=1)


def _errors(a: np.ndarray, b: np.ndarray, rtol: float,
            atol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Absolute and relative errors (0 where a side is not finite), and which miss."""
    finite = np.isfinite(a) & np.isfinite(b)
    err = np.where(finite, np.abs(a - b), 0.0)
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.where(finite, err / np.maximum(scale, 1e-300), 0.0)
    return err, rel, err > atol + rtol * scale


def summarize(a: np.ndarray, b: np.ndarray, rtol: float, atol: float,
              seed: int) -> NumericResult:
    """Two sides' values (points × entries) compared, without a counterexample."""
    return _summary(a, b, *_errors(a, b, rtol, atol), seed, atol)


def _summary(a: np.ndarray, b: np.ndarray, err: np.ndarray, rel: np.ndarray, bad: np.ndarray,
             seed: int, atol: float) -> NumericResult:
    """A comparison's outcome and evidence, without a counterexample."""
    finite_rows = int((np.isfinite(a) & np.isfinite(b)).all(axis=1).sum())
    note = "" if finite_rows == a.shape[0] else \
        f"{a.shape[0] - finite_rows} points gave non-finite values"
    return NumericResult(not bad.any(), int(a.shape[0]), seed, float(err.max(initial=0.0)),
                         float(np.where(err > atol, rel, 0.0).max(initial=0.0)), note=note)


def compare(lhs: Any, rhs: Any, world: World, seed: int = 0, points: int = 24,
            rtol: float = 1e-7, atol: float = 1e-9, simplify: bool = True,
            kinked: bool = True) -> NumericResult:
    """Both sides at seeded random points off the kinks; a mismatch gives a
    counterexample whose coordinates are then simplified (0, 1, −1, ½ where the
    mismatch survives), as property-based testing shrinks its examples."""
    lhs, rhs = unit(lhs), unit(rhs)
    canon = canonical_derivatives if world.undefined else (lambda e: e)
    left = [canon(e) for e in entries(lhs)]
    right = [canon(e) for e in entries(rhs)]
    symbols = sorted(dag.free_symbols(left + right), key=sp.default_sort_key)
    symbols = [s for s in symbols if isinstance(s, sp.Symbol)]
    kinks = [k for e in left + right for k in kink_arguments(e)] if kinked else []
    prob = _Problem(left, right, symbols, kinks, RandomFunctions(seed), rtol, atol)
    pts = sample_points(world, symbols, kinks, np.random.default_rng(seed), points)
    pts = pts[prob.off_kinks(pts)]  # a point at a kink never decides anything
    if pts.shape[0] == 0:
        return NumericResult(False, 0, seed, 0.0, 0.0, None,
                             "no sample point away from the kinks: nothing was compared")
    a, b, err, rel, bad = prob.errors(pts)
    summary = _summary(a, b, err, rel, bad, seed, atol)
    if summary.agree:
        return summary
    p = int(np.argmax(np.where(bad, rel + err, -1).max(axis=1)))
    point = _simplify_point(prob, pts[p]) if simplify else pts[p]
    a, b, err, rel, bad = prob.errors(point[None, :])
    k = int(np.argmax(np.where(bad[0], rel[0] + err[0], -1)))
    cx = Counterexample(
        inputs=tuple((sp.latex(s), float(v)) for s, v in zip(symbols, point)),
        lhs=tuple(float(v) for v in a[0]), rhs=tuple(float(v) for v in b[0]),
        entry=_entry_name(lhs, k), abs_err=float(err[0, k]), rel_err=float(rel[0, k]),
        seed=seed, shape="×".join(map(str, shape_of(lhs))))
    return replace(summary, counterexample=cx, note="")


def _simplify_point(prob: _Problem, point: np.ndarray) -> np.ndarray:
    """Replace coordinates by 0, 1, −1 or ½ while the sides still differ there
    (all at once first: a sign error usually shows at the all-zero point)."""
    uniform = np.repeat(np.array(SIMPLE_VALUES)[:, None], point.size, axis=1)
    *_, bad = prob.errors(uniform)
    ok = bad.any(axis=1) & prob.off_kinks(uniform)
    if ok.any():
        return uniform[int(np.argmax(ok))]
    point = point.copy()
    for i in range(point.size):
        trials = np.repeat(point[None, :], len(SIMPLE_VALUES), axis=0)
        trials[:, i] = SIMPLE_VALUES
        *_, bad = prob.errors(trials)
        ok = bad.any(axis=1) & prob.off_kinks(trials)
        if ok.any():
            point = trials[int(np.argmax(ok))]
    return point


def _entry_name(value: Any, k: int) -> str:
    rows, cols = shape_of(value)
    if not isinstance(value, sp.MatrixBase):
        return ""
    return f"[{k // cols + 1}, {k % cols + 1}]" if cols > 1 else f"[{k + 1}]"
