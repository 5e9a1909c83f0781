"""A formula tree's numbers at the screen's points, without building its SymPy value.

A diagnosis screens hundreds of candidate repairs, each one small edit away from
the refuted formula.  Their operators (sums, products, transposes, Hadamard
products, entries) are applied here to NumPy arrays of shape (points, rows,
cols), with the shape rules of `linalg`; every other node (a quantity such as
δ^(l+1), a derivative, an activation's derivative) is evaluated symbolically
once per world, as the verifier does, and read at the points.  This is only a
screen: a candidate that passes it is still decided in full.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..symbolic import dag
from ..symbolic.atoms import NUMPY_FUNCS, kink_arguments
from ..symbolic.evaluate import EvalError, Evaluator
from ..catalog.formula import node_key
from ..symbolic.linalg import IndexRangeError, ShapeError, entries, is_mat, shape_of
from ..symbolic.gradients import held_gradient
from .compare import KINK_MARGIN, Screen
from .walk import Forward, complex_log, complex_sqrt, walk_value
from ..symbolic.zero_test import canonical_derivatives

_UNARY = {"exp": np.exp, "log": complex_log, "ln": complex_log, "sqrt": complex_sqrt, "tanh": np.tanh,
          "sigmoid": NUMPY_FUNCS["Sig"]}
_TRANSPOSE = ("transpose", "T")


_CONTEXTS: dict[tuple, int] = {}  # (bindings, target classes, kinked) -> its number


class CannotScreen(Exception):
    """A value the screen cannot read at its points: decide the case the usual way."""


@dataclass(frozen=True)
class Num:
    """A scalar (shape (points,)) or a matrix (shape (points, rows, cols))."""
    v: np.ndarray
    mat: bool

    @property
    def shape(self) -> tuple[int, int]:
        return (self.v.shape[1], self.v.shape[2]) if self.mat else (1, 1)

    def fmt(self) -> str:
        return f"{self.shape[0]}×{self.shape[1]}" if self.mat else "scalar"

    def unit(self) -> Num:
        return Num(self.v[:, 0, 0], False) if self.mat and self.shape == (1, 1) else self

    def flat(self) -> np.ndarray:
        """(points, entries), row-major as `linalg.entries`."""
        return self.v.reshape(self.v.shape[0], -1) if self.mat else self.v[:, None]


class QuickEvaluator:
    """Numbers of formula trees in one world and index binding, at one screen's points."""

    def __init__(self, screen: Screen, bindings: dict[str, Any],
                 classes: dict[Any, Any] | None = None, kinked: bool = False) -> None:
        self.screen, self.world = screen, screen.world
        self.bindings = bindings
        self.symbolic = Evaluator(self.world, bindings)
        self.classes = classes or {}  # the one-hot targets of a case, put into every value
        self.kinked = kinked
        self.targets = tuple(self.classes.values())
        # the binding and targets as one small number: a memo key hashes it at every node
        context = (tuple(sorted(bindings.items())), self.targets, kinked)
        self.context = _CONTEXTS.setdefault(context, len(_CONTEXTS))
        self.points = screen.pts.shape[0]
        self.off_kinks: np.ndarray | None = None  # points away from every kink read (None: all)

    def eval(self, node: ast.AST) -> Num:
        """The node's numbers, kept per screen by structure and context: a candidate
        repair shares all but the path its edit changed with the formula it came from,
        so only that path is computed again.  Errors are kept too."""
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = float(node.value) if abs(node.value) < 1e300 else float("inf")
            if not np.isfinite(value):  # beyond float64 (10**400): not screened here
                raise CannotScreen("a number beyond the range of a float64")
            return Num(np.full(self.points, value), False)
        memo = self.screen.tree_memo
        key = (node_key(node), self.context)
        hit = memo.get(key)
        if hit is None:
            outer, self.off_kinks = self.off_kinks, None  # the sub-tree's own kink mask
            try:
                value: Num | Exception = self._compute(node)
            except (ShapeError, CannotScreen, EvalError) as exc:
                value = exc
            hit = memo[key] = (value, self.off_kinks)
            self.off_kinks = outer
        value, off_kinks = hit
        self._keep_off(off_kinks)
        if isinstance(value, Exception):
            raise type(value)(*value.args)
        return value

    def _keep_off(self, off_kinks: np.ndarray | None) -> None:
        if off_kinks is not None:
            self.off_kinks = off_kinks if self.off_kinks is None else self.off_kinks & off_kinks

    def _compute(self, node: ast.AST) -> Num:
        if isinstance(node, ast.BinOp) and self._numeric_op(node):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.eval(node.operand)
            return Num(-v.v, v.mat) if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "sum" and self._finite_sum(node):
            return self._sum(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id not in self.world.functions:
            name = node.func.id
            if name in _TRANSPOSE and len(node.args) == 1:
                v = self.eval(node.args[0])
                return Num(v.v.transpose(0, 2, 1), True) if v.mat else v
            if name in _UNARY and len(node.args) == 1:
                v = self.eval(node.args[0])
                return Num(_UNARY[name](v.v), v.mat)
        if isinstance(node, ast.Subscript) and not isinstance(node.value, ast.Name):
            return self._entry(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "diff" and len(node.args) == 2 and not self.kinked:
            found = self._gradient(node)
            if found is not None:
                return found
        return self._read(node)

    # -- ∂F/∂X of the loss: its held form read at the nodes' values ---------------------
    def _gradient(self, node: ast.Call) -> Num | None:
        """The reverse pass's gradient in the nodes' symbols, evaluated with every
        node's value at the points (one forward pass per screen and target classes),
        instead of its SymPy value written in the inputs."""
        f_node, x_node = node.args
        if self.world.indexed or self.symbolic.scalar_quantity(f_node) is None:
            return None
        target, entry = self.symbolic.diff_target(x_node)
        f_name = self.symbolic.scalar_quantity(f_node)
        held = held_gradient(self.world, f_name, target)
        if held is None:
            return None
        values = self._node_values(f_name)
        try:
            numbers = [np.broadcast_to(walk_value(g, values, self.screen.funcs),
                                       (self.points,)) for g in held]
        except KeyError:
            return None
        var = self.world.nodes[target].sym
        if entry is not None:
            return Num(numbers[entry[0] * var.cols + entry[1]], False)
        if is_mat(var):
            return Num(np.stack(numbers, axis=1).reshape(self.points, var.rows, var.cols), True)
        return Num(numbers[0], False)

    def _node_values(self, f_name: str) -> dict:
        key = ("forward", f_name, self.targets)
        memo = self.screen.tree_memo
        if key not in memo:
            forward = Forward(self.world, f_name, "", self.classes, self.screen.funcs)
            memo[key] = forward.run(list(self.world.free), self.screen.pts)
        return memo[key]

    # -- sum(expr, (k, low, high)) over concrete bounds: the terms' numbers added --------
    def _finite_sum(self, node: ast.Call) -> bool:
        spec = node.args[1] if len(node.args) == 2 else None
        return (isinstance(spec, ast.Tuple) and len(spec.elts) == 3
                and isinstance(spec.elts[0], ast.Name)
                and spec.elts[0].id not in self.world.constants)

    def _sum(self, node: ast.Call) -> Num:
        var, lo, hi = node.args[1].elts
        total = Num(np.zeros(self.points), False)
        for k in range(self.symbolic.integer(lo), self.symbolic.integer(hi) + 1):
            term = QuickEvaluator(self.screen, {**self.bindings, var.id: k}, self.classes,
                                  self.kinked)
            total = _add(total, term.eval(node.args[0]))
            self._keep_off(term.off_kinks)
        return total

    # -- a node evaluated symbolically (kept per world), read at the points -------------
    def _read(self, node: ast.AST) -> Num:
        value, off_kinks = self._numbers(self.symbolic.eval(node))
        self._keep_off(off_kinks)
        return value

    def _numbers(self, value: Any) -> tuple[Num, np.ndarray | None]:
        """A symbolic value at the points, as the screen reads whole sides: the case's
        one-hot targets put in, derivatives of undefined functions as one atom, and
        the points near the value's kinks marked."""
        if isinstance(value, tuple):
            raise CannotScreen("a tuple")
        if self.classes:
            value = dag.xreplace(value, self.classes)
        items = entries(value)
        if self.world.undefined:
            items = [canonical_derivatives(e) for e in items]
        kinks = [k for e in items for k in kink_arguments(e)] if self.kinked else []
        vals = self.screen.values(items + kinks)
        if vals is None:
            raise CannotScreen("a value outside the screen's symbols")
        off_kinks = (np.abs(vals[:, len(items):]) >= KINK_MARGIN).all(axis=1) if kinks else None
        rows, cols = shape_of(value)
        mat = is_mat(value)
        vals = vals[:, :len(items)]
        return Num(vals.reshape(self.points, rows, cols) if mat else vals[:, 0], mat), off_kinks

    def _entry(self, node: ast.Subscript) -> Num:
        base = self.eval(node.value)
        if not base.mat:
            raise ShapeError(f"{ast.unparse(node.value)!r} is a scalar and has no entries")
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        idx = tuple(self.symbolic.integer(p) - 1 for p in parts)
        rows, cols = base.shape
        if len(idx) == 1:
            idx = (idx[0], 0) if cols == 1 else (0, idx[0])
        r, c = idx
        if not (0 <= r < rows and 0 <= c < cols):
            raise IndexRangeError(f"index {tuple(i + 1 for i in idx)} is outside a "
                                  f"{rows}×{cols} value")
        return Num(base.v[:, r, c], False)

    # -- operators, with linalg's shape rules -------------------------------------------
    @staticmethod
    def _numeric_op(node: ast.BinOp) -> bool:
        if isinstance(node.op, ast.Pow):  # integer powers only: others go the usual way
            return isinstance(node.right, ast.Constant) and type(node.right.value) is int
        return isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.Mod))

    def _binop(self, node: ast.BinOp) -> Num:
        a, b = self.eval(node.left), self.eval(node.right)
        op = type(node.op)
        if op is ast.Add:
            return _add(a, b)
        if op is ast.Sub:
            return _add(a, Num(-b.v, b.mat))
        if op is ast.Mult:
            return _mul(a, b)
        if op is ast.MatMult:
            return _matmul(a, b)
        if op is ast.Div:
            return _div(a, b)
        if op is ast.Pow:
            return _power(a, b, node.right.value)
        return _hadamard(a, b)


