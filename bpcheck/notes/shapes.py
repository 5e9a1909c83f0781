"""The sizes of a network note's formula, from its setting: which products are matrix products,
which derivatives are matrices and which are tensors.

A dimension is the set of the sizes it can have: one number for `z[2]`, `a[L - 1]`, the
batch; several for a layer written with a free index (`z[l]` is as wide as some layer).
Sizes that cannot be told (a name the setting does not know) are None, and the formula is
then left as written: the rules that use these shapes only ever act on shapes known for
certain.
"""
from __future__ import annotations

import ast
from typing import Optional

Dim = frozenset  # the sizes a dimension can have
Shape = Optional[tuple[Dim, Dim]]
ONE: Dim = frozenset({1})
SCALAR = (ONE, ONE)

_LAYERED = frozenset({"z", "a", "delta", "b"})
_BATCHED = frozenset({"z", "a", "delta"})  # b is one column even in a batch
_ENTRYWISE = frozenset({"exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "abs", "step",
                        "f", "fprime", "g", "gprime", "df", "leaky_relu", "elu", "softplus",
                        "swish"})


class Shapes:
    """Shapes of formula-language expressions in one network setting."""

    def __init__(self, widths: list[int], numbering: str, orientation: str, depth: str,
                 loss: str, batch: int) -> None:
        self.widths, self.depth, self.loss, self.batch = widths, depth, loss, batch
        self.first = 0 if numbering == "standard" else 1  # the input's layer number
        self.top = self.first + len(widths) - 1
        self.in_out = orientation == "in_out"

    def width(self, layer: ast.expr, lowest: int = 0) -> Dim | None:
        """The sizes layer `layer` can have (a free index runs over the layers from `lowest`
        after the input up to the output)."""
        free = sorted({n.id for n in ast.walk(layer) if isinstance(n, ast.Name)} - {self.depth})
        if len(free) > 1:
            return None
        values = range(self.first + lowest, self.top + 1) if free else [0]
        sizes = set()
        for v in values:
            k = _evaluate(layer, {self.depth: self.top, **({free[0]: v} if free else {})})
            if k is None:
                return None
            if self.first <= k <= self.top:
                sizes.add(self.widths[k - self.first])
        return frozenset(sizes) or None

    def of(self, node: ast.expr) -> Shape:
        if isinstance(node, ast.Constant):
            return SCALAR
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.UnaryOp):
            return self.of(node.operand)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node.func.id, node.args)
        return None

    def _columns(self) -> Dim:
        return frozenset({self.batch}) if self.batch else ONE

    def _name(self, name: str) -> Shape:
        if name == self.loss:
            return SCALAR
        if name == "x":
            return (frozenset({self.widths[0]}), self._columns())
        if name in ("y", "yhat"):
            return (frozenset({self.widths[-1]}), self._columns())
        return None

    def _subscript(self, node: ast.Subscript) -> Shape:
        base = node.value
        if isinstance(base, ast.Subscript):  # an entry: a[l][j], W[l][i, j]
            return SCALAR if self._subscript(base) is not None else None
        if not isinstance(base, ast.Name):
            return None
        if base.id in _LAYERED:
            rows = self.width(node.slice, 1)
            cols = self._columns() if base.id in _BATCHED else ONE
            return (rows, cols) if rows else None
        if base.id == "W":
            outs = self.width(node.slice, 1)
            ins = self.width(ast.BinOp(node.slice, ast.Sub(), ast.Constant(1)), 0)
            if not outs or not ins:
                return None
            return (ins, outs) if self.in_out else (outs, ins)
        if base.id in ("x", "y", "yhat"):
            return SCALAR  # y[i]: an entry
        return None

    def _binop(self, node: ast.BinOp) -> Shape:
        left, right = self.of(node.left), self.of(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Mult):
            return product(left, right)
        if isinstance(node.op, ast.Pow):
            return left
        if left == SCALAR or right == SCALAR:
            return right if left == SCALAR else left
        return left if left == right else None

    def _call(self, name: str, args: list[ast.expr]) -> Shape:
        inner = self.of(args[0]) if args else None
        if name == "transpose" and len(args) == 1:
            return (inner[1], inner[0]) if inner else None
        if name in _ENTRYWISE and len(args) == 1:
            return inner
        if name == "sum" and len(args) == 2:
            return inner
        if name == "diff" and len(args) == 2:
            var = self.of(args[1])
            return derivative(inner, var) if inner and var else None
        return None


def known(dim: Dim) -> int | None:
    return next(iter(dim)) if len(dim) == 1 else None


def is_scalar(shape: Shape) -> bool:
    return shape == SCALAR


def certainly_not_scalar(shape: Shape) -> bool:
    return shape is not None and (1 not in shape[0] or 1 not in shape[1])


def product(left: tuple[Dim, Dim], right: tuple[Dim, Dim]) -> Shape:
    """The shape of a matrix product, or None when it is not certainly defined."""
    if left == SCALAR or right == SCALAR:
        return right if left == SCALAR else left
    inner = known(left[1]), known(right[0])
    if inner[0] is not None and inner[0] == inner[1]:
        return (left[0], right[1])
    return None


def derivative(f: tuple[Dim, Dim], var: tuple[Dim, Dim]) -> Shape:
    """∂f/∂var as bpcheck computes it (gradients keep the variable's shape, Jacobians of
    columns are f-rows by var-rows); None for a tensor or a shape not known for certain."""
    if var == SCALAR:
        return f
    if f == SCALAR:
        return var
    if f[1] == ONE and var[1] == ONE:
        return (f[0], var[0])
    return None


def is_tensor(f: Shape, var: Shape) -> bool:
    """Is ∂f/∂var certainly a tensor (three or four indices, no matrix)?"""
    if f is None or var is None or not certainly_not_scalar(f) or not certainly_not_scalar(var):
        return False
    return not (f[1] == ONE and var[1] == ONE)


def _evaluate(node: ast.expr, values: dict[str, int]) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None:
            return None
        return left + right if isinstance(node.op, ast.Add) else left - right
    return None
