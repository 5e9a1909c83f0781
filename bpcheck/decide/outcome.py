"""A quick numeric look at one link, no proof: does it hold, differ, or not fit?

What the explaining stage asks of a candidate repair or a smaller network; deciding
itself never needs it."""
from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..catalog.files import setting_names
from ..catalog.formula import parse
from ..model import Claim, Options
from ..numeric.compare import compare
from ..symbolic.build import onehot_subs
from ..symbolic.evaluate import EvalError
from ..symbolic.linalg import IndexRangeError, ShapeError
from ..symbolic.world import World
from ..symbolic.zero_test import same_shape
from .kinked import is_kinked
from .worlds import cases, screen_for, side_value, world_for


def numeric_outcome(claim: Claim, options: Options, link: tuple[int, int] = (0, 1)) -> str:
    """A quick look at one link, no proof: "equal" (the numbers agree in every case),
    "differ" (they differ somewhere), "shape" (the sides do not fit together) or
    "invalid" (an index outside the setting, or nothing to compare)."""
    try:
        names = setting_names(claim.setting) | {v for v, _ in claim.where}
        trees = [parse(claim.sides[k], names).tree for k in link]
    except (ValueError, KeyError, TypeError):
        return "invalid"
    return tree_outcome(claim, trees, options, is_kinked(claim))


def tree_outcome(claim: Claim, trees: list[ast.Expression], options: Options,
                 kinked: bool) -> str:
    """`numeric_outcome` of two parsed sides in the claim's setting and index cases
    (a diagnosis screens candidate trees without writing them out as text)."""
    return TreeScreen(claim, trees[0], options, kinked).outcome(trees[1])


class TreeScreen:
    """`tree_outcome` of many right sides against one left side, as a diagnosis asks it
    for every candidate repair: the world, its index cases and each case's quick
    evaluator are found once, not once per candidate (the outcomes are the same)."""

    def __init__(self, claim: Claim, left: ast.Expression, options: Options,
                 kinked: bool) -> None:
        self.claim, self.left, self.options, self.kinked = claim, left, options, kinked
        self._world: World | None = None
        self._cases: list[dict[str, Any]] = []
        self._evaluators: dict[int, Any] = {}  # per case, made when first needed

    def _evaluator(self, world: World, k: int) -> Any:
        ev = self._evaluators.get(k)
        if ev is None:
            from ..numeric.quickeval import QuickEvaluator
            case = self._cases[k]
            ev = self._evaluators[k] = QuickEvaluator(
                screen_for(world, self.options),
                {name: v for name, v in case.items() if not name.startswith("__")},
                onehot_subs(world, case), self.kinked)
        return ev

    def outcome(self, tree: ast.Expression) -> str:
        options, kinked, trees = self.options, self.kinked, (self.left, tree)
        try:
            world = self._world
            if world is None:  # (an error here is raised again on the next call)
                world = world_for(self.claim)
                self._cases = cases(self.claim, world)
                self._world = world
            for k, case in enumerate(self._cases):
                try:
                    quick = None if world.indexed else _quick_agree(self._evaluator(world, k),
                                                                    trees, options)
                    if quick == "shape":
                        return "shape"
                    if quick is not None:
                        if not quick:
                            return "differ"
                        continue
                    lhs, rhs = (side_value(world, t, case) for t in trees)
                except IndexRangeError:
                    return "invalid"
                except ShapeError:
                    return "shape"
                if same_shape(lhs, rhs):
                    return "shape"
                agree = screen_for(world, options).agree(lhs, rhs, options.rtol, options.atol,
                                                      kinked)
                if agree is None:  # the screen cannot tell: the full comparison
                    num = compare(lhs, rhs, world, options.seed, options.points, options.rtol,
                                  options.atol, simplify=False, kinked=kinked)
                    if num.points == 0:
                        return "invalid"
                    agree = num.agree
                if not agree:
                    return "differ"
            return "equal"
        except (EvalError, ValueError, KeyError, TypeError):
            return "invalid"


def _quick_agree(ev: Any, trees: tuple[ast.Expression, ...],
                 options: Options) -> bool | str | None:
    """Both sides at the screen's points, their operators applied to numbers
    (`quickeval`, the case's evaluator `ev`): True/False, "shape", or None when only
    SymPy values can tell."""
    from ..numeric.quickeval import CannotScreen
    ev.off_kinks = None  # the evaluator is kept per case: no mask from a former candidate
    try:
        with np.errstate(all="ignore"):
            lhs, rhs = (ev.eval(t) for t in trees)
    except CannotScreen:
        return None
    lhs, rhs = lhs.unit(), rhs.unit()
    if lhs.shape != rhs.shape or lhs.mat != rhs.mat:
        return "shape"
    rows = ev.off_kinks if ev.off_kinks is not None else slice(None)
    return ev.screen.agrees(lhs.flat()[rows], rhs.flat()[rows], options.rtol, options.atol)


def link_refuted(claim: Claim, options: Options, link: tuple[int, int]) -> bool:
    """Is this link refuted by shapes or numbers (index errors do not count)?"""
    return numeric_outcome(claim, options, link) in ("shape", "differ")


def tree_ratio(claim: Claim, trees: list[ast.Expression], options: Options,
               kinked: bool) -> float | None:
    """The one number r with left = r · right at every screened point, entry and index
    case of the two parsed sides (None: no such number, or the screen cannot tell).
    What a diagnosis fits a missing constant factor from; it proves nothing."""
    try:
        world = world_for(claim)
        if world.indexed:
            return None
        ratios = [_case_ratio(world, trees, case, options, kinked)
                  for case in cases(claim, world)]
    except (EvalError, ValueError, KeyError, TypeError, IndexRangeError, ShapeError):
        return None
    if not ratios or any(r is None for r in ratios):
        return None
    return ratios[0] if np.allclose(ratios, ratios[0], rtol=1e-9, atol=0) else None


def _case_ratio(world: World, trees: list[ast.Expression], case: dict[str, Any],
                options: Options, kinked: bool) -> float | None:
    from ..numeric.quickeval import CannotScreen, QuickEvaluator
    screen = screen_for(world, options)
    ev = QuickEvaluator(screen, {k: v for k, v in case.items() if not k.startswith("__")},
                        onehot_subs(world, case), kinked)
    try:
        with np.errstate(all="ignore"):
            lhs, rhs = (ev.eval(t).unit() for t in trees)
    except CannotScreen:
        return None
    if lhs.shape != rhs.shape or lhs.mat != rhs.mat:
        return None
    rows = ev.off_kinks if ev.off_kinks is not None else slice(None)
    a, b = lhs.flat()[rows].ravel(), rhs.flat()[rows].ravel()
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return None
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    scale = max(float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)), 1e-300)
    nonzero = np.abs(b) > 1e-9 * scale
    if not nonzero.any() or (np.abs(a[~nonzero]) > 1e-9 * scale).any():
        return None
    r = a[nonzero] / b[nonzero]
    return float(r[0]) if np.allclose(r, r[0], rtol=1e-9, atol=0) else None
