"""Numeric check: both sides evaluated and compared at seeded random points.

Points are drawn from each symbol's range (positive symbols positive, integers
integers), in float64, away from kinks (ReLU, step, |·|, max ties), where a
derivative formula is a convention rather than a fact.  Undefined functions (an
abstract downstream loss G) are replaced by random smooth functions, so that an
identity "for every G" is tested on many G.  Values leave the reals only in complex
arithmetic, compared in full; a point where a side is undefined is never agreement;
a float64 disagreement is a counterexample only if it survives high precision.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from ..symbolic import dag
from ..symbolic.atoms import kink_arguments
from ..symbolic.linalg import entries, unit
from ..symbolic.zero_test import canonical_derivatives
from ..symbolic.world import World
from .problem import (KINK_MARGIN, NumericResult, Problem, draw_points, sample_points,
                      summarize, summary)
from .refute import find_counterexample, search_counterexample
from .walk import (UNARY, Forward, RandomFunctions, evaluate, instantiate_undefined, walk_value,
                   walk_values)

__all__ = ["KINK_MARGIN", "NumericResult", "Screen", "compare", "search", "summarize",
           "draw_points", "sample_points", "evaluate", "walk_value", "walk_values", "Forward",
           "RandomFunctions", "UNARY", "instantiate_undefined"]


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
        of times); None: no point where both sides are defined.  A point where one
        side is defined and the other is not is no agreement."""
        fa, fb = np.isfinite(a), np.isfinite(b)
        both = fa & fb
        if not both.all(axis=1).any():
            return None
        if (fa != fb).any():
            return False
        with np.errstate(invalid="ignore", over="ignore"):  # as `errors`, without its rel
            bad = np.abs(a - b) > atol + rtol * np.maximum(np.abs(a), np.abs(b))
        return not (bad & both).any()

    def judge(self, a: np.ndarray, b: np.ndarray, rtol: float, atol: float,
              min_points: int = 1) -> NumericResult | None:
        """Both sides' entries (points × entries) compared; None: too few points where
        both sides are defined."""
        if int((np.isfinite(a) & np.isfinite(b)).all(axis=1).sum()) < max(min_points, 1):
            return None
        return summarize(a, b, rtol, atol, self.seed)


def _problem(lhs: Any, rhs: Any, world: World, seed: int, rtol: float, atol: float,
             kinked: bool) -> Problem:
    canon = canonical_derivatives if world.undefined else (lambda e: e)
    left = [canon(e) for e in entries(lhs)]
    right = [canon(e) for e in entries(rhs)]
    symbols = sorted(dag.free_symbols(left + right), key=sp.default_sort_key)
    symbols = [s for s in symbols if isinstance(s, sp.Symbol)]
    kinks = [k for e in left + right for k in kink_arguments(e)] if kinked else []
    return Problem(left, right, symbols, kinks, RandomFunctions(seed), rtol, atol)


def compare(lhs: Any, rhs: Any, world: World, seed: int = 0, points: int = 24,
            rtol: float = 1e-7, atol: float = 1e-9, simplify: bool = True,
            kinked: bool = True) -> NumericResult:
    """Both sides at seeded random points off the kinks; a mismatch that survives
    high precision gives a counterexample whose coordinates are then simplified (0,
    1, −1, ½ where the mismatch survives and the symbol may take the value), as
    property-based testing shrinks its examples."""
    lhs, rhs = unit(lhs), unit(rhs)
    prob = _problem(lhs, rhs, world, seed, rtol, atol, kinked)
    pts = sample_points(world, prob.symbols, prob.kinks, np.random.default_rng(seed), points)
    pts = pts[prob.off_kinks(pts)]  # a point at a kink never decides anything
    if pts.shape[0] == 0:
        return NumericResult(False, 0, seed, 0.0, 0.0, None,
                             "no sample point away from the kinks: nothing was compared")
    a, b, err, rel, bad = prob.errors(pts)
    result = summary(a, b, err, rel, bad, seed, atol)
    if not bad.any():
        return result
    found = find_counterexample(prob, world, lhs, pts, err, rel, bad, seed, simplify)
    if found.counterexample is not None:
        return replace(result, agree=False, counterexample=found.counterexample, note="")
    # every float64 disagreement was rounding: those points agree
    settled = not found.unchecked and not found.complex_only
    notes = "; ".join(n for n in (result.note, found.note()) if n)
    return replace(result, agree=settled and result.points > 0 and not result.one_sided,
                   note=notes)


def search(lhs: Any, rhs: Any, world: World, seed: int = 0, rtol: float = 1e-7,
           atol: float = 1e-9, kinked: bool = True) -> NumericResult | None:
    """A counterexample beyond the default box (at many scales, and near where the
    sides' one-variable polynomials vanish or turn), confirmed in high precision;
    None if none turns up.  For a claim that would otherwise be INCONCLUSIVE."""
    lhs, rhs = unit(lhs), unit(rhs)
    prob = _problem(lhs, rhs, world, seed, rtol, atol, kinked)
    found = search_counterexample(prob, world, lhs, seed)
    if found.counterexample is None:
        return None
    cx = found.counterexample
    return NumericResult(False, 1, seed, cx.abs_err, cx.rel_err, cx,
                         "found beyond the default sampling box")
