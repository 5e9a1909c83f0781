"""A corrected formula written as a course would: `g / 4 * ones(2, 2)`, not
`g / 2 * ones(2, 2) / 2`.

Only numbers move: the numeric factors of a chain of `*` and `/` are multiplied into
one coefficient, written after the chain's first factor (`g / 4 * …`) or in front
(`2 * …`); every other factor keeps its place and order (`*` between matrices is the
matrix product).  A double minus cancels.  The diagnosis decides the tidied form again
and keeps it only when it is VERIFIED too.
"""
from __future__ import annotations

import ast
from fractions import Fraction

from .edits import mapped


def tidy(tree: ast.Expression) -> ast.Expression:
    return ast.Expression(body=_tidy(tree.body))


def _tidy(node: ast.AST) -> ast.AST:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.UnaryOp) and isinstance(node.operand.op, ast.USub):
        return _tidy(node.operand.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # u ⊙ 1 = u
        for one, other in ((node.left, node.right), (node.right, node.left)):
            if _number(one) == 1:
                return _tidy(other)
    if _chain(node):
        coefficient, factors, numbers = _flatten(node)
        written = (abs(coefficient.numerator) != 1) + (coefficient.denominator != 1)
        if written < numbers:
            return _rebuild(coefficient, [_tidy(f) for f in factors])
    return _children(node)


def _children(node: ast.AST) -> ast.AST:
    return mapped(node, lambda n: None if n is node else _tidy(n))


def _chain(node: ast.AST) -> bool:
    return (isinstance(node, ast.BinOp) and (isinstance(node.op, ast.Mult) or (
        isinstance(node.op, ast.Div) and _number(node.right) is not None))) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _chain(node.operand))


def _number(node: ast.AST) -> Fraction | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return Fraction(node.value)
    return None


def _flatten(node: ast.AST) -> tuple[Fraction, list[ast.AST], int]:
    """(coefficient, the other factors in order, how many numbers were folded)."""
    number = _number(node)
    if number is not None:
        return number, [], 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _chain(node.operand):
        c, factors, k = _flatten(node.operand)
        return -c, factors, k
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        (c1, f1, k1), (c2, f2, k2) = _flatten(node.left), _flatten(node.right)
        return c1 * c2, f1 + f2, k1 + k2
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _number(node.right):
        c, factors, k = _flatten(node.left)
        return c / _number(node.right), factors, k + 1
    return Fraction(1), [node], 0


def _rebuild(c: Fraction, factors: list[ast.AST]) -> ast.AST:
    if not factors:
        return _fraction(c)
    body, p = factors[0], abs(c.numerator)
    if p != 1:
        body = ast.BinOp(ast.Constant(p), ast.Mult(), body)
    if c.denominator != 1:
        body = ast.BinOp(body, ast.Div(), ast.Constant(c.denominator))
    for factor in factors[1:]:
        body = ast.BinOp(body, ast.Mult(), factor)
    return ast.UnaryOp(ast.USub(), body) if c < 0 else body


def _fraction(c: Fraction) -> ast.AST:
    if c.denominator == 1:
        return ast.Constant(int(c))
    return ast.BinOp(ast.Constant(c.numerator), ast.Div(), ast.Constant(c.denominator))
