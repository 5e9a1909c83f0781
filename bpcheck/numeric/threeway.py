"""The three-way cross-check of a first-principles derivative.

The quantity `diff(F, X)` is computed by SymPy.  SymPy is known to return
wrong derivatives in rare cases, so the same derivative is also taken by
central finite differences of F (and, for a network loss, by the NumPy
reference).  When F is a node (the loss), its values come from its definitions
one after another, X perturbed and everything after it recomputed in numbers;
any other F is written out with X held and evaluated.  When they disagree, the one out of line is named:
- the symbolic engine, when finite differences (and the reference) agree with
  each other but not with SymPy: never trusted, never VERIFIED;
- the reference, when SymPy and finite differences agree against it;
- finite-difference noise, when the other two agree and the difference's error
  shrinks like h² as the step shrinks (truncation, not a real mismatch).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..symbolic.atoms import kink_arguments
from ..symbolic.dag import free_symbols, xreplace
from .crosscheck import ReferenceResult, reference_check
from ..symbolic.evaluate import EvalError, Evaluator
from ..catalog.formula import node_key
from ..symbolic.linalg import entries, unit
from .compare import (Forward, RandomFunctions, draw_points, evaluate, sample_points, walk_value,
                      walk_values)
from ..symbolic.zero_test import canonical_derivatives
from ..symbolic.world import World

FD_POINTS = 4
FD_RTOL = 1e-5
FD_ATOL = 1e-7
_CBRT_EPS = float(np.finfo(np.float64).eps) ** (1 / 3)


@dataclass(frozen=True)
class ThreeWay:
    trusted: bool
    label: str  # "agree", "symbolic engine", "reference", "finite-difference noise"
    fd_points: int = 0
    fd_max_abs: float = 0.0
    fd_max_rel: float = 0.0
    convergence: str = ""
    reference: ReferenceResult | None = None

    def evidence(self) -> tuple[tuple[str, Any], ...]:
        out: list[tuple[str, Any]] = []
        if self.fd_points:
            out += [("fd_points", self.fd_points), ("fd_max_abs_err", self.fd_max_abs),
                    ("fd_max_rel_err", self.fd_max_rel)]
            if self.convergence:
                out.append(("fd_convergence", self.convergence))
        if self.reference is not None:
            out += list(self.reference.evidence())
        return tuple(out) + (("crosscheck", self.label),)


def cross_check(world: World, tree: ast.Expression, value: Any, case: dict[str, Any],
                options: Any, kinked: bool = True) -> ThreeWay | None:
    """`kinked=False` (the claim has no ReLU/max/|·|) skips the search for kink points.
    `value` is the world's value of `tree` in `case`, so the outcome is kept by those:
    the claims that take the same derivative (an erratum, its correction, a repair
    tried for it) share its check."""
    key = ("threeway", node_key(tree), tuple(sorted(case.items())), kinked, options.seed,
           options.reference)
    if key not in world.fd_memo:
        ref = reference_check(world, tree, value, case, options, kinked) \
            if options.reference else None
        fd = _finite_differences(world, tree, value, case, options, kinked)
        world.fd_memo[key] = None if fd is None and ref is None else judge(fd, ref)
    return world.fd_memo[key]


def judge(fd: tuple[bool, float, float, str] | None, ref: ReferenceResult | None) -> ThreeWay:
    """Name the check that is out of line (see the module docstring)."""
    sym_fd, fd_abs, fd_rel, conv = fd if fd is not None else (True, 0.0, 0.0, "")
    points = FD_POINTS if fd is not None else 0
    sym_ref = ref is None or ref.agree
    if sym_fd and sym_ref:
        label = "agree" if conv != "converging" else "finite-difference noise"
        return ThreeWay(True, label, points, fd_abs, fd_rel, conv, ref)
    if not sym_fd and sym_ref and ref is not None:
        return ThreeWay(True, "finite-difference noise", points, fd_abs, fd_rel, conv, ref)
    if sym_fd and not sym_ref and fd is not None:
        return ThreeWay(False, "reference", points, fd_abs, fd_rel, conv, ref)
    return ThreeWay(False, "symbolic engine", points, fd_abs, fd_rel, conv, ref)


def _finite_differences(world: World, tree: ast.Expression, value: Any, case: dict[str, Any],
                        options: Any, kinked: bool = True) -> tuple[bool, float, float, str] | None:
    body = tree.body
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name)
            and body.func.id == "diff" and len(body.args) == 2) or world.indexed:
        return None
    bindings = {k: v for k, v in case.items() if not k.startswith("__")}
    ev = Evaluator(world, bindings)
    try:
        node, entry = ev.reference(body.args[1])
        quantity = _quantity(world, ev, body.args[0])
        inner = None if quantity else Evaluator(world, bindings, stop=node).eval(body.args[0])
    except (EvalError, ValueError):
        return None
    from ..symbolic.build import onehot_subs
    subs = onehot_subs(world, case)
    var_syms = entries(world.nodes[node].sym)
    cols = [_flat_index(world.nodes[node].sym, entry)] if entry else list(range(len(var_syms)))
    variables = [var_syms[k] for k in cols]
    canon = canonical_derivatives if world.undefined else (lambda e: e)
    symbolic = [canon(e) for e in entries(unit(value))]
    funcs = RandomFunctions(options.seed)
    if quantity:  # F is a node: perturb X and recompute what follows it, number by number
        try:
            names, grid, table, memo, f_at = _forward_table(world, quantity, node, subs,
                                                            options, kinked)
            return _against(world, f_at, variables, names, grid, table[:, :, cols], symbolic,
                            funcs, memo)
        except (NotAtPoints, KeyError):  # a definition the walk cannot evaluate, or a
            # symbol F does not have: F written out with X held decides, as for any F
            inner = Evaluator(world, bindings, stop=node).eval(body.args[0])
    memo: dict = {}
    f_entries = [canon(xreplace(e, subs, memo)) for e in entries(unit(inner))]
    expansion = {s: canon(xreplace(e, subs, memo)) for s, e in
                 zip(var_syms, entries(world.expand(node)))} if world.nodes[node].defn else {}
    names, grid, table, memo = _fd_table(world, f_entries, var_syms, expansion, options, kinked)
    try:
        return _against(world, _at(f_entries, names, funcs), variables, names, grid,
                        table[:, :, cols], symbolic, funcs, memo)
    except NotAtPoints:  # a symbol F does not have (cannot happen for a derivative of F)
        return _compare(world, f_entries, variables, expansion, symbolic, options, kinked)


def _quantity(world: World, ev: Evaluator, f_node: ast.AST) -> str | None:
    """The node F names (`J`, `E`), when its values can be recomputed from its
    definitions alone; None otherwise (F is then expanded with X held)."""
    if not isinstance(f_node, ast.Name):
        return None
    try:
        name, entry = ev.reference(f_node)
    except EvalError:  # not a node (a constant, a function): written out as any F
        return None
    node = world.nodes[name]
    if entry is not None or node.defn is None or world.upstream(name) is None:
        return None
    return name


def _at(f_entries: list[sp.Expr], names: list, funcs: RandomFunctions):
    """F's entries at given points (one row per point, one column per name)."""
    return lambda pts: evaluate(f_entries, names, pts, funcs)


