"""An oracle independent of bpcheck's deciding code: a network formula evaluated in plain
NumPy and compared with the reference backprop (`bpcheck/reference/network.py`, which
imports nothing of bpcheck).  For tests that confirm what bpcheck's diagnosis and shrinking
say without asking `verify_claim`, the code they rely on.

Covers the formula language the diagnosis tests need: layer lists (`W[l]`, `delta[l+1]`),
1-based entries (`W[l][i, j]`, `z[l][i]`), `*` (matrix product, or scaling by a number),
`⊙`/`%` (Hadamard), `+ - /`, `transpose`, `fprime`, `sum(expr, (j, lo, hi))`, `n[l]`.
The text is bpcheck's own output in a test, evaluated with no builtins.
"""
from __future__ import annotations

import ast
import re
from typing import Any

import numpy as np

from bpcheck.reference.network import MLP


def _sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


def _fprime(v: Any) -> Any:
    return Value(_sigmoid_prime(v.m)) if isinstance(v, Value) else float(_sigmoid_prime(v))


class Value:
    """A matrix (vectors are columns); `*` is the matrix product unless one side is a number."""

    def __init__(self, m: Any) -> None:
        self.m = np.asarray(m, dtype=float)
        if self.m.ndim == 1:
            self.m = self.m[:, None]

    def __mul__(self, o: Any) -> "Value":
        if not isinstance(o, Value):
            return Value(self.m * o)
        return Value(self.m @ o.m)  # raises ValueError when the shapes do not fit

    def __rmul__(self, o: Any) -> "Value":
        return Value(o * self.m)

    def __mod__(self, o: "Value") -> "Value":
        if self.m.shape != o.m.shape:
            raise ValueError("Hadamard product of different shapes")
        return Value(self.m * o.m)

    def _both(self, o: Any) -> np.ndarray:
        other = o.m if isinstance(o, Value) else o
        if isinstance(o, Value) and self.m.shape != o.m.shape:
            raise ValueError("sum of different shapes")
        return other

    def __add__(self, o: Any) -> "Value":
        return Value(self.m + self._both(o))

    __radd__ = __add__

    def __sub__(self, o: Any) -> "Value":
        return Value(self.m - self._both(o))

    def __rsub__(self, o: Any) -> "Value":
        return Value(self._both(o) - self.m)

    def __truediv__(self, o: Any) -> "Value":
        return Value(self.m / o)

    def __neg__(self) -> "Value":
        return Value(-self.m)

    def __getitem__(self, index: Any) -> float:
        if isinstance(index, tuple):
            i, j = index
            return float(self.m[i - 1, j - 1])
        if self.m.shape[1] != 1:
            raise IndexError("one index into a matrix")
        return float(self.m[index - 1, 0])


class Layers:
    """`X[l]` for a per-layer list (index 0 unused where the layer does not exist)."""

    def __init__(self, items: Any, wrap: bool = True) -> None:
        self.items, self.wrap = items, wrap

    def __getitem__(self, l: int) -> Any:
        if not 0 <= l < len(self.items) or self.items[l] is None:
            raise IndexError(f"no layer {l}")
        return Value(self.items[l]) if self.wrap else self.items[l]


class _Sums(ast.NodeTransformer):
    """`sum(E, (j, lo, hi))` -> `sum_(E for j in range(lo, hi + 1))` (lazy in j)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "sum" and len(node.args) == 2:
            var, lo, hi = node.args[1].elts
            stop = ast.BinOp(hi, ast.Add(), ast.Constant(1))
            gen = ast.GeneratorExp(node.args[0], [ast.comprehension(
                ast.Name(var.id, ast.Store()), ast.Call(ast.Name("range_", ast.Load()),
                                                        [lo, stop], []), [], 0)])
            return ast.Call(ast.Name("sum_", ast.Load()), [gen], [])
        return node


def evaluate(text: str, names: dict[str, Any]) -> Any:
    tree = _Sums().visit(ast.parse(text.replace("⊙", "%").replace("∘", "%"), mode="eval"))
    code = compile(ast.fix_missing_locations(tree), "<formula>", "eval")
    scope = {"__builtins__": {}, "sum_": sum, "range_": range,
             "transpose": lambda v: Value(v.m.T), "fprime": _fprime,
             **names}
    return eval(code, scope)  # noqa: S307 - bpcheck's output in a test, no builtins


class Network:
    """One random instance of a network setting, and its reference gradients."""

    def __init__(self, widths: tuple[int, ...], hidden: str = "sigmoid", output: str = "",
                 loss: str = "mse_half", batch: int = 0, reduction: str = "sum",
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        acts = (hidden,) * (len(widths) - 2) + (output or hidden,)
        self.mlp = MLP(tuple(widths), acts, loss, reduction)
        self.params = self.mlp.init_params(rng)
        cols = batch or 1
        x = rng.normal(size=(widths[0], cols))
        if loss == "cross_entropy":  # a one-hot target per sample
            y = np.eye(widths[-1])[:, rng.integers(0, widths[-1], cols)]
        else:
            y = rng.normal(size=(widths[-1], cols))
        x, y = (x, y) if batch else (x[:, 0], y[:, 0])
        self.trace = self.mlp.forward(self.params, x)
        self.grads = self.mlp.backward(self.params, x, y)
        self.names = {"W": Layers(self.params.W), "b": Layers(self.params.b),
                      "z": Layers(self.trace.z), "a": Layers(self.trace.a),
                      "delta": Layers(self.grads.delta), "y": Value(y), "x": Value(x),
                      "L": self.mlp.depth, "n": Layers(list(widths), wrap=False)}

    def quantity(self, text: str, index: dict[str, int]) -> Value | float:
        """diff(J, z[l]), diff(J, W[l]), diff(J, b[l]) or diff(J, z[l][i]) from the reference."""
        which = {"z": self.grads.delta, "W": self.grads.dW, "b": self.grads.db}
        inner = text.removeprefix("diff(J, ").removesuffix(")")
        node, rest = inner.split("[", 1)
        layer = evaluate(rest.split("]", 1)[0], {**self.names, **index})
        grad = Value(which[node][layer])
        entry = rest.split("]", 1)[1]
        return grad[evaluate(entry[1:-1], {**self.names, **index})] if entry else grad

    def agrees(self, quantity: str, formula: str, bindings: list[dict[str, int]]) -> bool:
        """Does the formula equal the reference's quantity at every binding?  A formula
        whose shapes do not fit, or that names a missing layer or entry, does not."""
        for index in bindings:
            want = self.quantity(quantity, index)
            try:
                got = evaluate(formula, {**self.names, **index})
            except (ValueError, IndexError):
                return False
            want_m = want.m if isinstance(want, Value) else np.array([[want]])
            got_m = got.m if isinstance(got, Value) else np.array([[got]])
            if want_m.shape != got_m.shape or not np.allclose(got_m, want_m, rtol=1e-9,
                                                              atol=1e-12):
                return False
        return True


def bindings(where: str | None, widths: tuple[int, ...]) -> list[dict[str, int]]:
    """Every binding of a claim's `where` (`l = "1..L-1", i = "1..n[l]"`) for these widths."""
    out: list[dict[str, int]] = [{}]
    for var, span in re.findall(r'(\w+) = "([^"]*)"', where or ""):
        lo, hi = span.split("..")
        nxt = []
        for b in out:
            scope = {"L": len(widths) - 1, "n": Layers(list(widths), wrap=False), **b}
            top = evaluate(str(hi), scope)
            nxt += [{**b, var: k} for k in range(evaluate(str(lo), scope), top + 1)]
        out = nxt
    return out

