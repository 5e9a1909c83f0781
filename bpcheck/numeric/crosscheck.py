"""Cross-check a network quantity's symbolic derivative against the NumPy reference.

SymPy has known cases of silently wrong derivatives, so the first-principles
side of every `diff(J, X)` claim on a network is also compared with
`bpcheck.reference`, which is tested against finite differences and autograd.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..symbolic.evaluate import EvalError, Evaluator
from ..symbolic.linalg import entries, unit
from ..symbolic.atoms import kink_arguments
from ..symbolic.dag import flat
from .compare import evaluate, sample_points
from ..symbolic.world import World

REF_POINTS = 6


@dataclass(frozen=True)
class ReferenceResult:
    agree: bool
    points: int
    max_abs: float
    max_rel: float
    note: str = ""

    def evidence(self) -> tuple[tuple[str, Any], ...]:
        return (("reference_points", self.points), ("reference_max_abs_err", self.max_abs),
                ("reference_max_rel_err", self.max_rel))


def quantity_target(world: World, tree: ast.Expression, case: dict[str, Any]):
    """(node, entry) when the quantity is diff(loss, X) for a network node X."""
    body = tree.body
    net = world.network
    if net is None or not (isinstance(body, ast.Call) and body.func.id == "diff"
                           and len(body.args) == 2):
        return None
    f, x = body.args
    if not (isinstance(f, ast.Name) and f.id == net["loss_symbol"]):
        return None
    bindings = {k: v for k, v in case.items() if not k.startswith("__")}
    try:
        return Evaluator(world, bindings).reference(x)
    except EvalError:
        return None


def conv_target(world: World, tree: ast.Expression) -> tuple[str, str, str, str] | None:
    """(G, X, K, variable) when the quantity is diff(sum(G ⊙ conv2d(X, K)), X or K)."""
    body = tree.body
    try:
        assert isinstance(body, ast.Call) and body.func.id == "diff"
        total, var = body.args
        assert isinstance(total, ast.Call) and total.func.id == "sum" and len(total.args) == 1
        prod = total.args[0]
        assert isinstance(prod, ast.BinOp) and isinstance(prod.op, ast.Mod)
        g, conv = prod.left, prod.right
        assert isinstance(conv, ast.Call) and conv.func.id == "conv2d"
        names = [n.id for n in (g, *conv.args, var)]
    except (AssertionError, AttributeError, ValueError):
        return None
    if not all(n in world.nodes for n in names) or names[3] not in names[1:3]:
        return None
    return names[0], names[1], names[2], names[3]


def _conv_check(world: World, target: tuple[str, str, str, str], value: Any,
                options: Any) -> ReferenceResult:
    from ..reference import conv as rc  # NumPy only
    g, x, k, var = target
    exprs = entries(unit(value))
    symbols = list(world.free)
    pts = sample_points(world, symbols, [], np.random.default_rng(options.seed + 1), REF_POINTS)
    got = []
    for p in range(REF_POINTS):
        values = dict(zip(symbols, pts[p]))
        dx, dk = rc.conv2d_backward(*(_array(world, n, values) for n in (x, k, g)))
        got.append((dx if var == x else dk).reshape(-1))
    return _against(np.array(got), evaluate(exprs, symbols, pts), tol=1e-9)


def _against(got: np.ndarray, symbolic: np.ndarray, tol: float) -> ReferenceResult:
    """Reference values against the symbolic ones, point by point (rows)."""
    err = np.abs(got - symbolic)
    rel = err / np.maximum(np.maximum(np.abs(got), np.abs(symbolic)), 1e-12)
    worst_abs, worst_rel = float(err.max(initial=0)), float(rel.max(initial=0))
    agree = worst_abs <= tol or worst_rel <= tol
    return ReferenceResult(agree, got.shape[0], worst_abs, worst_rel,
                           "" if agree else f"max abs error {worst_abs:.3g}")


def reference_check(world: World, tree: ast.Expression, value: Any, case: dict[str, Any],
                    options: Any, kinked: bool = True) -> ReferenceResult | None:
    if world.network is None:
        conv = conv_target(world, tree)
        return _conv_check(world, conv, value, options) if conv else None
    target = quantity_target(world, tree, case)
    if target is None or world.network["loss"] == "generic":
        return None
    node, entry = target
    from ..reference import network as ref  # NumPy only; imported when a network claim needs it

    exprs = entries(unit(value))  # a generic (undefined) loss never reaches here
    symbols = list(world.free)
    kinks = [k for e in exprs for k in kink_arguments(e)] if kinked else []
    # without kinks the points are the same for every case: the reference's gradients
    # at them (and the values of the symbolic side's shared sub-terms) are kept per
    # (quantity, target class), and each case picks its entries
    key = ("reference", node, tuple(case.get("__y__", ())), options.seed) if not kinks else None
    found = world.fd_memo.get(key) if key else None
    if found is None:
        rng = np.random.default_rng(options.seed + 1)
        pts = sample_points(world, symbols, kinks, rng, REF_POINTS)
        mlp, scale = _reference_network(world.network, ref)
        grads = [np.asarray(_reference_gradient(world, mlp, ref, dict(zip(symbols, pts[p])), case,
                                                node) * scale, dtype=float)
                 for p in range(REF_POINTS)]
        found = (pts, grads, {s: pts[:, k] for k, s in enumerate(symbols)})
        if key:
            world.fd_memo[key] = found
    pts, grads, memo = found
    got = [(np.array([g[entry]]) if entry is not None else g).reshape(-1) for g in grads]
    return _against(np.array(got), evaluate(exprs, symbols, pts, memo=memo), tol=1e-6)


def _reference_network(net: dict[str, Any], ref: Any) -> tuple[Any, float]:
    """The NumPy reference's network for a setting, and the factor between its loss and
    bpcheck's: bpcheck's mse_sum is 2 × the reference's mse_half; its mse_mean is the
    mean over every entry, which is the reference's mse_mean with reduction "mean"."""
    acts = tuple(_reference_activation(net, ref, f)
                 for f in [net["hidden"]] * (net["depth"] - 1) + [net["output"]])
    loss = "mse_half" if net["loss"] == "mse_sum" else net["loss"]
    scale = 2.0 if net["loss"] == "mse_sum" else 1.0
    reduction = "mean" if net["loss"] == "mse_mean" else net["reduction"]
    return ref.MLP(tuple(net["widths"]), acts, loss, reduction), scale


