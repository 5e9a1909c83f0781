"""Notes whose vectors are rows (`vectors=rows`): `δ^{(l)} = δ^{(l+1)} (W^{(l+1)})^T ⊙ f'(z^{(l)})`.

bpcheck's quantities are columns.  A note that writes a, z, δ, b, x, y and the gradients by
them as rows means, for each of them, its transpose; W is the matrix the setting's
`orientation` says.  So each vector quantity of the formula is read as `transpose(v)` and the
claim is decided as written, products in the note's order: the row formula holds exactly when
its transposed column form does.
"""
from __future__ import annotations

import ast

from .rowshape import NAMES as _NAMES, ROW, SCALAR, VECTORS as _VECTORS, shape_of


# functions applied to each vector (sample) on its own: of a row, the row of the column's value
_BY_ROW = frozenset({"f", "g", "fprime", "gprime", "sigmoid", "softmax", "relu", "tanh", "exp",
                     "log", "ln", "step", "sqrt", "abs"})


def rows_as_written(sides: list[str], loss: str) -> list[str]:
    """The sides with every vector quantity (and the loss's gradient by one) as a row."""
    out = []
    for side in sides:
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            out.append(side)
            continue
        out.append(ast.unparse(_Rows(loss).visit(tree)))
    return out


def _transpose(node: ast.expr) -> ast.expr:
    return ast.Call(ast.Name("transpose", ast.Load()), [node], [])


def _is_vector(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _NAMES
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
        and node.value.id in _VECTORS


def _by_row(node: ast.Call, f: ast.expr, shape: str | None) -> ast.expr:
    """∂F/∂v for a row v, in the row convention: the gradient of a scalar is a row; the
    Jacobian of a row F is ∂Fᵀ/∂vᵀ (entries ∂F_i/∂v_j with the setting's numerator layout)."""
    if shape == SCALAR:
        return _transpose(node)
    if shape == ROW:
        node.args[0] = _column(f)
    return node  # a column or a matrix by a row, or a shape unknown: as written


def _column(f: ast.expr) -> ast.expr:
    """Fᵀ for a row F, with a transpose already there cancelled: (v^T)^T is v."""
    if isinstance(f, ast.Call) and isinstance(f.func, ast.Name) and f.func.id == "transpose":
        return f.args[0]
    if isinstance(f, ast.Call) and isinstance(f.func, ast.Name) and len(f.args) == 1:
        return ast.Call(f.func, [_column(f.args[0])], [])  # an entrywise function of a row
    return _transpose(f)


def _column_of_ones(node: ast.expr) -> bool:
    """`ones(N, 1)`, as bpcheck's own translation of a sum over a batch's samples writes it."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "ones" and len(node.args) == 2 \
        and isinstance(node.args[1], ast.Constant) and node.args[1].value == 1


class _Rows(ast.NodeTransformer):
    def __init__(self, loss: str) -> None:
        self.loss = loss

    def visit_Call(self, node: ast.Call) -> ast.expr:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name == "diff" and len(node.args) == 2:
            f, var = node.args
            node.args[0] = f = self.visit(f)  # what is differentiated, in rows; the variable as is
            return _by_row(node, f, shape_of(f, self.loss)) if _is_vector(var) else node
        if name == "transpose" and len(node.args) == 1 and _is_vector(node.args[0]):
            return node.args[0]  # a row's transpose is the column
        if name == "column" and len(node.args) == 2 and _is_vector(node.args[0]):
            return _transpose(node)  # y^{(i)}: sample i of a batch of rows is its row i
        self.generic_visit(node)
        arg = node.args[0] if len(node.args) == 1 else None
        if name in _BY_ROW and isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) \
                and arg.func.id == "transpose":  # f of a row (softmax: of each sample's row)
            return _transpose(ast.Call(node.func, [arg.args[0]], []))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        ones = node.right
        if isinstance(node.op, ast.Mult) and _is_vector(node.left) and isinstance(ones, ast.Call) \
                and isinstance(ones.func, ast.Name) and ones.func.id == "ones" \
                and len(ones.args) == 2:  # a bias broadcast over a batch's rows: 1_N bᵀ
            rows = ast.Call(ones.func, [ones.args[1], ones.args[0]], [])
            return ast.BinOp(rows, ast.Mult(), _transpose(node.left))
        if isinstance(node.op, ast.Mult) and _column_of_ones(ones):  # a sum over the samples
            return ast.BinOp(ast.Call(ones.func, ones.args[::-1], []), ast.Mult(),
                             self.visit(node.left))  # of rows: 1_Nᵀ M (notes.samplesum)
        self.generic_visit(node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if _is_vector(node):
            return _transpose(node)
        return node  # an entry a[l][j], W[l][i, j]: a number either way

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return _transpose(node) if node.id in _NAMES else node
