"""One sample's entry of a batch matrix as a variable to differentiate by.

The notes reader writes entry k of sample p of a batch matrix (`z^{(3)(p)}_k`, `x^{(p,3)}_k`)
as `column(z[3], p)[k]`; `\\partial E / \\partial z^{(3)(p)}_k` differentiates by that entry,
which is the batch matrix's entry (k, p).
"""
from __future__ import annotations

import ast


def is_column(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "column" and len(node.args) == 2


def column_entry(node: ast.Subscript) -> ast.Subscript:
    """`column(Z, p)[k]` as `Z[k, p]`: entry k of sample p is the batch matrix's (k, p)."""
    matrix, sample = node.value.args  # type: ignore[attr-defined]
    return ast.Subscript(matrix, ast.Tuple([node.slice, sample], ast.Load()), ast.Load())