def _scale(m: Num, s: Num, fn) -> Num:
    return Num(fn(m.v, s.v[:, None, None]), True)


def _add(a: Num, b: Num) -> Num:
    a, b = a.unit(), b.unit()
    if a.mat and b.mat:
        if a.shape != b.shape:
            raise ShapeError(f"cannot add a {a.fmt()} and a {b.fmt()} matrix")
        return Num(a.v + b.v, True)
    if a.mat or b.mat:  # a scalar is broadcast
        m, s = (a, b) if a.mat else (b, a)
        return _scale(m, s, np.add)
    return Num(a.v + b.v, False)


def _mul(a: Num, b: Num) -> Num:
    a, b = a.unit(), b.unit()
    if a.mat and b.mat:
        return _matmul(a, b)
    if a.mat or b.mat:
        m, s = (a, b) if a.mat else (b, a)
        return _scale(m, s, np.multiply)
    return Num(a.v * b.v, False)


def _matmul(a: Num, b: Num) -> Num:
    if not (a.mat and b.mat):
        return _mul(a, b)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"cannot multiply a {a.fmt()} by a {b.fmt()} matrix")
    return Num(np.matmul(a.v, b.v), True)


def _div(a: Num, b: Num) -> Num:
    b, a = b.unit(), a.unit()
    if b.mat:  # entry by entry, as the symbolic side divides by a vector
        if a.mat and a.shape != b.shape:
            raise ShapeError(f"cannot divide a {a.fmt()} by a {b.fmt()} matrix entry by entry")
        return Num((a.v if a.mat else a.v[:, None, None]) / b.v, True)
    return _scale(a, b, np.divide) if a.mat else Num(a.v / b.v, False)


def _power(a: Num, b: Num, exponent: int) -> Num:
    a = a.unit()
    if a.mat and min(a.shape) != 1:
        raise ShapeError(f"power of a {a.fmt()} matrix is ambiguous; use hadamard")
    value = a.v ** exponent if exponent >= 0 else 1.0 / a.v ** -exponent
    return Num(value, a.mat)


def _hadamard(a: Num, b: Num) -> Num:
    a, b = a.unit(), b.unit()
    if not (a.mat and b.mat):
        return _mul(a, b)
    if a.shape != b.shape:
        raise ShapeError(f"Hadamard product of a {a.fmt()} and a {b.fmt()} matrix")
    return Num(a.v * b.v, True)


__all__ = ["QuickEvaluator", "Num", "CannotScreen"]
