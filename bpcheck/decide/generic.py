"""Which network formulas are width-generic, and whether a proof of one counts units.

`generic_trees` admits only the language whose value at any widths is built the same way
from the network's nodes (see `decide.widths`): no entry, size, bounded sum, constant
vector or class index, so nothing in the formula can single out a width.

`count_free` looks, at the small widths, for the one way such a formula can still depend
on the widths: a product A·B whose summands A_ik B_kj share a term (a term free of the
summed unit k, the same in every summand), which sums to (number of units) × term.
"""
from __future__ import annotations

import ast
from typing import Any

from ..model import Claim
import sympy as sp

from ..symbolic import engine
from ..symbolic.evaluate import EvalError, Evaluator
from ..symbolic.linalg import ShapeError, is_mat
from .worlds import world_for

FAMILIES = {"W", "b", "B", "z", "a", "x", "delta"}
DIFF_BY = {"W", "b", "B", "z", "a", "x"}
ENTRYWISE = {"f", "g", "fprime", "gprime", "df", "sigmoid", "tanh", "exp", "log", "ln"}
OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Mod)


def generic_trees(trees: list[ast.Expression], where: tuple[tuple[str, str], ...], loss: str,
                  depth: str, indices: set[str]) -> bool:
    layer_names = indices | {depth}
    for var, rng in where:
        lo, _, hi = rng.partition("..")
        try:
            bounds = [ast.parse(t.strip(), mode="eval").body for t in (lo, hi)]
        except SyntaxError:
            return False
        if not all(_layer(b, layer_names) for b in bounds):
            return False
    leaves = {"x", "y", "yhat", loss}
    return all(_generic(t.body, leaves, layer_names, loss) for t in trees)


def _layer(node: ast.AST, names: set[str]) -> bool:
    """A layer number: integers, the depth and the where-indices, added and subtracted."""
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return _layer(node.left, names) and _layer(node.right, names)
    return False


def _node(node: ast.AST, families: set[str], layers: set[str]) -> bool:
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id in families and _layer(node.slice, layers))


def _generic(node: ast.AST, leaves: set[str], layers: set[str], loss: str) -> bool:
    def ok(n: ast.AST) -> bool:
        return _generic(n, leaves, layers, loss)
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Name):
        return node.id in leaves
    if isinstance(node, ast.Subscript):
        return _node(node, FAMILIES, layers)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) and ok(node.operand)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, OPERATORS):
            return ok(node.left) and ok(node.right)
        if isinstance(node.op, ast.Div):  # by a number only
            return ok(node.left) and _number(node.right)
        if isinstance(node.op, ast.Pow):
            return ok(node.left) and isinstance(node.right, ast.Constant) \
                and type(node.right.value) is int
        return False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "diff":
            return (len(args) == 2 and isinstance(args[0], ast.Name) and args[0].id == loss
                    and ((isinstance(args[1], ast.Name) and args[1].id in ("x", "yhat"))
                         or _node(args[1], DIFF_BY, layers)))
        if name in ("transpose", "T") or name in ENTRYWISE:
            return len(args) == 1 and ok(args[0])
    return False


def _number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) \
        and node.value != 0


def count_free(claim: Claim, trees: list[ast.Expression],
               cases: list[dict[str, Any]]) -> str:
    """'' when no product of the formulas, at `claim`'s (small) widths and in any case,
    has a term that only counts units; otherwise what was found.

    Each node of the network (x, y, W, b, z, a, δ, ∂J/∂X) stands here as a matrix of
    fresh symbols of its shape: every term of a node's entry for unit k carries a symbol
    of unit k (a weight, an input, an atom of z_k), so a node never counts units itself;
    only what the formula builds from numbers or cancellations can (x − x + 1), and the
    products are then expanded at the size of the formula, not of the network."""
    world = world_for(claim)
    for case in cases:
        bindings = {k: v for k, v in case.items() if not k.startswith("__")}
        opaque = _Opaque(Evaluator(world, bindings))
        for tree in trees:
            try:
                opaque.eval(tree.body)
            except (EvalError, ShapeError, KeyError, ValueError, TypeError):
                return "the formula could not be read for counting terms"
            if opaque.counting:
                return "a product in the formula sums a term that only counts units"
    return ""


class _Opaque:
    """The formula over fresh symbols for its nodes; records a product that counts."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev, self.counting, self.fresh = ev, False, 0

    def leaf(self, node: ast.AST) -> Any:
        value = self.ev.eval(node)
        if not is_mat(value):
            return self.symbol()
        return sp.ImmutableMatrix(value.rows, value.cols,
                                  lambda i, j: self.symbol())

    def symbol(self) -> sp.Symbol:
        self.fresh += 1
        return sp.Symbol(f"_node{self.fresh}")

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return sp.nsimplify(node.value)
        if isinstance(node, (ast.Name, ast.Subscript)) or (
                isinstance(node, ast.Call) and node.func.id == "diff"):  # type: ignore[attr-defined]
            return self.leaf(node)
        if isinstance(node, ast.UnaryOp):
            v = self.eval(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call):
            v = self.eval(node.args[0])
            name = node.func.id  # type: ignore[attr-defined]
            if name in ("transpose", "T"):
                return v.T if is_mat(v) else v
            fn = sp.Function(f"_{name}")
            return v.applyfunc(fn) if is_mat(v) else fn(v)
        a, b = self.eval(node.left), self.eval(node.right)  # type: ignore[attr-defined]
        a, b = (x[0, 0] if is_mat(x) and x.shape == (1, 1) else x for x in (a, b))
        op = node.op  # type: ignore[attr-defined]
        if isinstance(op, ast.Mod):
            return a.multiply_elementwise(b)
        if isinstance(op, (ast.Mult, ast.MatMult)):
            if is_mat(a) and is_mat(b):
                self.counting = self.counting or _counts(a, b)
                return a * b
            return a * b
        if isinstance(op, (ast.Add, ast.Sub)):
            if is_mat(a) != is_mat(b):  # a number added to every entry
                m, n = (a, b) if is_mat(a) else (b, a)
                n = sp.ImmutableMatrix(m.rows, m.cols, lambda i, j: n)
                a, b = (m, n) if is_mat(a) else (n, m)
            return a + b if isinstance(op, ast.Add) else a - b
        if isinstance(op, ast.Div):
            return a / b
        return a ** b


def _counts(left: Any, right: Any) -> bool:
    if not (is_mat(left) and is_mat(right)) or left.shape[1] != right.shape[0] \
            or left.shape[1] < 2:
        return False
    for i in range(left.shape[0]):
        for j in range(right.shape[1]):
            shared = None
            for k in range(left.shape[1]):
                terms = _terms(left[i, k] * right[k, j])
                shared = terms if shared is None else shared & terms
                if not shared:
                    break
            if shared:
                return True
    return False


def _terms(e: Any) -> set:
    """The monomials of an expansion, without their numeric coefficients."""
    g = engine.to_engine(e).expand()
    out = set()
    for t in (g.args if g.is_Add else (g,)):
        if t.is_Mul and t.args and t.args[0].is_Number:
            t = t.func(*t.args[1:])
        out.add(t)
    return out
