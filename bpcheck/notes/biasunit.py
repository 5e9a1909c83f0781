"""The bias unit (`bias_unit=0`): `x_0 = 1`, so `\\sum_{i=0}^{d} w_{ij} x_i` holds the bias.

Classic notes fold the bias into the weights: each layer's input has an extra entry 0 that is
the constant 1, and the weight from that entry is the bias.  With `bias_unit=0` in the defaults
line a sum whose index starts at 0 is read as its term at 0 plus the sum from 1, and in every
entry index 0 of a layer's activations is 1 and the weight from input 0 is the bias
(`W[l][0, j]` with `orientation=in_out`, `W[l][j, 0]` otherwise, is `b[l][j]`).  The setting
keeps its separate bias; nothing else changes.
"""
from __future__ import annotations

import ast
import copy

KEY = "bias_unit"


def with_bias_unit(sides: list[str], defaults: dict, orientation: str) -> list[str]:
    if str(defaults.get(KEY, "")) != "0":
        return sides
    out = []
    for side in sides:
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            out.append(side)
            continue
        tree = _Entries(orientation).visit(_SplitSums().visit(tree))
        out.append(ast.unparse(ast.fix_missing_locations(tree)))
    return out


def _is_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 0


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, value: ast.expr) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return copy.deepcopy(self.value) if node.id == self.name else node


class _SplitSums(ast.NodeTransformer):
    """sum(F, (i, 0, n)) -> F[i := 0] + sum(F, (i, 1, n))."""

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if not (isinstance(node.func, ast.Name) and node.func.id == "sum" and len(node.args) == 2):
            return node
        body, bounds = node.args
        if not (isinstance(bounds, ast.Tuple) and len(bounds.elts) == 3
                and isinstance(bounds.elts[0], ast.Name) and _is_zero(bounds.elts[1])):
            return node
        index = bounds.elts[0].id
        first = _Substitute(index, ast.Constant(0)).visit(copy.deepcopy(body))
        rest = ast.Tuple([bounds.elts[0], ast.Constant(1), bounds.elts[2]], ast.Load())
        return ast.BinOp(first, ast.Add(), ast.Call(node.func, [body, rest], []))


class _Entries(ast.NodeTransformer):
    """a[k][0] -> 1; the weight from input 0 -> the bias's entry."""

    def __init__(self, orientation: str) -> None:
        self.input_first = orientation == "in_out"

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        inner = node.value
        if not (isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name)):
            return node
        name, layer = inner.value.id, inner.slice
        if name == "a" and _is_zero(node.slice):
            return ast.Constant(1)
        if name == "W" and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            source, unit = node.slice.elts if self.input_first else node.slice.elts[::-1]
            if _is_zero(source):
                bias = ast.Subscript(ast.Name("b", ast.Load()), layer, ast.Load())
                return ast.Subscript(bias, unit, ast.Load())
        return node
