"""The shape of a formula of a row-vector note, read from its text: scalar, row, column, matrix.

A note that writes its vectors as rows takes derivatives in the row convention: the gradient
of a scalar by a row is a row, the Jacobian of a row s by a row x is the matrix of ∂s_i/∂x_j.
Which one a `diff(F, v)` is depends on the shape of F, so `rows.py` asks this module.  It
knows only the setting's quantities and the formula language's shape rules; anything else is
unknown (None), and the derivative is then left as written.
"""
from __future__ import annotations

import ast

SCALAR, ROW, COLUMN, MATRIX = "scalar", "row", "column", "matrix"

VECTORS = frozenset({"a", "z", "delta", "b"})  # a[l], z[l], delta[l], b[l]: columns
NAMES = frozenset({"x", "y", "yhat"})  # the setting's input, target and output: columns
MATRICES = frozenset({"W"})
_ENTRYWISE = frozenset({"exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "abs", "step",
                        "sin", "cos", "f", "fprime", "g", "gprime", "df", "softmax",
                        "leaky_relu", "elu", "softplus", "swish"})
_SCALARS = frozenset({"sqnorm", "dot", "kdelta", "KroneckerDelta", "mean"})
_FLIP = {ROW: COLUMN, COLUMN: ROW, SCALAR: SCALAR, MATRIX: MATRIX}


def shape_of(node: ast.expr, loss: str) -> str | None:
    """The shape of a formula-language expression, or None when it cannot be told."""
    if isinstance(node, ast.Constant):
        return SCALAR
    if isinstance(node, ast.Name):
        return COLUMN if node.id in NAMES else SCALAR if node.id == loss else None
    if isinstance(node, ast.Subscript):
        return _subscript(node)
    if isinstance(node, ast.UnaryOp):
        return shape_of(node.operand, loss)
    if isinstance(node, ast.BinOp):
        return _binop(node, loss)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, loss)
    return None


def _subscript(node: ast.Subscript) -> str | None:
    base = node.value
    if isinstance(base, ast.Name):
        if base.id in VECTORS:
            return COLUMN
        if base.id in MATRICES:
            return MATRIX
        return SCALAR if base.id in NAMES else None  # y[i]: an entry
    if isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name) \
            and base.value.id in VECTORS | MATRICES:
        return SCALAR  # a[l][i], W[l][i, j]
    return None


def _binop(node: ast.BinOp, loss: str) -> str | None:
    left, right = shape_of(node.left, loss), shape_of(node.right, loss)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Pow):
        return left
    if isinstance(node.op, (ast.Mult, ast.MatMult)):
        return _product(left, right)
    if left == SCALAR or right == SCALAR:  # a number added to (or dividing) every entry
        return right if left == SCALAR else left
    return left if left == right else None


def _product(left: str, right: str) -> str | None:
    if left == SCALAR or right == SCALAR:
        return right if left == SCALAR else left
    return {(ROW, COLUMN): SCALAR, (COLUMN, ROW): MATRIX, (ROW, MATRIX): ROW,
            (MATRIX, COLUMN): COLUMN, (MATRIX, MATRIX): MATRIX}.get((left, right))


def _call(name: str, args: list[ast.expr], loss: str) -> str | None:
    if name in ("transpose", "T") and len(args) == 1:
        inner = shape_of(args[0], loss)
        return _FLIP[inner] if inner else None
    if name in _ENTRYWISE and len(args) == 1:
        return shape_of(args[0], loss)
    if name in _SCALARS:
        return SCALAR
    if name == "diag":
        return MATRIX
    if name in ("sum", "Sum") and args:
        return shape_of(args[0], loss)
    if name == "diff" and len(args) == 2:
        return _derivative(shape_of(args[0], loss), shape_of(args[1], loss))
    return None


def _derivative(f: str | None, var: str | None) -> str | None:
    """diff's shape rules (symbolic.linalg.derivative), for shapes it accepts."""
    if f is None or var is None:
        return None
    if var == SCALAR:
        return f
    if f == SCALAR:
        return var
    return MATRIX if f == COLUMN and var == COLUMN else None
