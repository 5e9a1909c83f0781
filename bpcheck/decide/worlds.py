"""A claim's setting as the deciding stages share it: its world, its screen points,
its sides' values and its index cases, each built once and kept.

Claims of one setting share quantities (each δ^(l) is derived once), and a diagnosis
asks again for each candidate repair, so every value here is kept per world."""
from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from ..catalog.files import setting_names
from ..catalog.formula import node_key, parse
from ..model import Claim, Options
from ..numeric.compare import Screen
from ..symbolic import dag
from ..symbolic.build import build_world, onehot_subs
from ..symbolic.evaluate import EvalError, Evaluator
from ..symbolic.world import World

_WORLDS: dict[Any, World] = {}
_SIDES: dict[tuple[Any, str, tuple], Any] = {}
MAX_SIDES = 4096


def world_for(claim: Claim) -> World:
    if claim.setting not in _WORLDS:
        _WORLDS[claim.setting] = build_world(claim.setting)
    return _WORLDS[claim.setting]


def screen_for(world: World, options: Options) -> Screen:
    key = (options.seed, options.points)
    if key not in world.screens:
        world.screens[key] = Screen(world, options.seed, options.points)
    return world.screens[key]


def side_value(world: World, tree: ast.Expression, case: dict[str, Any]) -> Any:
    """A side's value in a case.  Values are kept per (setting, formula, index binding):
    claims of one setting share quantities (each δ^(l) is derived once), and the
    target classes only substitute into a value already evaluated."""
    bindings = {k: v for k, v in case.items() if not k.startswith("__")}
    key = (world.setting, node_key(tree), tuple(sorted(bindings.items())))
    if key not in _SIDES:
        if len(_SIDES) >= MAX_SIDES:
            _SIDES.clear()
        _SIDES[key] = Evaluator(world, bindings).eval(tree)
    value = _SIDES[key]
    subs = onehot_subs(world, case)
    if subs:
        value = dag.xreplace(value, subs)
    if isinstance(value, tuple):
        raise EvalError("a side evaluated to a tuple, not a value")
    if isinstance(value, sp.MatrixBase):
        value = sp.ImmutableMatrix(value)
    return value


def cases(claim: Claim, world: World) -> list[dict[str, Any]]:
    """Every index binding of the claim's ranges (and `when`) with every target class;
    kept per world, since a diagnosis asks again for each candidate repair."""
    key = (claim.where, claim.when)
    if key not in world.case_memo:
        world.case_memo[key] = _cases(claim, world)
    return world.case_memo[key]


def _cases(claim: Claim, world: World) -> list[dict[str, Any]]:
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    bound: list[dict[str, Any]] = [{}]
    for var, rng in claim.where:
        lo_txt, hi_txt = rng.split("..", 1)
        grown = []
        for b in bound:
            ev = Evaluator(world, b)
            lo = ev.integer(parse(lo_txt, names).tree)
            hi = ev.integer(parse(hi_txt, names).tree)
            grown.extend({**b, var: k} for k in range(lo, hi + 1))
        bound = grown
    every = [{**b, **c} for b in bound for c in world.cases]
    if claim.when:  # after the target's classes, so that a condition may name kt (j != kt)
        test = parse(claim.when, names | {"kt"}).tree
        every = [b for b in every if bool(Evaluator(world, b).eval(test))]
    if not every:
        raise EvalError("the index ranges are empty: nothing to check")
    return every


def case_label(case: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in case.items() if not k.startswith("__"))
