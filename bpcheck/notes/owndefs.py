"""Equations that look like a definition of the setting's quantity but are not one.

- A worked example: `a^{(1)} = \\mathrm{ReLU}((1, -1)^\\top x)`, numbers written in place of
  the weights.  It is the note's own small network with its own parameter values, not the
  setting's forward pass (whose weights are any), so it is skipped as an example: checking it
  against the setting would report a disagreement that is not one.
- A one-term shorthand: `H_{i,n} = W_{i,j} Z_{j,n}`, where the right side has an entry index
  (j) that the left side has not.  As written the left side would equal a different value for
  each j, so it cannot define it: the note states one term of a sum (or leaves the sum over j
  implicit), which bpcheck does not guess.  Skipped with that reason.
"""
from __future__ import annotations

import ast

WORKED_EXAMPLE = ("the note's worked example: numbers written in place of the weights "
                  "(its own small network), not the setting's forward pass")
_LITERALS = frozenset({"col", "row", "matrix"})


def not_a_definition(texts: list[str]) -> str:
    """Why the equation `texts[0] = texts[1] = ...` is no definition of the setting's
    quantity, or "" when it may be one."""
    trees = []
    for text in texts:
        try:
            trees.append(ast.parse(text, mode="eval"))
        except SyntaxError:
            return ""
    if any(_numeric_literal(n) for t in trees[1:] for n in ast.walk(t)):
        return WORKED_EXAMPLE
    extra = sorted(set().union(*(_entry_indices(t) for t in trees[1:])) - _entry_indices(trees[0]))
    if extra:
        names = ", ".join(extra)
        return (f"the right side has the index {names}, which the left side has not: as written "
                "it is no definition of the left side (one term of a sum, or a sum over "
                f"{names} left implicit); not checked")
    return ""


def _numeric_literal(node: ast.AST) -> bool:
    """`col(1, -1)`, `row(1, 1)`, `matrix((0.1, 2), ...)`: a vector or matrix of numbers."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _LITERALS and node.args):
        return False
    cells = [c for a in node.args for c in (a.elts if isinstance(a, ast.Tuple) else [a])]
    return all(_number(c) for c in cells)


def _number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _entry_indices(tree: ast.AST) -> set[str]:
    """Letters that index an entry (`W[l][i, j]` -> i, j; the layer `l` is not one), free of
    any sum."""
    bound = {c.args[1].elts[0].id for c in ast.walk(tree)
             if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "sum"
             and len(c.args) == 2 and isinstance(c.args[1], ast.Tuple)
             and c.args[1].elts and isinstance(c.args[1].elts[0], ast.Name)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript):
            idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found.update(e.id for e in idx if isinstance(e, ast.Name))
    return found - bound - _FIXED


_FIXED = frozenset({"kt"})  # the one-hot target's class: one entry, not an index over entries