def _forward_table(world: World, f_name: str, x_name: str, subs: dict, options: Any,
                   kinked: bool) -> tuple[list, np.ndarray, np.ndarray, dict, Any]:
    """Points and the finite-difference Jacobian of node F by every entry of X, from
    F's definitions: once per (F, X, target classes) in a world.  The points avoid the
    kinks of every definition on the way."""
    key = ("forward", f_name, x_name, tuple(subs.items()), options.seed, kinked)
    if key not in world.fd_memo:
        funcs = RandomFunctions(options.seed)
        forward = Forward(world, f_name, x_name, subs, funcs)
        leaves = sorted({s for n in world.upstream(f_name) if world.nodes[n].defn is None
                         for s in entries(world.nodes[n].sym)} - set(subs),
                        key=sp.default_sort_key)
        pts = _sample(world, leaves, Forward(world, f_name, "", subs, funcs) if kinked
                      else None, options.seed)
        x_node = world.nodes[x_name]
        names: list = list(leaves)
        if x_node.defn is not None:  # an intermediate takes the value its definition gives
            base = Forward(world, x_name, "", subs, funcs).run(leaves, pts)
            pts = np.hstack([pts, np.stack([np.broadcast_to(base[s], (FD_POINTS,))
                                            for s in entries(x_node.sym)], axis=1)])
            names += entries(x_node.sym)
        f_at = forward.at(names)
        table = _jacobian(f_at, entries(x_node.sym), names, pts)
        world.fd_memo[key] = (names, pts, table, {n: pts[:, k] for k, n in enumerate(names)},
                              f_at)
    return world.fd_memo[key]


