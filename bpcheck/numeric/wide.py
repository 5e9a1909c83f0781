"""A width-generic network claim's two sides in numbers at the stated widths.

A claim on a wide network (784-100-10) is proved at small widths (`decide.widths`);
at the widths the source states it is checked here, in NumPy only: parameters, input
and target drawn at seeded points, every node's value from the NumPy reference's
forward pass, δ^(l) and every ∂J/∂X from its backward pass (the independent oracle:
no symbolic value is built, so the cost is that of a few forward and backward passes).
Only the width-generic language is read (`decide.widths.generic` admits a claim):
nodes, transposes, products, sums, Hadamard products, entrywise functions, numbers.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..reference import network as ref

FAMILIES = {"W", "b", "B", "z", "a", "x", "delta"}
ACT_FUNCS = {"f", "g", "fprime", "gprime", "df"}
_UNARY = {"exp": np.exp, "log": np.log, "ln": np.log, "tanh": np.tanh,
          "sigmoid": lambda u: ref.ACTIVATIONS["sigmoid"].forward(u)}


class IllFormed(Exception):
    """Shapes that do not fit at the stated widths (the claim is not well-formed there)."""


@dataclass(frozen=True)
class Net:
    """The setting as numbers need it."""
    widths: tuple[int, ...]
    hidden: str
    output: str
    loss: str  # bpcheck's loss name
    loss_name: str
    depth_name: str
    target: str


@dataclass(frozen=True)
class Mismatch:
    """Where the sides differ at the stated widths: the point's seed, the worst entry."""
    point: int
    entry: tuple[int, int]
    left: float
    right: float


def _prime(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) as the setting's `fprime` (a hidden activation: entrywise)."""
    act = ref.ACTIVATIONS[name]
    return act.vjp(z, a, np.ones_like(z))


class Point:
    """One seeded point: the reference's forward and backward pass, and formula values."""

    def __init__(self, net: Net, rng: np.random.Generator) -> None:
        self.net = net
        acts = tuple([net.hidden] * (len(net.widths) - 2) + [net.output])
        self.mlp = ref.MLP(net.widths, acts, "mse_half" if net.loss == "mse_sum" else net.loss)
        self.scale = 2.0 if net.loss == "mse_sum" else 1.0
        self.params = self.mlp.init_params(rng)
        self.x = rng.uniform(-1.0, 1.0, net.widths[0])
        lo = 0.05 if net.target == "binary" or "entropy" in net.loss else -1.0
        self.y = rng.uniform(lo, 0.95 if lo > 0 else 1.0, net.widths[-1])
        self.trace = self.mlp.forward(self.params, self.x)
        self.grads = self.mlp.backward(self.params, self.x, self.y)

    # ---- names -------------------------------------------------------------------
    def node(self, family: str, l: int) -> np.ndarray:
        depth = len(self.net.widths) - 1
        lo = 0 if family in ("a", "x") else 1
        k = l - 1 if family == "x" else l
        if not lo <= k <= depth:
            raise IllFormed(f"layer {l} is not in the network")
        col = lambda v: np.asarray(v, dtype=float)[:, None]  # noqa: E731
        if family == "W":
            return self.params.W[k]
        if family in ("b", "B"):
            return col(self.params.b[k])
        if family == "z":
            return col(self.trace.z[k])
        if family == "delta":
            return col(self.grads.delta[k]) * self.scale
        return col(self.trace.a[k])

    def gradient(self, family: str, l: int) -> np.ndarray:
        """∂J/∂X from the reference's backward pass, in X's shape."""
        self.node(family, l)  # the layer must exist
        g, k = self.grads, (l - 1 if family == "x" else l)
        value = {"W": lambda: g.dW[k], "b": lambda: g.db[k][:, None], "B": lambda: g.db[k][:, None],
                 "z": lambda: g.delta[k][:, None], "a": lambda: g.da[k][:, None],
                 "x": lambda: g.da[k][:, None]}[family]()
        return np.asarray(value, dtype=float) * self.scale