def _reference_activation(net: dict[str, Any], ref: Any, name: str) -> Any:
    """The reference's activation, with the setting's slope or α where it has one."""
    if name == "leaky_relu":
        return ref.leaky_relu(float(net["leaky_slope"]))
    if name == "elu":
        return ref.elu(float(net["elu_alpha"]))
    return name


def _array(world: World, name: str, values: dict[sp.Symbol, float]) -> np.ndarray:
    sym = world.nodes[name].sym
    return np.array([values.get(s, 0.0) if s.is_Symbol else float(s.subs(values))
                     for s in flat(sym)], dtype=float).reshape(sym.rows, sym.cols)


def _reference_gradient(world: World, mlp: Any, ref: Any, values: dict[sp.Symbol, float],
                        case: dict[str, Any], node: str) -> np.ndarray:
    net = world.network
    depth = net["depth"]
    flip = net["orientation"] == "in_out"
    W = [None] + [(_array(world, f"W[{k}]", values).T if flip else _array(world, f"W[{k}]", values))
                  for k in range(1, depth + 1)]
    b = [None] + [_array(world, f"b[{k}]", values)[:, 0] if net["bias"]
                  else np.zeros(net["widths"][k]) for k in range(1, depth + 1)]
    x = _array(world, "x", values)
    y = _array(world, "y", values)
    if "__y__" in case:
        y = np.zeros_like(y)
        for col, cls in enumerate(case["__y__"]):
            y[cls, col] = 1.0
    if not net["batch"]:
        x, y = x[:, 0], y[:, 0]
    grads = mlp.backward(ref.Params(W=tuple(W), b=tuple(b)), x, y)
    family, k = node.split("[")[0], int(node.split("[")[1][:-1]) if "[" in node else 0
    if node == "x":
        out = grads.da[0]
    elif family == "W":
        out = grads.dW[k].T if flip else grads.dW[k]
        decay = net.get("weight_decay")
        if decay is not None:  # the regulariser λ/2 ‖W‖² adds λ W (the reference has none)
            lam = values.get(decay, 0.0) if isinstance(decay, sp.Symbol) else float(decay)
            out = out + lam * _array(world, f"W[{k}]", values)
    elif family == "b":
        out = grads.db[k]
    elif family == "z":
        out = grads.delta[k]
    else:
        out = grads.da[k]
    out = np.asarray(out, dtype=float)
    return out.reshape(out.shape[0], -1) if out.ndim == 1 else out