def _sample(world: World, leaves: list, kinks: Forward | None, seed: int) -> np.ndarray:
    """Points for the inputs, as `sample_points` draws them; with `kinks`, the points
    near a kink of any definition on the way (ReLU at 0, a max tie) are drawn again."""
    args = [] if kinks is None else [k for n in kinks.order if world.nodes[n].defn is not None
                                     for e in entries(world.nodes[n].defn)
                                     for k in kink_arguments(e)]

    def kink_values(pts: np.ndarray) -> np.ndarray:
        memo = kinks.run(leaves, pts)
        return np.stack([np.broadcast_to(np.abs(walk_value(k, memo, kinks.funcs)),
                                         (pts.shape[0],)) for k in args], axis=1)
    return draw_points(world, leaves, np.random.default_rng(seed + 2), FD_POINTS,
                       kink_values if args else None)


def _fd_table(world: World, f_entries: list[sp.Expr], var_syms: list[sp.Symbol],
              expansion: dict, options: Any,
              kinked: bool) -> tuple[list, np.ndarray, np.ndarray, dict]:
    """Points and the finite-difference Jacobian of F by every entry of X, once per
    (F, X) in a world: the cases of a claim (∂J/∂W_ij for each i, j) share them, and
    the values of their symbolic sides' sub-terms at the points (the memo).
    The points avoid F's kinks (the derivative's kinks are among them)."""
    key = (tuple(f_entries), tuple(var_syms), tuple(expansion.items()), options.seed, kinked)
    if key not in world.fd_memo:
        funcs = RandomFunctions(options.seed)
        names, grid = _grid(world, f_entries, expansion, f_entries if kinked else [],
                            options.seed, funcs, var_syms)
        world.fd_memo[key] = (names, grid, _jacobian(_at(f_entries, names, funcs), var_syms,
                                                     names, grid),
                              {n: grid[:, k] for k, n in enumerate(names)})
    return world.fd_memo[key]


def _grid(world: World, exprs: list[sp.Expr], expansion: dict, kinked_in: list[sp.Expr],
          seed: int, funcs: RandomFunctions,
          variables: list[sp.Symbol] = ()) -> tuple[list, np.ndarray]:
    # the variables too: F need not depend on them (∂z_i/∂w_ij with z independent of w is 0)
    free = sorted((free_symbols(exprs + list(expansion.values())) | set(variables))
                  - set(expansion), key=sp.default_sort_key)
    kinks = [xreplace(k, expansion) for e in kinked_in for k in kink_arguments(e)]
    pts = sample_points(world, free, kinks, np.random.default_rng(seed + 2), FD_POINTS)
    base = dict(zip(free, pts.T))
    if expansion:  # an intermediate takes the value its definition gives
        values = evaluate(list(expansion.values()), free, pts, funcs)
        base.update(zip(expansion, values.T))
    names = list(base)
    grid = np.stack([np.broadcast_to(base[n], (FD_POINTS,)) for n in names], axis=1)
    return names, grid


