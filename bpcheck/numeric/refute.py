"""From float64 disagreements to a counterexample that holds, and a search for one
beyond the default sampling box.

A disagreement in float64 is a counterexample only if it survives evaluation with
50 significant digits (`precise`): float64 cancellation in a true identity (an
expanded (x + 1)^20 at large x) shrinks there and is reported as rounding, never
as a refutation.  Its values must also be real: sides that differ only where their
values are complex (principal branches of sqrt, log, powers) are reported, not
taken as a refutation of a formula over the reals."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..model import Counterexample
from ..symbolic.linalg import shape_of
from ..symbolic.world import World
from .precise import DIGITS, precise_values
from .problem import SIMPLE_VALUES, Problem, allowed, honour, symbol_range

MAX_CHECKS = 24  # float64 disagreements re-checked in high precision, worst first


@dataclass(frozen=True)
class Finding:
    counterexample: Counterexample | None = None
    rounding: int = 0  # disagreements that high precision shows to be float64 rounding
    unchecked: int = 0  # disagreements not re-checked
    complex_only: str = ""  # a point where the sides differ only in complex values

    def note(self) -> str:
        parts = []
        if self.rounding:
            parts.append(f"{self.rounding} float64 disagreements were rounding: with "
                         f"{DIGITS} digits the sides agree there")
        if self.unchecked:
            parts.append(f"{self.unchecked} float64 disagreements were not re-checked")
        if self.complex_only:
            parts.append("the sides differ only where their values are complex "
                         f"(principal branches): {self.complex_only}")
        return "; ".join(parts)


def find_counterexample(prob: Problem, world: World, value: Any, pts: np.ndarray,
                        err: np.ndarray, rel: np.ndarray, bad: np.ndarray, seed: int,
                        simplify: bool, smallest: bool = False) -> Finding:
    """The worst float64 disagreements (`smallest`: those nearest the origin first),
    re-checked in high precision until one holds."""
    score = np.where(bad, rel + err, -1.0).max(axis=1)
    key = np.abs(pts).max(axis=1, initial=0.0) if smallest else -score
    rows = [int(r) for r in np.argsort(key, kind="stable") if score[r] >= 0]
    rounding, complex_only = 0, ""
    for n, row in enumerate(rows[:MAX_CHECKS]):
        points = [pts[row]]
        if simplify and n == 0:
            points.insert(0, simplify_point(prob, world, pts[row]))
        for point in points:
            found = _confirm(prob, point, value, seed)
            if isinstance(found, Counterexample):
                return Finding(found)
            complex_only = complex_only or (found if found != "rounding" else "")
        rounding += found == "rounding"
    return Finding(None, rounding, max(0, len(rows) - MAX_CHECKS), complex_only)


def _confirm(prob: Problem, point: np.ndarray, value: Any, seed: int) -> Counterexample | str:
    """A counterexample at `point` if the sides differ there in high precision;
    else "rounding", "undefined", or the complex values where they differ."""
    exact = precise_values(prob.left + prob.right, dict(zip(prob.symbols, point)), prob.funcs)
    if exact is None:  # no high-precision form: float64's word stands, as before
        a, b, err, rel, bad = prob.errors(point[None, :])
        if not bad.any():
            return "rounding"
        return _counterexample(prob, point, a[0], b[0], err[0], rel[0], bad[0], value, seed)
    if any(v is None for v in exact):
        return "undefined"
    m = len(prob.left)
    a = np.array([complex(v) for v in exact[:m]])
    b = np.array([complex(v) for v in exact[m:]])
    err = np.array([float(abs(x - y)) for x, y in zip(exact[:m], exact[m:])])
    scale = np.maximum(np.abs(a), np.abs(b))
    bad = err > prob.atol + prob.rtol * scale
    if not bad.any():
        return "rounding"
    rel = err / np.maximum(scale, 1e-300)
    if not all(_is_real(v, prob) for v in exact):
        where = ", ".join(f"{s} = {v:.6g}" for s, v in zip(prob.symbols, point))
        k = int(np.argmax(np.where(bad, rel + err, -1)))
        return f"at {where}: {a[k]:.6g} against {b[k]:.6g}"
    return _counterexample(prob, point, a.real, b.real, err, rel, bad, value, seed)


def _is_real(v: Any, prob: Problem) -> bool:
    if not isinstance(v, mpmath.mpc):
        return True
    return abs(v.imag) <= prob.atol + prob.rtol * abs(v)


def _counterexample(prob: Problem, point: np.ndarray, a: np.ndarray, b: np.ndarray,
                    err: np.ndarray, rel: np.ndarray, bad: np.ndarray, value: Any,
                    seed: int) -> Counterexample:
    k = int(np.argmax(np.where(bad, rel + err, -1)))
    return Counterexample(
        inputs=tuple((sp.latex(s), float(v)) for s, v in zip(prob.symbols, point)),
        lhs=tuple(float(np.real(v)) for v in a), rhs=tuple(float(np.real(v)) for v in b),
        entry=_entry_name(value, k), abs_err=float(err[k]), rel_err=float(rel[k]),
        seed=seed, shape="×".join(map(str, shape_of(value))))


def simplify_point(prob: Problem, world: World, point: np.ndarray) -> np.ndarray:
    """Replace coordinates by 0, 1, −1 or ½ while the sides still differ there (all
    at once first: a sign error usually shows at the all-zero point); a symbol takes
    only values of its range and declared kind (a positive α is never −1)."""
    ok_value = np.array([[allowed(world, s, v) for s in prob.symbols] for v in SIMPLE_VALUES],
                        bool).reshape(len(SIMPLE_VALUES), len(prob.symbols))
    uniform = np.repeat(np.array(SIMPLE_VALUES)[:, None], point.size, axis=1)
    uniform = np.where(ok_value, uniform, point[None, :])
    *_, bad = prob.errors(uniform)
    ok = bad.any(axis=1) & prob.off_kinks(uniform) & (uniform != point).any(axis=1)
    if ok.any():
        return uniform[int(np.argmax(ok))]
    point = point.copy()
    for i in range(point.size):
        trials = np.repeat(point[None, :], len(SIMPLE_VALUES), axis=0)
        trials[:, i] = np.where(ok_value[:, i], SIMPLE_VALUES, point[i])
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


# -- beyond the default box --------------------------------------------------------

DEFAULT_RANGES = ((-2.0, 2.0), (0.2, 3.0))
SCALE_POINTS = 512


def wide_points(prob: Problem, world: World, rng: np.random.Generator) -> np.ndarray:
    """Points at many scales: each symbol log-uniform in magnitude over 10⁻⁶..10⁶ with
    either sign (positive symbols positive, integers integers); a symbol whose range
    the setting declares stays in it.  Then points near the difference's structure."""
    n, cols = SCALE_POINTS, []
    for s in prob.symbols:
        lo, hi = symbol_range(world, s)
        if s in world.ranges and (lo, hi) not in DEFAULT_RANGES:
            cols.append(rng.uniform(lo, hi, n))
            continue
        mag = 10.0 ** rng.uniform(-6.0, 6.0, n)
        positive = s.is_positive or s.is_nonnegative
        cols.append(mag if positive else mag * rng.choice((-1.0, 1.0), n))
    pts = np.stack(cols, axis=1) if cols else np.zeros((n, 0))
    near = structure_points(prob, world, rng)
    pts = honour(prob.symbols, np.concatenate([pts, near]) if len(near) else pts)
    if prob.symbols:
        pts[:, :] = np.where(_allowed_all(prob, world, pts), pts, np.nan)
        pts = pts[~np.isnan(pts).any(axis=1)]
    return pts


