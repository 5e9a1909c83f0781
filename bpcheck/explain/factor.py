"""A constant factor off, fitted from the numbers: 1/n where 1/n² is right, a missing 1/N.

When the true value is r times the formula's at every screened point, entry and index
case, r is read as the simplest fraction within rounding, and the factor is put where
the formula already has one (g/3 → g/9) or in front of the whole (2/3 · formula).  The
fit only proposes; the candidate is then screened and decided like every other repair.
"""
from __future__ import annotations

import ast
from fractions import Fraction
from typing import Iterator

from .edits import Edit, _Paths, _new, _show, _variants

MAX_DENOMINATOR = 10_000


def simplest(ratio: float) -> Fraction | None:
    """The fraction with the smallest denominator within 1e-9 of `ratio` (None: none, or
    a negative ratio: a sign is the sign edits' to find, the factor is fitted after)."""
    if not ratio > 0:
        return None
    found = Fraction(ratio).limit_denominator(MAX_DENOMINATOR)
    if abs(float(found) - ratio) > 1e-9 * abs(ratio) or found == 1:
        return None
    return found


def factor_edits(tree: ast.Expression, ratio: float, sizes: dict[str, int],
                 in_place: bool = True) -> Iterator[Edit]:
    """The edits that multiply the formula by the fitted factor r = true / claimed: the
    formula's own divisor or multiplier corrected (`in_place`), or r put in front."""
    r = simplest(ratio)
    if r is None:
        return
    kind = _kind(r, sizes)
    if not in_place:
        yield Edit(kind, _new(_scaled(tree.body, r)), lambda: (
            f"multiplied by {_text(r)}", f"a factor {_text(r)} is missing{_named(r, sizes)}"))
        return
    paths = _Paths.of(tree)
    divisor = lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) \
        and _number(n.right) is not None
    for new, node in _variants(paths, divisor, lambda n: _divided(n.left, _number(n.right) / r)):
        old, fixed = _number(node.right), _number(node.right) / r
        yield Edit(kind, new, lambda old=old, fixed=fixed: (
            f"1/{_text(old)} replaced by 1/{_text(fixed)}",
            f"1/{_text(old)} should be {_inverse(fixed)}{_why(old, fixed)}"))
    multiplier = lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult) \
        and _number(n.left) is not None
    for new, node in _variants(paths, multiplier, lambda n: _times(_number(n.left) * r, n.right)):
        old, fixed = _number(node.left), _number(node.left) * r
        yield Edit(kind, new, lambda old=old, fixed=fixed: (
            f"the factor {_text(old)} replaced by {_text(fixed)}",
            f"the factor {_text(old)} should be {_text(fixed)}" if fixed != 1
            else f"the factor {_text(old)} does not belong"))


def _kind(r: Fraction, sizes: dict[str, int]) -> str:
    """The edit kinds a factor 2, ½ and 1/N have always had; "factor" for the others."""
    if r == 2:
        return "factor-2"
    if r == Fraction(1, 2):
        return "factor-half"
    if any(r in (Fraction(1, n), Fraction(n)) for n in sizes.values()):
        return "batch-mean"
    return "factor"


def _divided(body: ast.AST, by: Fraction) -> ast.AST:
    if by == 1:
        return body
    return ast.BinOp(body, ast.Div(), _constant(by)) if by.numerator == 1 or by.denominator == 1 \
        else ast.BinOp(_constant(1 / by), ast.Mult(), body)


def _times(c: Fraction, body: ast.AST) -> ast.AST:
    return body if c == 1 else ast.BinOp(_constant(c), ast.Mult(), body)


def _inverse(value: Fraction) -> str:
    return "dropped" if value == 1 else f"1/{_text(value)}"


def _number(node: ast.AST) -> Fraction | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool) and node.value != 0:
        return Fraction(node.value)
    return None


def _constant(value: Fraction) -> ast.AST:
    if value.denominator == 1:
        return ast.Constant(int(value))
    return ast.BinOp(ast.Constant(value.numerator), ast.Div(), ast.Constant(value.denominator))


def _scaled(body: ast.AST, r: Fraction) -> ast.AST:
    if r.numerator == 1:
        return ast.BinOp(body, ast.Div(), ast.Constant(r.denominator))
    if r.numerator == -1:
        return ast.UnaryOp(ast.USub(), ast.BinOp(body, ast.Div(), ast.Constant(r.denominator)))
    return ast.BinOp(_constant(r), ast.Mult(), body)


def _text(value: Fraction) -> str:
    return _show(_constant(value))


def _why(old: Fraction, fixed: Fraction) -> str:
    """(1/n should be 1/n², n = 3): the size-dependent reading of a corrected divisor."""
    if fixed == old * old and old > 1:
        return f" (1/n should be 1/n², n = {_text(old)})"
    return ""


def _named(r: Fraction, sizes: dict[str, int]) -> str:
    """The size the factor is, when it is one: N, 1/N, n, 1/n², 2."""
    for name, n in sizes.items():
        for value, form in ((Fraction(1, n), f"1/{name}"), (Fraction(n), name),
                            (Fraction(1, n * n), f"1/{name}²")):
            if n > 1 and r == value:
                return f" ({form}, {name} = {n})"
    return ""