def _flat_index(sym: Any, entry: tuple[int, int]) -> int:
    return entry[0] * sym.cols + entry[1]


def _compare(world: World, f_entries: list[sp.Expr], variables: list[sp.Symbol],
             expansion: dict, symbolic: list[sp.Expr], options: Any,
             kinked: bool = True) -> tuple[bool, float, float, str]:
    funcs = RandomFunctions(options.seed)
    names, grid = _grid(world, f_entries + symbolic, expansion,
                        f_entries + symbolic if kinked else [], options.seed, funcs, variables)
    f_at = _at(f_entries, names, funcs)
    fd = _jacobian(f_at, variables, names, grid)
    return _against(world, f_at, variables, names, grid, fd, symbolic, funcs)


def _against(world: World, f_at: Any, variables: list[sp.Symbol], names: list,
             grid: np.ndarray, fd: np.ndarray, symbolic: list[sp.Expr],
             funcs: RandomFunctions, memo: dict | None = None) -> tuple[bool, float, float, str]:
    """The symbolic derivative against the finite differences `fd` (p, F, X); `f_at`
    gives F's entries at points, for the convergence check."""
    fd = _layout(fd, world.layout)
    if memo is None:
        sym = evaluate(symbolic, names, grid, funcs)
    else:  # only the table's symbols have values at its points
        sym = walk_values(symbolic, memo, funcs, grid.shape[0])
        if sym is None:
            raise NotAtPoints()
    err = np.abs(fd - sym)
    scale = np.maximum(np.abs(fd), np.abs(sym))
    agree = bool(np.all(err <= FD_ATOL + FD_RTOL * scale))
    rel = float(np.max(err / np.maximum(scale, 1e-12), initial=0.0))
    conv = "" if agree else _convergence(f_at, variables, names, grid, sym, fd)
    if conv == "converging":
        agree = True
    return agree, float(err.max(initial=0.0)), rel, conv


class NotAtPoints(Exception):
    pass


def _jacobian(f_at: Any, variables: list[sp.Symbol], names: list[sp.Symbol],
              grid: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """D[p, i, j] = ∂F_i/∂v_j at point p by central differences.  Every shifted
    point goes into one evaluation (the DAG walk is vectorised over points)."""
    p, n = grid.shape[0], len(variables)
    cols = [names.index(v) for v in variables]
    h = scale * _CBRT_EPS * np.maximum(1.0, np.abs(grid[:, cols]))  # (p, n)
    shifted = np.repeat(grid[None, None], 2 * n, axis=0).reshape(2, n, p, grid.shape[1])
    for j, col in enumerate(cols):
        shifted[0, j, :, col] += h[:, j]
        shifted[1, j, :, col] -= h[:, j]
    f = f_at(shifted.reshape(-1, grid.shape[1]))
    f = f.reshape(2, n, p, f.shape[1])
    return np.transpose((f[0] - f[1]) / (2 * h.T[:, :, None]), (1, 2, 0))


def _layout(d: np.ndarray, layout: str) -> np.ndarray:
    """Order the (F entry, variable) derivatives like `linalg.derivative` orders them."""
    p, n_f, n_v = d.shape
    if n_v == 1:
        return d[:, :, 0]
    if n_f == 1:
        return d[:, 0, :]
    if layout == "denominator":  # rows follow the variable
        return np.transpose(d, (0, 2, 1)).reshape(p, -1)
    return d.reshape(p, -1)


def _convergence(f_at, variables, names, grid, sym, fd) -> str:
    """Does the mismatch shrink ~4x per halving of a larger step (truncation error)?"""
    errors = []
    for scale in (100.0, 50.0, 25.0):
        approx = _jacobian(f_at, variables, names, grid, scale)
        errors.append(float(np.max(np.abs(approx.reshape(sym.shape[0], -1)[:, :sym.shape[1]]
                                          - sym), initial=0.0)))
    if errors[0] > 0 and errors[2] < errors[0] / 8:
        return "converging"
    return "plateau"