def _allowed_all(prob: Problem, world: World, pts: np.ndarray) -> np.ndarray:
    ok = np.ones(pts.shape, bool)
    for k, s in enumerate(prob.symbols):
        lo, hi = symbol_range(world, s)
        if s in world.ranges and (lo, hi) not in DEFAULT_RANGES:  # a declared range is kept
            ok[:, k] &= (pts[:, k] >= lo) & (pts[:, k] <= hi)
        if s.is_positive:
            ok[:, k] &= pts[:, k] > 0
        if s.is_nonnegative:
            ok[:, k] &= pts[:, k] >= 0
    return ok


MAX_NODES = 3000
OFFSETS = (0.0, 1e-6, -1e-6, 1e-3, -1e-3, 0.1, -0.1)


def structure_points(prob: Problem, world: World, rng: np.random.Generator) -> np.ndarray:
    """Points where a one-variable polynomial inside either side (an exponent, a
    base, a condition's boundary) vanishes or turns, and just beside them, the other
    symbols drawn from their ranges: where a narrow bump or a switch sits."""
    index = {s: k for k, s in enumerate(prob.symbols)}
    found: list[tuple[int, float]] = []
    for e in prob.left + prob.right:
        for node in _nodes(e):
            free = node.free_symbols & index.keys()
            if len(free) == 1 and not node.is_Atom:
                (s,) = free
                found.extend((index[s], c) for c in _critical_values(node, s))
    rows = []
    for k, c in sorted(set(found))[:64]:
        lo_hi = np.array([symbol_range(world, s) for s in prob.symbols])
        for offset in OFFSETS:
            row = rng.uniform(lo_hi[:, 0], lo_hi[:, 1])
            row[k] = c + offset * max(1.0, abs(c))
            rows.append(row)
    if not rows:  # no structure (or no symbols at all: a claim between constants)
        return np.zeros((0, len(prob.symbols)))
    return np.array(rows).reshape(-1, len(prob.symbols))


def _nodes(e: sp.Basic) -> list[sp.Basic]:
    out = []
    for node in sp.preorder_traversal(e):
        out.append(node)
        if len(out) > MAX_NODES:
            return []
    return out


def _critical_values(node: sp.Basic, s: sp.Symbol) -> list[float]:
    """Real roots of a polynomial node and of its derivative (none otherwise)."""
    if isinstance(node, sp.core.relational.Relational):
        node = node.lhs - node.rhs
    if not isinstance(node, sp.Expr):
        return []
    try:
        poly = sp.Poly(node, s)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return []
    if not 1 <= poly.degree() <= 8 or not all(c.is_number for c in poly.all_coeffs()):
        return []
    out = []
    for p in (poly, poly.diff(s)):
        if p.degree() >= 1:
            roots = np.roots([complex(c) for c in p.all_coeffs()])
            out.extend(float(r.real) for r in roots if abs(r.imag) <= 1e-9 * max(1, abs(r)))
    return out


def search_counterexample(prob: Problem, world: World, value: Any, seed: int) -> Finding:
    """A counterexample beyond the default box (high-precision confirmed), if one
    turns up among the wide and structural points."""
    pts = wide_points(prob, world, np.random.default_rng([seed, 9173]))
    if pts.shape[0] == 0:
        return Finding()
    pts = pts[prob.off_kinks(pts)]
    a, b, err, rel, bad = prob.errors(pts)
    if not bad.any():
        return Finding()
    return find_counterexample(prob, world, value, pts, err, rel, bad, seed, simplify=True,
                              smallest=True)