class NumpySides:
    """Formula trees evaluated at one point (`Point`); index bindings given."""

    def __init__(self, point: Point, bindings: dict[str, int]) -> None:
        self.p, self.bindings = point, bindings
        self.depth = len(point.net.widths) - 1

    def eval(self, node: ast.AST) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise IllFormed(f"{type(node).__name__} is not read at the stated widths")
        return method(node)

    def _Expression(self, node: ast.Expression) -> Any:
        return self.eval(node.body)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value if isinstance(node.value, int) else float(node.value)

    def _Name(self, node: ast.Name) -> Any:
        net = self.p.net
        if node.id in self.bindings:
            return self.bindings[node.id]
        if node.id == net.depth_name:
            return self.depth
        if node.id == "x":
            return self.p.node("a", 0)
        if node.id == "yhat":
            return self.p.node("a", self.depth)
        if node.id == "y":
            return self.p.y[:, None]
        raise IllFormed(f"the name {node.id} is not read at the stated widths")

    def _layer(self, node: ast.AST) -> int:
        value = self.eval(node)
        if not isinstance(value, int):
            raise IllFormed("a layer number that is not an integer")
        return value

    def _Subscript(self, node: ast.Subscript) -> Any:
        family = node.value.id  # type: ignore[attr-defined]
        return self.p.node(family, self._layer(node.slice))

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        v = self.eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node: ast.BinOp) -> Any:
        a, b = self.eval(node.left), self.eval(node.right)
        if not isinstance(node.op, ast.Mod):  # a 1×1 matrix is a number (as in `linalg`)
            a, b = _unit(a), _unit(b)
        op = node.op
        if isinstance(op, (ast.Add, ast.Sub)):
            _same_or_scalar(a, b, "a sum")
            return a + b if isinstance(op, ast.Add) else a - b
        if isinstance(op, ast.Mod):
            if not (_mat(a) and _mat(b)) or a.shape != b.shape:
                raise IllFormed("a Hadamard product of different shapes")
            return a * b
        if isinstance(op, (ast.Mult, ast.MatMult)):
            if _mat(a) and _mat(b):
                if a.shape[1] != b.shape[0]:
                    raise IllFormed(f"a product of {a.shape} and {b.shape}")
                return a @ b
            return a * b
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.Pow):
            return a ** b
        raise IllFormed("an operator not read at the stated widths")

    def _Call(self, node: ast.Call) -> Any:
        name = node.func.id  # type: ignore[attr-defined]
        if name == "diff":
            target = node.args[1]
            if isinstance(target, ast.Name):
                family, l = ("a", self.depth) if target.id == "yhat" else ("x", 1)
            else:
                family, l = target.value.id, self._layer(target.slice)  # type: ignore[attr-defined]
            return self.p.gradient(family, l)
        arg = self.eval(node.args[0])
        if name in ("transpose", "T"):
            return arg.T if _mat(arg) else arg
        if name in ACT_FUNCS:
            hidden = self.p.net.hidden
            z = np.asarray(arg, dtype=float)
            a = ref.ACTIVATIONS[hidden].forward(z)
            return a if name in ("f", "g") else _prime(hidden, z, a)
        return _UNARY[name](arg)


def _unit(v: Any) -> Any:
    return float(v[0, 0]) if _mat(v) and v.shape == (1, 1) else v


def _mat(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.ndim == 2


def _same_or_scalar(a: Any, b: Any, what: str) -> None:
    if _mat(a) and _mat(b) and a.shape != b.shape:
        raise IllFormed(f"{what} of shapes {a.shape} and {b.shape}")


def _as_matrix(v: Any) -> np.ndarray:
    return v if _mat(v) else np.array([[float(v)]])


def first_mismatch(net: Net, sides: list[ast.Expression], link: tuple[int, int],
                   cases: list[dict[str, int]], seed: int, points: int, rtol: float,
                   atol: float) -> Mismatch | str | None:
    """The first point (and case) where the link's sides differ beyond tolerance; a
    text when a side is not well-formed at the stated widths; None when all agree."""
    for p in range(points):
        point = Point(net, np.random.default_rng([seed, 20, p]))
        for case in cases:
            values = []
            for tree in (sides[link[0]], sides[link[1]]):
                try:
                    values.append(_as_matrix(NumpySides(point, case).eval(tree)))
                except (IllFormed, ValueError, KeyError, IndexError) as exc:
                    return f"not well-formed at the stated widths: {exc}"
            left, right = values
            if left.shape != right.shape:
                return f"the two sides have different shapes: {left.shape} vs {right.shape}"
            scale = max(float(np.max(np.abs(left), initial=0.0)),
                        float(np.max(np.abs(right), initial=0.0)))
            gap = np.abs(left - right)
            if not np.all(np.isfinite(gap)) or np.max(gap) > atol + rtol * scale:
                worst = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(gap), gap,
                                                                   np.inf))), gap.shape)
                return Mismatch(p, (int(worst[0]) + 1, int(worst[1]) + 1),
                                float(left[worst]), float(right[worst]))
    return None
