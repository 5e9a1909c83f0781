"""Two sides' entries as a numeric problem: where to sample each symbol, both sides'
values and their errors at points, and a comparison's outcome and evidence.

A point counts only where both sides are defined (finite; real or complex): an
undefined value (NaN, ±∞) never counts as agreement, and a point where one side is
defined and the other is not is no agreement either (nor a counterexample)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..model import Counterexample
from ..symbolic import dag
from ..symbolic.world import World
from .walk import RandomFunctions, evaluate

KINK_MARGIN = 1e-3
SIMPLE_VALUES = (0.0, 1.0, -1.0, 0.5)


@dataclass(frozen=True)
class NumericResult:
    """`agree`: defined points were compared and none differs, and no point has one
    side defined and the other not.  `points` counts the defined points only."""

    agree: bool
    points: int
    seed: int
    max_abs: float
    max_rel: float
    counterexample: Counterexample | None = None
    note: str = ""
    one_sided: int = 0  # points where one side is defined and the other is not

    def evidence(self) -> tuple[tuple[str, Any], ...]:
        return (("points", self.points), ("seed", self.seed),
                ("max_abs_err", self.max_abs), ("max_rel_err", self.max_rel))


def symbol_range(world: World, s: sp.Symbol) -> tuple[float, float]:
    """Where `s` is sampled: its range in the world, or by its assumptions."""
    if s in world.ranges:
        return world.ranges[s]
    if s.is_integer:
        return (1.0, 6.0) if s.is_positive else (0.0, 6.0) if s.is_nonnegative else (-6.0, 6.0)
    return (0.2, 3.0) if s.is_positive or s.is_nonnegative else (-2.0, 2.0)


def honour(symbols: list[sp.Symbol], pts: np.ndarray) -> np.ndarray:
    """The points with every declared assumption made true: integers rounded."""
    for k, s in enumerate(symbols):
        if s.is_integer:
            pts[:, k] = np.round(pts[:, k])
    return pts


def allowed(world: World, s: sp.Symbol, v: float) -> bool:
    """Is `v` a value `s` may take: in its range, and of its declared kind?"""
    lo, hi = symbol_range(world, s)
    return (lo <= v <= hi and (not s.is_integer or float(v).is_integer())
            and (not s.is_positive or v > 0) and (not s.is_nonnegative or v >= 0))


def sample_points(world: World, symbols: list[sp.Symbol], kinks: list[sp.Expr],
                  rng: np.random.Generator, n: int) -> np.ndarray:
    known = set(symbols)
    kinks = [k for k in kinks if dag.free_symbols([k]) <= known]
    near = (lambda pts: np.abs(evaluate(kinks, symbols, pts))) if kinks and symbols else None
    return draw_points(world, symbols, rng, n, near)


def draw_points(world: World, symbols: list[sp.Symbol], rng: np.random.Generator, n: int,
                kink_values: Any = None) -> np.ndarray:
    """n points, each symbol uniform in its range (integers: integers in it); with
    `kink_values` (points → |kink arguments|, one column each), the points near a
    kink are drawn again."""
    lows = np.array([symbol_range(world, s)[0] for s in symbols])
    highs = np.array([symbol_range(world, s)[1] for s in symbols])
    pts = honour(symbols, rng.uniform(lows, highs, size=(n, len(symbols))))
    for _ in range(50 if kink_values is not None else 0):
        bad = (kink_values(pts) < KINK_MARGIN).any(axis=1)
        if not bad.any():
            break
        pts[bad] = honour(symbols, rng.uniform(lows, highs, size=(int(bad.sum()), len(symbols))))
    return pts


@dataclass
class Problem:
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
        return (a, b, *errors(a, b, self.rtol, self.atol))

    def off_kinks(self, pts: np.ndarray) -> np.ndarray:
        if not self.kinks or not self.symbols:
            return np.ones(pts.shape[0], bool)
        vals = np.abs(evaluate(self.kinks, self.symbols, pts, self.funcs))
        return (vals >= KINK_MARGIN).all(axis=1)


def errors(a: np.ndarray, b: np.ndarray, rtol: float,
           atol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Absolute and relative errors (moduli of complex differences; 0 where a side is
    not defined), and which entries miss the tolerance (only defined ones can)."""
    finite = np.isfinite(a) & np.isfinite(b)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(finite, np.abs(a - b), 0.0)
        scale = np.where(finite, np.maximum(np.abs(a), np.abs(b)), 0.0)
        rel = np.where(finite, err / np.maximum(scale, 1e-300), 0.0)
    return err, rel, finite & (err > atol + rtol * scale)


def summarize(a: np.ndarray, b: np.ndarray, rtol: float, atol: float,
              seed: int) -> NumericResult:
    """Two sides' values (points × entries) compared, without a counterexample."""
    return summary(a, b, *errors(a, b, rtol, atol), seed, atol)


def summary(a: np.ndarray, b: np.ndarray, err: np.ndarray, rel: np.ndarray, bad: np.ndarray,
            seed: int, atol: float) -> NumericResult:
    """A comparison's outcome and evidence (over the defined points only), without a
    counterexample."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    defined = (fa & fb).all(axis=1)
    one_sided = int((fa != fb).any(axis=1).sum())
    n = int(defined.sum())
    notes = []
    if n < a.shape[0]:
        notes.append(f"{a.shape[0] - n} of {a.shape[0]} points were left out: a side is "
                     "undefined there (NaN or infinite)")
    if one_sided:
        notes.append(f"at {one_sided} points one side is defined and the other is not")
    if n == 0:
        notes.append("both sides are defined at no sampled point: nothing was compared")
    err, rel = err[defined], rel[defined]
    return NumericResult(n > 0 and not bad.any() and not one_sided, n, seed,
                         float(err.max(initial=0.0)),
                         float(np.where(err > atol, rel, 0.0).max(initial=0.0)),
                         note="; ".join(notes), one_sided=one_sided)
