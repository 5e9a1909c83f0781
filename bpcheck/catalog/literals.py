"""Numbers exactly as written, and the size a formula may have.

Python reads `2.0000000000000001` as the float 2.0 and `1e-400` as 0.0: the digits
are gone before anything else sees them.  Each float literal of a parsed formula is
therefore read again from its source text.  When the text's exact value is the
float's shortest repr (0.5, 0.1, 1e-3: what the evaluator reads), the literal stays
as it is, so ordinary formulas print as written; otherwise it is replaced in the
tree by an exact form built from integers, `n / 10**k` or `n * 10**k`, which every
later stage evaluates exactly.  Nothing is evaluated by Python here.

Limits (measured: with Python's default recursion limit the evaluator fails near
475 nested levels, and the parser's own C recursion near 1,000): a formula has at
most MAX_CHARS characters, MAX_NODES syntax nodes and MAX_DEPTH nested levels; a
number at most MAX_DIGITS significant digits and a decimal exponent of at most
MAX_EXPONENT.  Beyond them a formula is an input error, never a traceback.
"""
from __future__ import annotations

import ast

MAX_CHARS = 20_000
MAX_NODES = 5_000
MAX_DEPTH = 256
MAX_DIGITS = 1_000
MAX_EXPONENT = 1_000


class LiteralError(ValueError):
    """A number or a formula beyond the limits above (the message says which)."""

    def __init__(self, message: str, line_offset: int = 0) -> None:
        super().__init__(message)
        self.line_offset = line_offset


def check_size(nodes: list[ast.AST], tree: ast.AST) -> None:
    """Raise LiteralError for a tree with too many nodes or nested too deeply
    (iterative: this must work where recursion would not)."""
    if len(nodes) > MAX_NODES:
        raise LiteralError(f"formula too large: {len(nodes)} syntax nodes "
                           f"(the limit is {MAX_NODES})")
    if len(nodes) <= MAX_DEPTH:  # fewer nodes than levels: cannot be too deep
        return
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LiteralError(f"formula nested too deeply: more than {MAX_DEPTH} levels",
                               getattr(node, "lineno", 1) - 1)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def exact_numbers(tree: ast.AST, nodes: list[ast.AST], source: str) -> bool:
    """Replace, in place, each float literal whose written value is not its float's
    shortest repr by an exact integer form; check every number's size.  True when
    the tree changed."""
    numbers = [n for n in nodes if type(n) is ast.Constant and type(n.value) in (int, float)]
    if not any(type(n.value) is float or n.value.bit_length() > 64 for n in numbers):
        return False  # small integers only (most formulas): nothing to read again
    changed = False
    for parent in nodes:
        for field, value in ast.iter_fields(parent):
            if isinstance(value, ast.Constant):
                new = _exact(value, source)
                if new is not value:
                    setattr(parent, field, new)
                    changed = True
            elif isinstance(value, list):
                for k, item in enumerate(value):
                    if isinstance(item, ast.Constant):
                        value[k] = _exact(item, source)
                        changed = changed or value[k] is not item
    return changed


def _exact(node: ast.Constant, source: str) -> ast.AST:
    value = node.value
    where = getattr(node, "lineno", 1) - 1
    if type(value) is int:
        if value.bit_length() > MAX_DIGITS * 10 // 3:
            raise LiteralError(f"number with more than {MAX_DIGITS} digits", where)
        return node
    if type(value) is not float:
        return node
    from fractions import Fraction  # here: a warm run parses no formula
    text = (ast.get_source_segment(source, node) or "").replace("_", "")
    digits, exponent = decimal_parts(text, where)
    if digits == 0 or (value == value and abs(value) != float("inf")
                       and Fraction(repr(value)) == Fraction(digits) * Fraction(10) ** exponent):
        return node  # the evaluator reads repr(value): exact already
    new = integer_form(digits, exponent)
    for part in ast.walk(new):
        ast.copy_location(part, node)
    return new


def decimal_parts(text: str, where: int = 0) -> tuple[int, int]:
    """(n, k) with the text's value n * 10**k exactly, n without trailing zeros."""
    from decimal import Decimal, InvalidOperation  # here: a warm run parses no formula
    try:
        sign, digit_tuple, exponent = Decimal(text).as_tuple()
    except (InvalidOperation, ValueError):
        raise LiteralError(f"cannot read the number {text[:40]!r}", where) from None
    if not isinstance(exponent, int):
        raise LiteralError(f"{text[:40]!r} is not a finite number", where)
    digit_text = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digit_text.rstrip("0")
    exponent += len(digit_text) - len(stripped)
    if len(stripped) > MAX_DIGITS:
        raise LiteralError(f"number with more than {MAX_DIGITS} significant digits", where)
    if stripped and abs(exponent) > MAX_EXPONENT:
        raise LiteralError(f"number {text[:40]!r}: a decimal exponent beyond "
                           f"±{MAX_EXPONENT}", where)
    return (int(stripped) if stripped else 0), exponent


def integer_form(digits: int, exponent: int) -> ast.AST:
    """`digits * 10**exponent` as a tree of integer constants."""
    if exponent == 0:
        return ast.Constant(digits)
    power = ast.BinOp(ast.Constant(10), ast.Pow(), ast.Constant(abs(exponent)))
    if exponent > 0 and digits == 1:
        return power
    op = ast.Mult() if exponent > 0 else ast.Div()
    return ast.BinOp(ast.Constant(digits), op, power)
